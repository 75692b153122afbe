package io.lattice.api;

import static io.lattice.api.KvServiceTest.info;
import static io.lattice.api.KvServiceTest.retry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvLimits;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.RaftNode;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.HashRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poison pill of a 1 MiB value read 50,000 times in one transaction, against a real 3-node
 * cluster: refused before it is proposed, and when proposed anyway (bypassing the API), answered
 * with an error by every replica, which keep serving, also after all of them restart and replay it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandLimitsApiTest {
  private static final String[] IDS = {"n1", "n2", "n3"};
  private static final ByteString MIB = ByteString.copyFrom(new byte[1 << 20]);

  @TempDir Path tmp;

  private static TxnRequest gets(int n) {
    TxnOp get = TxnOp.newBuilder().setGet(io.lattice.proto.v1.TxnGet.newBuilder()
        .setKey(ByteString.copyFromUtf8("big"))).build();
    return TxnRequest.newBuilder().addAllSuccess(Collections.nCopies(n, get)).build();
  }

  private static StatusRuntimeException fails(Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    assertThat(e).isNotNull();
    return e;
  }

  @Test
  void thePoisonPillIsRefusedAndEveryReplicaKeepsServingAlsoAfterARestart() throws Exception {
    try (ApiCluster cluster = new ApiCluster(tmp, 2 << 20, IDS)) {
      long put = retry(() -> cluster.kv(cluster.awaitLeader()).put(PutRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("big")).setValue(MIB).build())).getModIndex();
      RaftNode<KvStateMachine> node = cluster.nodes.get(cluster.awaitLeader());
      // the header is published after the step that applied the put
      ApiCluster.await("the put's commit in the header",
          () -> node.header().commitIndex() >= put ? true : null);
      RaftNode.Header committed = node.header();

      // refused before it is proposed: nothing reaches the log
      for (int ops : new int[] {KvLimits.DEFAULT_MAX_TXN_OPS + 1, 50_000}) {
        StatusRuntimeException e = fails(() -> cluster.kv(node.id()).txn(gets(ops)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(info(e).getReason()).isEqualTo(ErrorInfo.Reason.TOO_MANY_TXN_OPS);
        assertThat(e.getStatus().getDescription()).contains(ops + " success", "--max-txn-ops");
      }
      RaftNode.Header now = node.header();
      if (now.term() == committed.term()) { // a new leader would append its no-op
        assertThat(now.commitIndex()).isEqualTo(committed.commitIndex());
      }

      // the most allowed operations, but a result over the answer limit: an error everywhere
      StatusRuntimeException tooLarge = fails(() -> retry(
          () -> cluster.kv(cluster.awaitLeader()).txn(gets(KvLimits.DEFAULT_MAX_TXN_OPS))));
      assertThat(tooLarge.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(info(tooLarge).getReason()).isEqualTo(ErrorInfo.Reason.RESULT_TOO_LARGE);

      // the pill itself, proposed past the API: the state machine's own limit answers it
      byte[] pill = KvCommandCodec.encode(new KvCommand.Txn(Session.NONE, 1, List.of(),
          Collections.nCopies(50_000, new KvCommand.Op(KvCommand.OpKind.GET,
              "big".getBytes(StandardCharsets.UTF_8), null, false)), List.of()));
      KvResult r = KvResultCodec.decodeTrusted(proposeOnLeader(cluster, pill));
      assertThat(r).isInstanceOf(KvResult.Error.class);
      assertThat(((KvResult.Error) r).kind()).isEqualTo(KvResult.ErrorKind.TOO_MANY_OPS);

      long after = retry(() -> cluster.kv(cluster.awaitLeader()).put(PutRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("after")).setValue(ByteString.copyFromUtf8("1"))
          .build())).getModIndex();
      assertSameHashEverywhere(cluster, after);
    }

    // every replica restarts and replays the log, the pill included
    try (ApiCluster cluster = new ApiCluster(tmp, 2 << 20, IDS)) {
      for (String id : IDS) {
        assertThat(retry(() -> cluster.kv(id).get(GetRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("after"))
            .setConsistency(ReadConsistency.LINEARIZABLE).build())).getKv().getValue()
            .toStringUtf8()).as(id).isEqualTo("1");
      }
      long again = retry(() -> cluster.kv(cluster.awaitLeader()).put(PutRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("again")).setValue(ByteString.copyFromUtf8("2"))
          .build())).getModIndex();
      assertSameHashEverywhere(cluster, again);
    }
  }

  /** Proposes on whoever leads, again while leadership moves (a loaded machine, 10 ms ticks). */
  private static byte[] proposeOnLeader(ApiCluster cluster, byte[] command) throws Exception {
    long deadline = System.nanoTime() + ApiCluster.WAIT.toNanos();
    while (true) {
      try {
        return cluster.nodes.get(cluster.awaitLeader()).propose(command)
            .get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof io.lattice.node.NodeException ne)
            || ne.reason() != io.lattice.errors.Reason.NOT_LEADER
            || System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
    }
  }

  private static void assertSameHashEverywhere(ApiCluster cluster, long index) {
    Set<Long> hashes = new HashSet<>();
    for (String id : IDS) {
      hashes.add(retry(() -> cluster.admin(id).hash(HashRequest.newBuilder()
          .setWaitForIndex(index).build())).getHash());
    }
    assertThat(hashes).hasSize(1);
  }
}
