package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.LoadLimits;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeException;
import io.lattice.node.NodeLoop;
import io.lattice.node.NodeMetrics;
import io.lattice.node.NodeStatus;
import io.lattice.node.ReadConsistency;
import io.lattice.node.Transport;
import io.lattice.raft.Message;
import io.lattice.raft.Role;
import io.lattice.storage.SnapshotStore;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The node's back-pressure ({@link LoadLimits}) on real {@link NodeLoop}s stepped by hand: client
 * requests past a bound fail at once with OVERLOADED and a message naming the limit, never reach
 * the log (so they had no effect), and free their room when they end however they end; admin
 * requests have a bound of their own; peer messages past the inbox bound are dropped and counted.
 */
class NodeLoopBackPressureTest {
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final long[] now = {0};
  private final Map<String, NodeLoop<KvStateMachine>> loops = new LinkedHashMap<>();
  private final ArrayDeque<Message> wire = new ArrayDeque<>();
  private final Set<String> cut = new HashSet<>();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final List<long[]> loads = new ArrayList<>();

  private final NodeMetrics metrics = new NodeMetrics() {
    @Override
    public void state(Role role, long term, long commitIndex, long appliedIndex,
        long firstLogIndex, long lastLogIndex, long logBytes, long snapshotIndex) {}

    @Override
    public void proposalDone(boolean succeeded) {}

    @Override
    public void logAppended(int entries, long nanos) {}

    @Override
    public void logSynced(long nanos) {}

    @Override
    public void electionStarted() {}

    @Override
    public void leaderChanged() {}

    @Override
    public void snapshotTaken(long nanos) {}

    @Override
    public void snapshotInstalled() {}

    @Override
    public void load(int pendingRequests, long pendingBytes, long inboxBytes,
        long uncommittedBytes) {
      loads.add(new long[] {pendingRequests, pendingBytes, inboxBytes, uncommittedBytes});
    }

    @Override
    public void requestRefused() {
      refused.incrementAndGet();
    }

    @Override
    public void peerMessageDropped() {
      dropped.incrementAndGet();
    }
  };

  private void start(LoadLimits limits, String... ids) throws Exception {
    Map<String, String> cluster = new LinkedHashMap<>();
    for (String id : ids) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    int n = 0;
    for (String id : ids) {
      NodeConfig config = NodeConfig.of(id, Path.of("unused-" + id), cluster)
          .withTiming(10, 10, 2, 2).withLimits(limits);
      SimDisk disk = new SimDisk((meta, data) -> {});
      loops.put(id, new NodeLoop<>(config, disk.storage(), new KvStateMachine(),
          inbox -> new WireTransport(), metrics, () -> now[0], new SplittableRandom(42 + n++),
          null));
    }
  }

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

