package io.lattice.sim;

import io.lattice.raft.EntryId;
import io.lattice.raft.MembershipChange;
import io.lattice.raft.Raft;
import io.lattice.raft.ReadMode;
import java.util.function.BooleanSupplier;

/**
 * Drives a simulated cluster step by step for scripted scenario tests: the same nodes, handler,
 * network and checkers as the randomized runs, but faults are injected by the test itself.
 */
final class Harness {
  final Cluster cluster;
  private long now;
  private long seq;
  private long readIds;

  Harness(long seed, SimParams params) {
    params.network = NetworkFaults.CALM;
    this.cluster = new Cluster(seed, params, 300);
  }

  /** One tick of virtual time: restarts, deliveries, ticks, safety checks. */
  void tick() {
    cluster.setNow(++now);
    cluster.restartDue();
    cluster.deliverDue();
    cluster.tickAll();
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

  /** Proposes a put on the current leader and waits until it is applied there; returns its index. */
  long write(String key, String value) {
    SimNode l = awaitLeader();
    KvCommand c = new KvCommand("script", ++seq, key, value);
    EntryId[] id = new EntryId[1];
    cluster.run(l, r -> id[0] = r.propose(c.encode()), true);
    runUntil("write " + key + " commits", 300,
        () -> l.alive() && l.handler().appliedIndex() >= id[0].index());
    long[] applied = cluster.safety.appliedAt(id[0].index());
    if (applied == null || applied[0] != id[0].term()) {
      throw new AssertionError("write " + key + " at " + id[0] + " was lost");
    }
    cluster.lin.writeAcked(key, id[0].index(), id[0].index());
    return id[0].index();
  }

  /**
   * Issues a read of {@code key} on {@code node} and waits for its answer. A served read is checked
   * by the linearizability checker against every write acknowledged before it. Returns the value's
   * write index, or -1 if the read failed.
   */
  long read(SimNode node, String key, ReadMode mode) {
    long id = ++readIds;
    LinearizabilityChecker.ReadFloors floors = cluster.lin.readIssued(key, cluster.safety.maxCommitted());
    long[] outcome = {0, 0}; // {state: 0 waiting, 1 served, 2 failed; value index}
    cluster.setReadObserver(new Cluster.ReadObserver() {
      @Override
      public void readReady(SimNode n, long requestId, long readIndex) {
        if (requestId == id) {
          KvStateMachine.Versioned v = n.sm().get(key);
          outcome[1] = v == null ? 0 : v.index();
          outcome[0] = 1;
          cluster.lin.readServed(n.id, id, key, floors, readIndex, outcome[1], mode.toString());
        }
      }

      @Override
      public void readFailed(SimNode n, long requestId) {
        if (requestId == id) {
          outcome[0] = 2;
        }
      }
    });
    cluster.run(node, r -> r.readIndex(id, mode), true);
    runUntil("read " + id + " answered", 100, () -> outcome[0] != 0 || !node.alive());
    cluster.setReadObserver(null);
    return outcome[0] == 1 ? outcome[1] : -1;
  }

  /** Proposes a membership change on the leader (retrying while another change is in flight). */
  void change(MembershipChange change) {
    runUntil("membership change " + change + " accepted", 200, () -> {
      SimNode l = cluster.leader();
      if (l == null) {
        return false;
      }
      boolean[] ok = {false};
      cluster.run(l, r -> {
        try {
          r.proposeMembership(change);
          ok[0] = true;
        } catch (io.lattice.raft.RaftException e) {
          // retry on the next tick
        }
      }, true);
      return ok[0];
    });
  }
}
