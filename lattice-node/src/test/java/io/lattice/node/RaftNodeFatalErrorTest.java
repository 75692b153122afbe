package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Message;
import io.lattice.storage.SnapshotStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A fatal error in the loop stops the node, fails pending requests and completes fatalError(). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RaftNodeFatalErrorTest {
  @TempDir Path tmp;

  /** A transport that breaks its contract (throws) on the first message: the handler stops. */
  private static final class BrokenTransport implements Transport {
    @Override
    public void send(Message message) {
      throw new IllegalStateException("transport broke on " + message.getClass().getSimpleName());
    }

    @Override
    public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      send(message);
    }
  }

  @Test
  void anExceptionInTheLoopStopsTheNodeAndIsReported() throws Exception {
    NodeConfig config = NodeConfig.of("a", tmp.resolve("a"),
        Map.of("a", "127.0.0.1:7001", "b", "127.0.0.1:7002")).withTiming(10, 10, 2, 2);
    try (RaftNode<KvStateMachine> node = RaftNode.start(config, new KvStateMachine(), inbox -> new BrokenTransport())) {
      // the first pre-vote (after 100-200 ms) goes through the transport and breaks it
      Throwable cause = node.fatalError().get(10, TimeUnit.SECONDS);
      assertThat(cause).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("transport broke");
      node.terminated().get(10, TimeUnit.SECONDS);

      CompletableFuture<byte[]> late = node.propose(new byte[] {1});
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(NodeException.class);
      assertThat(((NodeException) e.getCause()).reason()).isEqualTo(Reason.SHUTTING_DOWN);
    }
  }
}
