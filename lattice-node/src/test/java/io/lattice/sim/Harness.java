package io.lattice.sim;

import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import io.lattice.node.NodeException;
import io.lattice.node.ReadConsistency;
import io.lattice.raft.MembershipChange;
import io.lattice.raft.ReadMode;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * Drives a simulated cluster step by step for scripted scenario tests: the same node loops,
 * network, disks, clocks and checkers as the randomized runs, but faults are injected by the test
 * itself, and requests go through the node's request API.
 */
final class Harness {
  final Cluster cluster;
  private long now;

  Harness(long seed, SimParams params) {
    params.network = NetworkFaults.CALM;
    this.cluster = new Cluster(seed, params, 300);
  }

  /** One tick of virtual time: restarts, deliveries, steps, safety checks. */
  void tick() {
    cluster.setNow(++now);
    cluster.restartDue();
    cluster.deliverDue();
    cluster.stepAll();
    if (now % 10 == 0) {
      cluster.compareAllLogs();
    }
  }

  long now() {
    return now;
  }

  /** Ticks until {@code done} holds; fails after {@code maxTicks}. Returns the ticks it took. */
  long runUntil(String what, int maxTicks, BooleanSupplier done) {
    long start = now;
    for (int i = 0; i < maxTicks; i++) {
      if (done.getAsBoolean()) {
        return now - start;
      }
      tick();
    }
    if (done.getAsBoolean()) {
      return now - start;
    }
    throw new AssertionError("not within " + maxTicks + " ticks: " + what + "\n" + cluster.describe()
        + String.join("\n", cluster.trace.recent()));
  }

  void run(int ticks) {
    for (int i = 0; i < ticks; i++) {
      tick();
    }
  }

  SimNode leader() {
    return cluster.leader();
  }

  SimNode awaitLeader() {
    runUntil("a leader is elected", 200, () -> cluster.leader() != null
        && cluster.leader().raft().commitIndex() >= cluster.leader().raft().lastIndex());
    return cluster.leader();
  }

  /** Makes {@code node}'s election timer fire now (the core's campaign), and steps it. */
  void campaign(SimNode node) {
    node.raft().campaign();
    cluster.step(node);
  }

  /** Asks the leader {@code from} to hand leadership to {@code target}; does not wait. */
  void transfer(SimNode from, SimNode target) {
    from.loop().transferLeadership(target.id);
    cluster.step(from);
  }

  /**
   * Puts {@code key = value} (no session) through the current leader's request API and waits
   * until it is applied there; returns its index.
   */
  long write(String key, String value) {
    SimNode l = awaitLeader();
    byte[] command = KvCommandCodec.encode(new KvCommand.Put(Session.NONE, l.clock.wallMillis(),
        bytes(key), bytes(value), false));
    CompletableFuture<byte[]> f = l.loop().propose(command);
    runUntil("write " + key + " is applied", 300, f::isDone);
    KvResult r = KvResultCodec.decodeTrusted(join(f, "write " + key));
    if (!(r instanceof KvResult.Put put)) {
      throw new AssertionError("write " + key + " answered " + r);
    }
    cluster.floors.writeAcked(key, put.index());
    return put.index();
  }

  /**
   * Reads {@code key} on {@code node} by {@code mode} through its request API and waits for the
   * answer; a served read is checked against every write acknowledged and every index committed
   * before it was issued. Returns the value's write index (0: absent), or -1 if the read failed.
   */
  long read(SimNode node, String key, ReadMode mode) {
    IndexFloors.Floors floors = cluster.floors.readIssued(key, cluster.safety.maxCommitted());
    long[] applied = {0};
    CompletableFuture<KvEntry> f = node.loop().read(ReadConsistency.of(mode), sm -> {
      applied[0] = node.appliedIndex();
      return sm.get(bytes(key)).orElse(null);
    });
    int incarnation = node.incarnation();
    runUntil("read of " + key + " answered", 100,
        () -> f.isDone() || !node.alive() || node.incarnation() != incarnation);
    if (!f.isDone() || f.isCompletedExceptionally()) {
      return -1;
    }
    KvEntry e = f.join();
    long index = e == null ? 0 : e.modIndex();
    cluster.floors.readServed(node.id, mode + " read", key, floors, applied[0], index);
    return index;
  }

  /**
   * Makes a membership change through the leader's request API, retrying while another change is
   * in flight or leadership moves (a leader asked to remove itself hands off first and names the
   * new leader, where the removal is made). Returns once the change is applied on a leader.
   */
  void change(MembershipChange change) {
    runUntil("membership change " + change + " applied", 300, () -> {
      SimNode l = cluster.leader();
      if (l == null) {
        return false;
      }
      CompletableFuture<?> f = request(l, change);
      runUntil("membership change " + change + " answered", 100, f::isDone);
      try {
        f.join();
        return true;
      } catch (CompletionException e) {
        if (e.getCause() instanceof NodeException ne
            && ne.reason() == Reason.INDETERMINATE) {
          return true;
        }
        return false; // retry on the next tick
      }
    });
  }

  private static CompletableFuture<?> request(SimNode l, MembershipChange change) {
    if (change instanceof MembershipChange.AddLearner a) {
      return l.loop().addMember(a.id(), a.peerAddress(), !a.autoPromote());
    } else if (change instanceof MembershipChange.Promote p) {
      return l.loop().promoteMember(p.id());
    }
    return l.loop().removeMember(((MembershipChange.Remove) change).id());
  }

  private static <T> T join(CompletableFuture<T> f, String what) {
    try {
      return f.join();
    } catch (CompletionException e) {
      throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
