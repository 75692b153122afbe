package io.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.HashRequest;
import io.lattice.proto.v1.HashResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberRemoveRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.SnapshotRequest;
import io.lattice.proto.v1.SnapshotResponse;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TransferLeaderRequest;
import io.lattice.proto.v1.TransferLeaderResponse;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnPut;
import io.lattice.proto.v1.TxnRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real lattice-node processes on 127.0.0.1: snapshots and InstallSnapshot, membership changes,
 * leadership transfer, and bad requests.
 */
class ClusterOperationsProcessTest extends ProcessClusterTest {
  /**
   * Small snapshots so that a stopped node falls behind one after a few hundred writes: every 40
   * entries, without the byte rule (which would space them out as the state grows).
   */
  static final List<String> SMALL_SNAPSHOTS = List.of("--snapshot-threshold", "40",
      "--snapshot-trailing", "10", "--snapshot-log-ratio", "0");

  private void put(String key, String value) {
    client.call(OP_BOUND, kv -> kv.put(PutRequest.newBuilder().setKey(bs(key))
        .setValue(bs(value)).build()));
  }

  private static String staleValue(NodeProcess n, String key) {
    GetResponse g = n.kv().get(GetRequest.newBuilder().setKey(bs(key))
        .setConsistency(ReadConsistency.STALE).build());
    return g.hasKv() ? g.getKv().getValue().toStringUtf8() : null;
  }

  /** Polls {@code condition} every 50 ms until it holds; fails naming {@code what} after bound. */
  private static void await(String what, Duration bound, Supplier<Boolean> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e; // e.g. a node still starting
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not within " + bound + ": " + what, last);
  }

