package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeException;
import io.lattice.node.NodeLoop;
import io.lattice.node.NodeMetrics;
import io.lattice.node.Transport;
import io.lattice.raft.Message;
import io.lattice.raft.Role;
import io.lattice.storage.SnapshotStore;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The outcome rule of the node loop's pending requests (DESIGN §2: "a request that reached the log
 * may have applied: INDETERMINATE unless its result is known"), on real {@link NodeLoop}s stepped
 * by hand with a manual clock over a hand-routed network. Before the loop was split out, the node's
 * shutdown failed every pending proposal with STOPPED (which clients read as "had no effect"),
 * although an appended entry may still commit under the next leader.
 */
class NodeLoopOutcomeTest {
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final long[] now = {0};
  private final Map<String, NodeLoop<KvStateMachine>> loops = new LinkedHashMap<>();
  private final ArrayDeque<Message> wire = new ArrayDeque<>();
  private final Set<String> cut = new HashSet<>();

  private void start(String... ids) throws Exception {
    Map<String, String> cluster = new LinkedHashMap<>();
    for (String id : ids) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    int n = 0;
    for (String id : ids) {
      NodeConfig config = NodeConfig.of(id, Path.of("unused-" + id), cluster)
          .withTiming(10, 10, 2, 2);
      SimDisk disk = new SimDisk((meta, data) -> {});
      loops.put(id, new NodeLoop<>(config, disk.storage(), new KvStateMachine(),
          inbox -> new WireTransport(), NodeMetrics.NONE, () -> now[0],
          new SplittableRandom(42 + n++), null));
    }
  }

  /** One round: deliver what is on the wire (except over cut links), step every loop, 1 tick on. */
  private void round() {
    for (int i = wire.size(); i > 0; i--) {
      Message m = wire.poll();
      if (!cut.contains(m.from()) && !cut.contains(m.to()) && loops.containsKey(m.to())) {
        loops.get(m.to()).deliver(m);
      }
    }
    loops.values().forEach(NodeLoop::step);
    now[0] += TICK_NANOS;
  }

  private NodeLoop<KvStateMachine> awaitLeader() {
    for (int i = 0; i < 1000; i++) {
      round();
      for (NodeLoop<KvStateMachine> l : loops.values()) {
        if (l.raft().role() == Role.LEADER && l.raft().commitIndex() >= 1) {
          return l;
        }
      }
    }
    throw new AssertionError("no leader within 1000 rounds");
  }

  private static NodeException failure(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.join();
      throw new AssertionError("completed normally");
    } catch (CompletionException e) {
      return (NodeException) e.getCause();
    }
  }

  @Test
  void anAppendedProposalEndsIndeterminateWhenTheLoopStopsAndAQueuedOneEndsStopped() throws Exception {
    start("a", "b", "c");
    NodeLoop<KvStateMachine> leader = awaitLeader();
    for (String id : loops.keySet()) {
      if (!id.equals(leader.id())) {
        cut.add(id);
      }
    }
    CompletableFuture<byte[]> appended = leader.propose(new byte[] {1});
    leader.step(); // appended and persisted; its AppendEntries go nowhere
    assertThat(leader.raft().lastIndex()).isGreaterThan(leader.raft().commitIndex());
    assertThat(leader.raft().role()).isEqualTo(Role.LEADER);
    CompletableFuture<byte[]> queued = leader.propose(new byte[] {2}); // never stepped

    leader.stop(null);

    assertThat(failure(appended).reason()).isEqualTo(Reason.INDETERMINATE);
    assertThat(failure(queued).reason()).isEqualTo(Reason.SHUTTING_DOWN);
    assertThat(failure(leader.propose(new byte[] {3})).reason())
        .isEqualTo(Reason.SHUTTING_DOWN);
  }

  @Test
  void anAppendedProposalEndsIndeterminateWhenTheLeaderLosesLeadership() throws Exception {
    start("a", "b", "c");
    NodeLoop<KvStateMachine> leader = awaitLeader();
    cut.add(leader.id());
    CompletableFuture<byte[]> appended = leader.propose(new byte[] {1});
    for (int i = 0; i < 100 && !appended.isDone(); i++) {
      round(); // check-quorum steps the isolated leader down
    }
    assertThat(failure(appended).reason()).isEqualTo(Reason.INDETERMINATE);
  }

  private final class WireTransport implements Transport {
    @Override
    public void send(Message message) {
      wire.add(message);
    }

    @Override
    public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      throw new AssertionError("no snapshot is sent in these tests");
    }
  }
}
