package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeException;
import io.lattice.node.NodeLoop;
import io.lattice.node.NodeMetrics;
import io.lattice.node.ReadConsistency;
import io.lattice.node.Transport;
import io.lattice.raft.Message;
import io.lattice.raft.Role;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stale-lease defect, rebuilt with three real {@link NodeLoop}s, in-memory disks, a manual
 * clock and a hand-driven network.
 *
 * <p>The defect: the node's loop drained its inbox (where lease reads are served) before it caught
 * up on the ticks it had missed. A leader whose loop stalled for longer than its lease then served
 * a LEASE read from a tick count that predated the stall, even though another leader had
 * committed newer writes meanwhile.
 *
 * <p>The situation: the leader holds a lease and has applied {@code k = v1}; its loop stalls (it
 * is not stepped while the clock runs on) and it is cut off; the other two elect a new leader,
 * which commits {@code k = v2}; a LEASE read of {@code k} is queued at the old leader while it is
 * still stalled, so it is the first thing the loop handles when it resumes (still cut off). The
 * old leader's core, by its stale tick count, still leads and still holds its lease. The read must
 * not return {@code v1}: {@link NodeLoop#step()} catches up time first, the lease is then over,
 * the read falls back to a heartbeat round nobody answers, and it fails.
 *
 * <p>This test fails (the read returns {@code v1} in the very first step after the stall) when
 * {@code NodeLoop.step()} is changed back to drain the inbox before {@code catchUpTime()} and the
 * {@code catchUpTime()} call for LEASE reads in {@code NodeRequests.read} is removed: that
 * experiment was made by hand when the test was written.
 */
class StalledLeaderLeaseTest {
  private static final long TICK_MILLIS = 10;
  private static final int ELECTION_TICKS = 10;

  /** The manual clock: every node reads it (all clocks run at the same rate here). */
  private long nanos;
  private final Map<String, NodeLoop<KvStateMachine>> loops = new TreeMap<>();
  private final List<Message> wire = new ArrayList<>();
  /** Nodes whose every link is cut. */
  private final Set<String> cutOff = new HashSet<>();
  /** Nodes not stepped (their loops are stalled); the clock runs on. */
  private final Set<String> stalled = new HashSet<>();

  @BeforeEach
  void startCluster() throws IOException {
    Map<String, String> members = new TreeMap<>();
    for (String id : List.of("n1", "n2", "n3")) {
      members.put(id, "sim://" + id);
    }
    int seed = 1;
    for (String id : members.keySet()) {
      NodeConfig config = NodeConfig.of(id, Path.of(id), members)
          .withTiming(TICK_MILLIS, ELECTION_TICKS, 1, 2)
          .withSnapshots(0, 1000)
          .withTimeouts(40 * TICK_MILLIS, 60 * TICK_MILLIS);
      SimDisk disk = new SimDisk((meta, data) -> { });
      loops.put(id, new NodeLoop<>(config, disk.storage(), new KvStateMachine(),
          inbox -> new WireTransport(), NodeMetrics.NONE, () -> nanos,
          new SplittableRandom(seed++), null));
    }
  }

  @Test
  void leaseReadAtALeaderWhoseLoopStalledDoesNotReturnTheOldValue() {
    NodeLoop<KvStateMachine> old = awaitLeader(null);
    put(old, "v1");
    run(3);
    assertThat(old.raft().leaseValid()).as("the leader holds a lease when its loop stalls")
        .isTrue();

    // The old leader's loop stalls and it is cut off; the others elect a leader who commits v2.
    stalled.add(old.id());
    cutOff.add(old.id());
    NodeLoop<KvStateMachine> next = awaitLeader(old);
    put(next, "v2");
    run(3 * ELECTION_TICKS); // far past the old lease, by the clock
    assertThat(old.raft().role()).as("by its stale tick count the old leader still leads")
        .isEqualTo(Role.LEADER);
    assertThat(old.raft().leaseValid()).as("... and still holds its lease").isTrue();

    // A LEASE read is queued while the loop is stalled: the first thing it handles on resuming.
    CompletableFuture<String> read = old.read(ReadConsistency.LEASE, sm -> value(sm, "k"));
    stalled.remove(old.id());
    old.step();
    assertThat(read.isDone() && !read.isCompletedExceptionally() ? read.join() : null)
        .as("a LEASE read served right after the stall").isNotEqualTo("v1");
    assertThat(old.raft().leaseValid()).as("the lease is over once time is caught up").isFalse();

    // Still cut off, the old leader can confirm nothing: the read fails, it never returns v1.
    runUntil("the read ends", 100, read::isDone);
    assertThat(read).isCompletedExceptionally();
    assertThat(reason(read)).isEqualTo(Reason.UNAVAILABLE);

    // Reconnected, it learns of the new leader, and a LEASE read there sees v2.
    cutOff.clear();
    runUntil("the old leader follows", 100, () -> old.raft().role() != Role.LEADER);
    CompletableFuture<String> again = awaitLeader(null).read(ReadConsistency.LEASE,
        sm -> value(sm, "k"));
    runUntil("the second read ends", 100, again::isDone);
    assertThat(again.join()).isEqualTo("v2");
  }

  // ---------------------------------------------------------------- driving the loops

  /** One tick: the clock moves, messages sent in the last tick arrive, running loops step. */
  private void tick() {
    nanos += TICK_MILLIS * 1_000_000;
    List<Message> due = new ArrayList<>(wire);
    wire.clear();
    for (Message m : due) {
      if (!cutOff.contains(m.from()) && !cutOff.contains(m.to())) {
        loops.get(m.to()).deliver(m);
      }
    }
    for (NodeLoop<KvStateMachine> l : loops.values()) {
      if (!stalled.contains(l.id())) {
        l.step();
      }
    }
  }

  private void run(int ticks) {
    for (int i = 0; i < ticks; i++) {
      tick();
    }
  }

  private void runUntil(String what, int maxTicks, BooleanSupplier done) {
    for (int i = 0; i < maxTicks && !done.getAsBoolean(); i++) {
      tick();
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }

  /** Waits for a running leader (other than {@code not}) that has committed in its term. */
  private NodeLoop<KvStateMachine> awaitLeader(NodeLoop<KvStateMachine> not) {
    NodeLoop<KvStateMachine>[] found = new NodeLoop[1];
    runUntil("a leader is elected", 200, () -> {
      for (NodeLoop<KvStateMachine> l : loops.values()) {
        if (l != not && !stalled.contains(l.id()) && l.raft().role() == Role.LEADER
            && l.raft().commitIndex() == l.raft().lastIndex()) {
          found[0] = l;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private void put(NodeLoop<KvStateMachine> at, String value) {
    byte[] command = KvCommandCodec.encode(new KvCommand.Put(Session.NONE, SimClock.EPOCH_MILLIS,
        bytes("k"), bytes(value), false));
    CompletableFuture<byte[]> f = at.propose(command);
    runUntil("k = " + value + " is applied at " + at.id(), 100, f::isDone);
    f.join();
  }

  private static String value(KvStateMachine sm, String key) {
    return sm.get(bytes(key)).map(e -> new String(e.value(), StandardCharsets.UTF_8)).orElse(null);
  }

  private static Reason reason(CompletableFuture<?> f) {
    try {
      f.join();
      return null;
    } catch (CompletionException e) {
      return ((NodeException) e.getCause()).reason();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends into the test's wire; the next tick delivers (no snapshots are sent here). */
  private final class WireTransport implements Transport {
    @Override
    public void send(Message message) {
      wire.add(message);
    }

    @Override
    public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      throw new AssertionError("no snapshot is needed in this test");
    }
  }
}