  /**
   * Runs an admin call on the current leader; if leadership moved before the call arrived
   * (NOT_LEADER: nothing was done), finds the new leader and tries again, within the bound.
   */
  private <T> T onLeader(Function<ClusterGrpc.ClusterBlockingStub, T> call) throws Exception {
    long deadline = System.nanoTime() + ELECTION_BOUND.toNanos();
    while (true) {
      NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
      try {
        return call.apply(leader.cluster(10));
      } catch (StatusRuntimeException e) {
        ErrorInfo info = KvClient.errorInfo(e);
        boolean moved = info != null && info.getReason() == ErrorInfo.Reason.NOT_LEADER;
        if (!moved || System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
    }
  }

  private static List<MemberInfo> members(NodeProcess via) {
    return via.cluster(5).memberList(MemberListRequest.getDefaultInstance()).getMembersList();
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void aNodeStoppedPastASnapshotCatchesUpThroughInstallSnapshot() throws Exception {
    start(3, SMALL_SNAPSHOTS);
    NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
    NodeProcess lagger = cluster.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
    put("s/first", "1");
    await(lagger.id + " has s/first", OP_BOUND, () -> "1".equals(staleValue(lagger, "s/first")));
    long laggerLast = lagger.status().getLogLastIndex();
    lagger.kill();

    for (int i = 0; i < 150; i++) {
      put(String.format("s/%04d", i), "v" + i);
    }
    // and a snapshot on demand through the admin API, covering everything applied so far
    long appliedBefore = leader.status().getAppliedIndex();
    SnapshotResponse snap = leader.cluster(10).snapshot(SnapshotRequest.getDefaultInstance());
    assertThat(snap.getSnapshotIndex()).isGreaterThanOrEqualTo(appliedBefore);
    StatusResponse ls = leader.status();
    assertThat(ls.getSnapshotIndex()).isEqualTo(snap.getSnapshotIndex());
    assertThat(ls.getLogFirstIndex()).as("the leader compacted what the stopped node needs")
        .isGreaterThan(laggerLast + 1);

    lagger.start();
    long target = leader.status().getAppliedIndex();
    await(lagger.id + " applies up to " + target, Duration.ofSeconds(30),
        () -> lagger.status().getAppliedIndex() >= target);
    assertThat(lagger.outputTail(400)).as("%s log", lagger.id).contains("installed from the leader");
    assertThat(lagger.status().getSnapshotIndex()).isGreaterThan(laggerLast);
    assertThat(staleValue(lagger, "s/0149")).isEqualTo("v149");
    // the replicas are identical: same hash of the state machine at the same index
    HashResponse hl = leader.cluster(10).hash(HashRequest.newBuilder().setWaitForIndex(target)
        .build());
    HashResponse hf = lagger.cluster(10).hash(HashRequest.newBuilder().setWaitForIndex(target)
        .build());
    assertThat(hf.getAppliedIndex()).isEqualTo(hl.getAppliedIndex());
    assertThat(hf.getHash()).isEqualTo(hl.getHash());
    assertThat(hf.getKeyCount()).isEqualTo(151);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void leaderTransferThenAddPromoteAndRemoveMembersIncludingTheLeader() throws Exception {
    start(3, List.of());
    NodeProcess first = cluster.awaitLeader(ELECTION_BOUND);

    // transfer to a named member: it leads when the call returns
    NodeProcess target = cluster.nodes.stream().filter(n -> n != first).findFirst().orElseThrow();
    TransferLeaderResponse t = onLeader(c -> c.transferLeader(
        TransferLeaderRequest.newBuilder().setTargetId(target.id).build()));
    assertThat(t.getNewLeaderId()).isEqualTo(target.id);
    // transfer without a target: the most up-to-date other member takes over
    NodeProcess from = cluster.awaitLeader(ELECTION_BOUND);
    TransferLeaderResponse t2 = from.cluster(10).transferLeader(
        TransferLeaderRequest.getDefaultInstance());
    assertThat(t2.getNewLeaderId()).isNotEqualTo(from.id).isNotEmpty();
    put("m/before", "1");

    // a 4th node joins as a learner and is promoted once caught up
    NodeProcess n4 = cluster.startJoining("n4");
    onLeader(c -> c.memberAdd(MemberAddRequest.newBuilder().setId("n4")
        .setPeerAddress(n4.peerAddress()).setClientAddress(n4.address()).build()));
    await("n4 promoted to voter", Duration.ofSeconds(30), () -> members(n4).stream()
        .anyMatch(m -> m.getId().equals("n4") && !m.getIsLearner()));
    assertThat(members(n4).stream().map(MemberInfo::getId).collect(Collectors.toList()))
        .containsExactlyInAnyOrder("n1", "n2", "n3", "n4");
    // both addresses of every member, as recorded in the log: the leader replicated to n4 at its
    // peer address; the others' client addresses were published by the leader
    for (MemberInfo m : members(n4)) {
      assertThat(m.getPeerAddress()).as(m.getId()).isEqualTo(cluster.node(m.getId()).peerAddress());
      await(m.getId() + "'s client address known to n4", OP_BOUND, () -> members(n4).stream()
          .anyMatch(x -> x.getId().equals(m.getId())
              && x.getAddress().equals(cluster.node(m.getId()).address())));
    }
    await("n4 has m/before", OP_BOUND, () -> "1".equals(staleValue(n4, "m/before")));
    // writes sent to n4 reach the leader (NOT_LEADER is followed)
    client.call(n4.address(), OP_BOUND, kv -> kv.put(PutRequest.newBuilder()
        .setKey(bs("m/via-n4")).setValue(bs("4")).build()));

    // remove a follower (not n4)
    NodeProcess l = cluster.awaitLeader(ELECTION_BOUND);
    NodeProcess follower = cluster.nodes.stream()
        .filter(n -> n != l && n != n4).findFirst().orElseThrow();
    onLeader(c -> c.memberRemove(MemberRemoveRequest.newBuilder().setId(follower.id).build()));
    await(follower.id + " gone from the member list", OP_BOUND, () -> members(n4).stream()
        .noneMatch(m -> m.getId().equals(follower.id)));
    follower.kill();

    // remove the leader itself: it hands leadership off, and the other two carry on
    NodeProcess doomed = cluster.awaitLeader(ELECTION_BOUND);
    onLeader(c -> c.memberRemove(MemberRemoveRequest.newBuilder().setId(doomed.id).build()));
    List<NodeProcess> remaining = cluster.nodes.stream()
        .filter(n -> n != doomed && n != follower).collect(Collectors.toList());
    List<String> remainingIds = remaining.stream().map(n -> n.id).collect(Collectors.toList());
    await(doomed.id + " gone from the member list", Duration.ofSeconds(20), () -> remaining
        .stream().allMatch(r -> members(r).stream().noneMatch(m -> m.getId().equals(doomed.id))));
    doomed.kill();
    NodeProcess newLeader = cluster.awaitLeader(ELECTION_BOUND);
    assertThat(newLeader.id).isIn(remainingIds);
    assertThat(members(newLeader).stream().map(MemberInfo::getId).collect(Collectors.toList()))
        .containsExactlyInAnyOrderElementsOf(remainingIds);
    put("m/after", "2");
    for (NodeProcess n : remaining) {
      GetResponse g = client.call(n.address(), OP_BOUND, kv -> kv.get(GetRequest.newBuilder()
          .setKey(bs("m/after")).setConsistency(ReadConsistency.LINEARIZABLE).build()));
      assertThat(g.getKv().getValue().toStringUtf8()).as("%s reads m/after", n.id).isEqualTo("2");
      assertThat(n.kv().range(RangeRequest.newBuilder().setPrefix(bs("m/")).build()).getCount())
          .isEqualTo(3);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void oversizedAndMalformedRequestsGetInvalidArgumentAndTheNodeKeepsServing() throws Exception {
    start(1, List.of());
    NodeProcess n = cluster.awaitLeader(ELECTION_BOUND);
    // a fresh stub per call: a stub's deadline runs from when it was made
    Map<String, Runnable> bad = Map.of(
        "empty key", () -> n.kv().put(PutRequest.newBuilder().setValue(bs("v")).build()),
        "key over 4 KiB", () -> n.kv().put(PutRequest.newBuilder().setKey(bs("k".repeat(4097)))
            .setValue(bs("v")).build()),
        "value over 1 MiB", () -> n.kv().put(PutRequest.newBuilder().setKey(bs("k"))
            .setValue(ByteString.copyFrom(new byte[1024 * 1024 + 1])).build()),
        "request over 1.5 MiB", () -> n.kv().txn(TxnRequest.newBuilder()
            .addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(bs("a"))
                .setValue(ByteString.copyFrom(new byte[1024 * 1024]))))
            .addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(bs("b"))
                .setValue(ByteString.copyFrom(new byte[1024 * 1024]))))
            .build()),
        "bytes that are not a PutRequest", () -> ClientCalls.blockingUnaryCall(
            n.channel(), RAW_PUT, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5,
                TimeUnit.SECONDS), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}));
    for (Map.Entry<String, Runnable> e : bad.entrySet()) {
      assertThatThrownBy(e.getValue()::run).as(e.getKey())
          .isInstanceOfSatisfying(StatusRuntimeException.class, sre -> assertThat(
              sre.getStatus().getCode()).as("%s: %s", e.getKey(), sre.getStatus())
              .isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    // still serving
    n.kv().put(PutRequest.newBuilder().setKey(bs("ok")).setValue(bs("fine")).build());
    assertThat(n.kv().get(GetRequest.newBuilder().setKey(bs("ok")).build()).getKv().getValue()
        .toStringUtf8()).isEqualTo("fine");
    assertThat(n.isAlive()).isTrue();
  }

  /** KV/Put with raw bytes as the request, to send what no generated stub would. */
  private static final MethodDescriptor<byte[], byte[]> RAW_PUT =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(KVGrpc.SERVICE_NAME, "Put"))
          .setRequestMarshaller(RawBytes.INSTANCE)
          .setResponseMarshaller(RawBytes.INSTANCE)
          .build();

  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
