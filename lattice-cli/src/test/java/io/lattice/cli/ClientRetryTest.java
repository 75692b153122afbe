package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.ResponseHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's retry rules against scripted KV servers on 127.0.0.1: a retried write keeps its
 * session and sequence number, NOT_LEADER hints are followed, an unknown session is renewed only
 * when no earlier try can have been applied, and an unknown outcome at the deadline is exit 5.
 */
class ClientRetryTest {
  /** What a scripted server does with one request. */
  private enum Step { OK, INDETERMINATE, NOT_LEADER, SESSION_EXPIRED, UNAVAILABLE, HANG }

  /** A KV server that answers Put and Get by its script (then OK) and records the requests. */
  private static final class ScriptedKv extends KVGrpc.KVImplBase {
    final Deque<Step> script = new ArrayDeque<>();
    final List<PutRequest> puts = Collections.synchronizedList(new ArrayList<>());
    final List<GetRequest> gets = Collections.synchronizedList(new ArrayList<>());
    volatile String leaderAddress = "";

    @Override
    public void put(PutRequest req, StreamObserver<PutResponse> out) {
      puts.add(req);
      if (answer(out)) {
        out.onNext(PutResponse.newBuilder().setHeader(header()).setVersion(1).setModIndex(7)
            .build());
        out.onCompleted();
      }
    }

    @Override
    public void get(GetRequest req, StreamObserver<GetResponse> out) {
      gets.add(req);
      if (answer(out)) {
        out.onNext(GetResponse.newBuilder().setHeader(header()).build());
        out.onCompleted();
      }
    }

    /** Plays the next step; true if the call should succeed. */
    private boolean answer(StreamObserver<?> out) {
      Step step;
      synchronized (script) {
        step = script.isEmpty() ? Step.OK : script.poll();
      }
      switch (step) {
        case OK:
          return true;
        case HANG:
          return false;
        case INDETERMINATE:
          out.onError(error(io.grpc.Status.Code.UNKNOWN, ErrorInfo.Reason.INDETERMINATE));
          return false;
        case NOT_LEADER:
          out.onError(error(io.grpc.Status.Code.FAILED_PRECONDITION,
              ErrorInfo.Reason.NOT_LEADER));
          return false;
        case SESSION_EXPIRED:
          out.onError(error(io.grpc.Status.Code.FAILED_PRECONDITION,
              ErrorInfo.Reason.SESSION_EXPIRED));
          return false;
        default:
          out.onError(error(io.grpc.Status.Code.UNAVAILABLE, ErrorInfo.Reason.UNAVAILABLE));
          return false;
      }
    }

    private StatusRuntimeException error(io.grpc.Status.Code code, ErrorInfo.Reason reason) {
      ErrorInfo info = ErrorInfo.newBuilder().setReason(reason).setMessage(reason.name())
          .setMemberId("fake").setLeaderAddress(leaderAddress).build();
      return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(code.value()).setMessage(reason.name()).addDetails(Any.pack(info)).build());
    }

    private ResponseHeader header() {
      return ResponseHeader.newBuilder().setMemberId("fake").setTerm(1).build();
    }
  }

  private final List<Server> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    for (Server s : servers) {
      s.shutdownNow();
    }
  }

  private String serve(ScriptedKv kv) throws IOException {
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(kv).build().start();
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
    assertThat(kv.puts.get(0).getSession().getClientId()).isNotEmpty();
    assertThat(kv.puts.get(0).getSession().getSequence()).isEqualTo(1);
    assertThat(kv.puts).allSatisfy(p -> assertThat(p.getSession())
        .isEqualTo(kv.puts.get(0).getSession()));
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
    assertThat(kv.puts.get(1).getSession().getClientId())
        .isNotEqualTo(kv.puts.get(0).getSession().getClientId());
    assertThat(kv.puts.get(1).getSession().getSequence()).isEqualTo(1);

    ScriptedKv lost = new ScriptedKv();
    lost.script.add(Step.INDETERMINATE);
    lost.script.add(Step.SESSION_EXPIRED);
    Cli.Result unknown = Cli.run("--endpoints", serve(lost), "put", "k", "v");
    assertThat(unknown.code()).isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(lost.puts).hasSize(2);
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
    assertThat(kv.puts).extracting(p -> p.getSession().getClientId()).containsOnly(
        kv.puts.get(0).getSession().getClientId());
  }

  @Test
  void aDeadEndpointIsSkipped() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    String dead = "127.0.0.1:" + LocalCluster.freePort();
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
        "127.0.0.1:7004");
    assertThat(r.code()).isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(r.err()).isEqualTo("lattice: fake: INDETERMINATE\n");
    assertThat(cluster.adds).hasSize(1);
  }
}
