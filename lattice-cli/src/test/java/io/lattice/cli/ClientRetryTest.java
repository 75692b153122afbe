package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lattice.cli.ScriptedKv.Step;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's retry rules against scripted KV servers on 127.0.0.1: a retried write keeps its
 * session and sequence number, NOT_LEADER hints are followed, an unknown session is renewed only
 * when no earlier try can have been applied, and an unknown outcome at the deadline is exit 5.
 * The life of the session itself is in {@link ClientSessionTest}.
 */
class ClientRetryTest {
  private final List<Server> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    for (Server s : servers) {
      s.shutdownNow();
    }
  }

  private String serve(ScriptedKv kv) throws IOException {
    Server s = ScriptedKv.serve(kv);
    servers.add(s);
    return "127.0.0.1:" + s.getPort();
  }

  @Test
  void anIndeterminateWriteIsRetriedWithTheSameSequenceNumber() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    kv.script.add(Step.INDETERMINATE);
    kv.script.add(Step.UNAVAILABLE);
    Cli.Result r = Cli.run("--endpoints", serve(kv), "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(kv.puts).hasSize(3);
    assertThat(kv.puts.get(0).getSession().getSessionId()).isEqualTo(100);
    assertThat(kv.puts.get(0).getSession().getSequence()).isEqualTo(1);
    assertThat(kv.puts).allSatisfy(p -> assertThat(p.getSession())
        .isEqualTo(kv.puts.get(0).getSession()));
  }

  @Test
  void aFullDiskFailsTheWriteAtOnceWithExit1AndSaysWhatToDo() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    kv.script.add(Step.NO_SPACE);
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "5s", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(kv.puts).as("not retried: no attempt can succeed before space is freed").hasSize(1);
    assertThat(r.err()).startsWith("lattice: fake: NO_SPACE (the NO_SPACE alarm: free space on "
        + "that member's disk");
  }

  @Test
  void anOutcomeStillUnknownAtTheDeadlineExitsWith5() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    for (int i = 0; i < 1000; i++) {
      kv.script.add(Step.INDETERMINATE);
    }
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "300ms", "put", "k", "v");
    assertThat(r.code()).isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(r.err()).startsWith("lattice: put did not complete within 300ms; it may or may "
        + "not have been applied");
  }

  @Test
  void aWriteWithNoAnswerAtTheDeadlineIsIndeterminateButAReadIsUnavailable()
      throws IOException {
    ScriptedKv kv = new ScriptedKv();
    kv.script.add(Step.HANG);
    kv.script.add(Step.HANG);
    String address = serve(kv);
    assertThat(Cli.run("--endpoints", address, "--timeout", "200ms", "put", "k", "v").code())
        .isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(Cli.run("--endpoints", address, "--timeout", "200ms", "get", "k").code())
        .isEqualTo(ExitCodes.UNAVAILABLE);
  }

  @Test
  void notLeaderHintsAreFollowed() throws IOException {
    ScriptedKv leader = new ScriptedKv();
    ScriptedKv follower = new ScriptedKv();
    follower.leaderAddress = serve(leader);
    follower.script.add(Step.NOT_LEADER);
    Cli.Result r = Cli.run("--endpoints", serve(follower), "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(follower.puts).hasSize(1);
    assertThat(leader.puts).hasSize(1);
    assertThat(leader.puts.get(0).getSession()).isEqualTo(follower.puts.get(0).getSession());
  }

  @Test
  void anUnknownSessionIsRenewedOnlyIfNoEarlierTryCanHaveApplied() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    kv.script.add(Step.SESSION_EXPIRED);
    Cli.Result r = Cli.run("--endpoints", serve(kv), "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(kv.puts).hasSize(2);
    assertThat(kv.opens).hasSize(2);
    assertThat(kv.puts.get(0).getSession().getSessionId()).isEqualTo(100);
    assertThat(kv.puts.get(1).getSession().getSessionId()).isEqualTo(101);
    assertThat(kv.puts.get(1).getSession().getSequence()).isEqualTo(1);

    ScriptedKv lost = new ScriptedKv();
    lost.script.add(Step.INDETERMINATE);
    lost.script.add(Step.SESSION_EXPIRED);
    Cli.Result unknown = Cli.run("--endpoints", serve(lost), "put", "k", "v");
    assertThat(unknown.code()).as(unknown.toString()).isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(unknown.err()).contains("SESSION_EXPIRED")
        .contains("an earlier attempt may have been applied");
    assertThat(lost.puts).hasSize(2);
    assertThat(lost.opens).as("never re-sent under a new session").hasSize(1);
  }

  // ------------------------------------------------------------------ a member shutting down

  /** A member that answers every request SHUTTING_DOWN, naming {@code leader} as the leader. */
  private static ScriptedKv shuttingDown(String leader) {
    ScriptedKv kv = new ScriptedKv();
    kv.leaderAddress = leader;
    for (int i = 0; i < 1000; i++) {
      kv.script.add(Step.SHUTTING_DOWN);
      kv.openScript.add(Step.SHUTTING_DOWN);
    }
    return kv;
  }

  @Test
  void aWriteRefusedByAMemberShuttingDownGoesToTheLeaderItNames() throws IOException {
    ScriptedKv leader = new ScriptedKv();
    ScriptedKv old = shuttingDown(serve(leader));
    String oldAddress = serve(old);
    old.openScript.clear(); // the session was opened before the member began to shut down
    Cli.Result r = Cli.run("--endpoints", oldAddress, "--timeout", "2s", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(old.puts).hasSize(1);
    assertThat(leader.puts).singleElement()
        .satisfies(p -> assertThat(p.getSession()).isEqualTo(old.puts.get(0).getSession()));
  }

  @Test
  void aSessionIsOpenedAtAnotherMemberWhenTheFirstIsShuttingDown() throws IOException {
    ScriptedKv leader = new ScriptedKv();
    ScriptedKv old = shuttingDown(serve(leader));
    Cli.Result r = Cli.run("--endpoints", serve(old), "--timeout", "2s", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(old.puts).isEmpty();
    assertThat(leader.opens).hasSize(1);
    assertThat(leader.puts).hasSize(1);
  }

  @Test
  void shuttingDownMeansTheAttemptHadNoEffect() throws IOException {
    // the write never reached a log: an unknown session afterwards may be renewed
    ScriptedKv leader = new ScriptedKv();
    leader.script.add(Step.SESSION_EXPIRED);
    ScriptedKv old = shuttingDown(serve(leader));
    old.openScript.clear();
    Cli.Result renewed = Cli.run("--endpoints", serve(old), "--timeout", "2s", "put", "k", "v");
    assertThat(renewed.code()).as(renewed.toString()).isZero();
    assertThat(leader.opens).as("a new session, at the leader").hasSize(1);
    assertThat(leader.puts).hasSize(2);

    // and a member that keeps shutting down leaves the write certainly not applied: exit 4
    ScriptedKv alone = shuttingDown("");
    Cli.Result r = Cli.run("--endpoints", serve(alone), "--timeout", "300ms", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
  }

  @Test
  void shuttingDownDoesNotHideAnEarlierAttemptOfUnknownOutcome() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    kv.script.add(Step.INDETERMINATE);
    for (int i = 0; i < 1000; i++) {
      kv.script.add(Step.SHUTTING_DOWN);
    }
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "300ms", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.INDETERMINATE);
  }

  @Test
  void anOverloadedWriteBacksOffAndIsRetriedWithTheSameSequenceNumber() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    for (int i = 0; i < 4; i++) {
      kv.script.add(Step.OVERLOADED);
    }
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "5s", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(kv.puts).hasSize(5).allSatisfy(p -> assertThat(p.getSession())
        .isEqualTo(kv.puts.get(0).getSession()));
    // Growing pauses, each at least half of the back-off (20, 40, 80, 160 ms): 10, 20, 40, 80 ms.
    for (int i = 1; i < 5; i++) {
      long gapMillis = (kv.putTimes.get(i) - kv.putTimes.get(i - 1)) / 1_000_000;
      assertThat(gapMillis).as("pause before attempt " + (i + 1))
          .isGreaterThanOrEqualTo((FIRST_BACKOFF_MILLIS << (i - 1)) / 2);
    }
  }

  /** The client's first back-off (Calls.FIRST_BACKOFF_MILLIS). */
  private static final long FIRST_BACKOFF_MILLIS = 20;

  @Test
  void aWriteStillOverloadedAtTheDeadlineHadNoEffectUnlessAnEarlierTryMayHave()
      throws IOException {
    ScriptedKv kv = new ScriptedKv();
    for (int i = 0; i < 1000; i++) {
      kv.script.add(Step.OVERLOADED);
    }
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "2s", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).startsWith("lattice: put: the cluster was still overloaded after 2s "
        + "of retries; it was not applied");
    assertThat(kv.puts.size()).as("backed off, not hammered").isLessThan(20);

    ScriptedKv earlier = new ScriptedKv();
    earlier.script.add(Step.INDETERMINATE);
    for (int i = 0; i < 1000; i++) {
      earlier.script.add(Step.OVERLOADED);
    }
    Cli.Result r2 = Cli.run("--endpoints", serve(earlier), "--timeout", "300ms", "put", "k", "v");
    assertThat(r2.code()).as(r2.toString()).isEqualTo(ExitCodes.INDETERMINATE);

    ScriptedKv reads = new ScriptedKv();
    for (int i = 0; i < 1000; i++) {
      reads.script.add(Step.OVERLOADED);
    }
    Cli.Result r3 = Cli.run("--endpoints", serve(reads), "--timeout", "2s", "get", "k");
    assertThat(r3.code()).as(r3.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r3.err()).startsWith("lattice: get: the cluster was still overloaded after 2s "
        + "of retries (last error: ");
  }

  @Test
  void eachNewWriteOfAClientTakesTheNextSequenceNumber() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    try (LatticeClient c = new LatticeClient(List.of(serve(kv)), Duration.ofSeconds(2))) {
      for (int i = 0; i < 3; i++) {
        c.put(PutRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
            .build());
      }
    }
    assertThat(kv.puts).extracting(p -> p.getSession().getSequence()).containsExactly(1L, 2L, 3L);
    assertThat(kv.puts).extracting(p -> p.getSession().getSessionId()).containsOnly(100L);
    assertThat(kv.opens).hasSize(1);
    assertThat(kv.closes).as("closed by close()").containsExactly(100L);
  }

  @Test
  void aDeadEndpointIsSkipped() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    String dead = "127.0.0.1:" + LoopbackPorts.free();
    Cli.Result r = Cli.run(Map.of("LATTICE_ENDPOINTS", dead + "," + serve(kv)), new byte[0],
        "get", "k");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(kv.gets).hasSize(1);
  }

  /** A Cluster service whose MemberAdd is always INDETERMINATE. */
  private static final class UnknownOutcomeCluster extends ClusterGrpc.ClusterImplBase {
    final List<MemberAddRequest> adds = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void memberAdd(MemberAddRequest req, StreamObserver<MemberAddResponse> out) {
      adds.add(req);
      out.onError(new ScriptedKv().error(io.grpc.Status.Code.UNKNOWN,
          ErrorInfo.Reason.INDETERMINATE));
    }
  }

  @Test
  void aMembershipChangeWithAnUnknownOutcomeIsNotRetried() throws IOException {
    UnknownOutcomeCluster cluster = new UnknownOutcomeCluster();
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(cluster).build().start();
    servers.add(s);
    Cli.Result r = Cli.run("--endpoints", "127.0.0.1:" + s.getPort(), "member", "add", "n4",
        "--peer-address", "127.0.0.1:7104", "--client-address", "127.0.0.1:7004");
    assertThat(r.code()).isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(r.err()).isEqualTo("lattice: fake: INDETERMINATE\n");
    assertThat(cluster.adds).hasSize(1);
    assertThat(cluster.adds.get(0).getPeerAddress()).isEqualTo("127.0.0.1:7104");
    assertThat(cluster.adds.get(0).getClientAddress()).isEqualTo("127.0.0.1:7004");
  }
}