  /** A leader whose followers are cut off: what it appends stays uncommitted. */
  private NodeLoop<KvStateMachine> isolatedLeader() {
    for (int i = 0; i < 1000; i++) {
      round();
      for (NodeLoop<KvStateMachine> l : loops.values()) {
        if (l.raft().role() == Role.LEADER && l.raft().commitIndex() >= 1) {
          loops.keySet().stream().filter(id -> !id.equals(l.id())).forEach(cut::add);
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

  private static LoadLimits limits(int requests, long bytes, long inbox, long uncommitted) {
    return new LoadLimits(requests, bytes, inbox, uncommitted);
  }

  @Test
  void requestsPastTheCountAreRefusedAtOnceWithoutReachingTheLog() throws Exception {
    start(limits(3, 1 << 20, 1 << 20, 1 << 20), "a", "b", "c");
    NodeLoop<KvStateMachine> leader = isolatedLeader();
    long last = leader.raft().lastIndex();
    List<CompletableFuture<byte[]>> admitted = new ArrayList<>();
    admitted.add(leader.propose(new byte[] {1}));
    admitted.add(leader.propose(new byte[] {2}));
    CompletableFuture<Object> read = leader.read(ReadConsistency.LINEARIZABLE, sm -> "x");
    CompletableFuture<byte[]> over = leader.propose(new byte[] {3});
    NodeException e = failure(over); // on the caller's thread, before any step
    assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
    assertThat(e.getMessage()).startsWith("too many pending requests (limit 3)");
    assertThat(failure(leader.read(ReadConsistency.LINEARIZABLE, sm -> "y")).reason())
        .isEqualTo(Reason.OVERLOADED);
    assertThat(refused).hasValue(2);

    leader.step();
    assertThat(leader.raft().lastIndex()).isEqualTo(last + 2); // the refused one is not in it
    assertThat(admitted).allSatisfy(f -> assertThat(f).isNotDone());
    assertThat(read).isNotDone();
    assertThat(loads.get(loads.size() - 1)[0]).isEqualTo(3);

    // Leadership lost: the appended ones end INDETERMINATE, the read UNAVAILABLE; room is free.
    for (int i = 0; i < 200 && leader.raft().role() == Role.LEADER; i++) {
      round();
    }
    assertThat(admitted).allSatisfy(f -> assertThat(failure(f).reason())
        .isEqualTo(Reason.INDETERMINATE));
    assertThat(failure(read).reason()).isEqualTo(Reason.UNAVAILABLE);
    CompletableFuture<byte[]> later = leader.propose(new byte[] {4});
    leader.step();
    assertThat(failure(later).reason()).as("admitted: the core answers").isEqualTo(
        Reason.NOT_LEADER);
  }

  @Test
  void requestsPastTheByteBoundAreRefusedButOneLargeRequestAlwaysFits() throws Exception {
    start(limits(100, 100, 1 << 20, 1 << 20), "a", "b", "c");
    NodeLoop<KvStateMachine> leader = isolatedLeader();
    CompletableFuture<byte[]> big = leader.propose(new byte[500]);
    NodeException e = failure(leader.propose(new byte[1]));
    assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
    assertThat(e.getMessage()).startsWith("too many bytes in pending requests (limit 100)");
    leader.stop(null); // the big one was queued, never stepped: it ends and frees its room
    assertThat(failure(big).reason()).isEqualTo(Reason.SHUTTING_DOWN);
  }

  @Test
  void theLeadersUncommittedBoundReachesTheClientAsOverloaded() throws Exception {
    start(limits(100, 1 << 20, 1 << 20, 100), "a", "b", "c");
    NodeLoop<KvStateMachine> leader = isolatedLeader();
    CompletableFuture<byte[]> first = leader.propose(new byte[60]);
    CompletableFuture<byte[]> second = leader.propose(new byte[60]);
    leader.step();
    assertThat(first).isNotDone();
    NodeException e = failure(second);
    assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
    assertThat(e.getMessage()).contains("uncommitted", "limit of 100");
    assertThat(leader.raft().uncommittedBytes()).isEqualTo(84);
    assertThat(refused).hasValue(1);
  }

  @Test
  void adminRequestsHaveABoundOfTheirOwn() throws Exception {
    start(LoadLimits.DEFAULTS, "a");
    NodeLoop<KvStateMachine> node = loops.get("a");
    List<CompletableFuture<NodeStatus>> statuses = new ArrayList<>();
    for (int i = 0; i < LoadLimits.MAX_ADMIN_REQUESTS; i++) {
      statuses.add(node.status());
    }
    NodeException e = failure(node.status());
    assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
    assertThat(e.getMessage()).startsWith("too many pending admin requests (limit 256)");
    CompletableFuture<Object> read = node.read(ReadConsistency.STALE, sm -> "ok");
    node.step();
    assertThat(statuses).allSatisfy(f -> assertThat(f).isCompleted());
    assertThat(read).isCompletedWithValue("ok");
    assertThat(node.status()).isNotCompletedExceptionally();
  }

  @Test
  void peerMessagesPastTheInboxBoundAreDroppedAndCounted() throws Exception {
    start(limits(100, 1 << 20, 1000, 1 << 20), "a", "b");
    NodeLoop<KvStateMachine> a = loops.get("a");
    Message hb = new Message.Heartbeat("b", "a", 1, 0, 0);
    for (int i = 0; i < 20; i++) {
      a.deliver(hb);
    }
    int kept = 1000 / 128; // each costs the fixed overhead
    assertThat(dropped).hasValue(20 - kept);
    a.step();
    assertThat(loads.get(loads.size() - 1)[2]).as("inbox empty after the step").isZero();
    a.deliver(hb);
    assertThat(dropped).hasValue(20 - kept);
    // one message larger than the bound is taken when nothing is queued
    a.step();
    a.deliver(new Message.AppendRequest("b", "a", 1, 0, 0,
        List.of(io.lattice.raft.Entry.command(1, 1, new byte[5000])), 0));
    assertThat(dropped).hasValue(20 - kept);
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
