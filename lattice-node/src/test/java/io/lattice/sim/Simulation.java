package io.lattice.sim;

import io.lattice.check.Linearizability;
import io.lattice.kv.KvEntry;
import io.lattice.raft.Raft;
import java.util.List;

/**
 * One deterministic simulation run: a cluster of real node loops ({@link SimNode}) over a
 * simulated network, disks and clocks, with clients and fault injection, all in virtual time and
 * all randomness drawn from the run's seed.
 *
 * <p>A run has two phases. During the fault phase, {@link Chaos} injects faults and clients issue
 * requests; safety is checked after every step. Then faults stop (partitions heal, the network
 * calms down, stalled loops resume, crashed nodes restart, clients stop starting new requests)
 * and within {@code healBound} ticks a leader must be elected, every outstanding client write must
 * have its outcome and every live member must have applied everything committed (liveness).
 * Finally the clients' history is checked for linearizability, key by key.
 */
final class Simulation {
  /** What a successful run produced. */
  record Result(long seed, long traceHash, long events, long ticks, long elections,
      long ackedWrites, long checkedReads, long historyOps, long committed, Stats stats) {}

  private final long seed;
  private final SimParams params;
  private final Cluster cluster;
  private final Clients clients;
  private final Chaos chaos;

  Simulation(long seed, SimParams params, int traceKeep) {
    this.seed = seed;
    this.params = params;
    this.cluster = new Cluster(seed, params, traceKeep);
    this.clients = new Clients(cluster, cluster.random.split());
    this.chaos = new Chaos(cluster, cluster.random.split());
    cluster.setClients(clients);
  }

  static Result run(long seed, int traceKeep) {
    return new Simulation(seed, Scenario.forSeed(seed), traceKeep).run();
  }

  Cluster cluster() {
    return cluster;
  }

  Clients clients() {
    return clients;
  }

  Result run() {
    long end = params.faultTicks + params.healBound;
    try {
      for (long now = 1; now <= end; now++) {
        step(now);
        if (now > params.faultTicks && converged()) {
          finalChecks();
          Linearizability.Report history = checkHistory();
          return result(now, history);
        }
      }
      throw new SimulationFailure("liveness: " + params.healBound + " ticks after the faults stopped"
          + " there is " + (cluster.leader() == null ? "no leader" : "leader " + cluster.leader().id)
          + (clients.allIdle() ? "" : " and client writes are still outstanding"));
    } catch (SimulationFailure | RuntimeException e) {
      throw failure(e);
    }
  }

  /** Advances virtual time to {@code now}: faults, clients, deliveries, steps, checks. */
  void step(long now) {
    cluster.setNow(now);
    if (now < params.faultTicks) {
      chaos.tick();
    } else if (now == params.faultTicks) {
      heal();
    }
    cluster.restartDue();
    clients.tick();
    cluster.deliverDue();
    cluster.stepAll();
    clients.drain();
    if (now % 50 == 0) {
      cluster.compareAllLogs();
    }
  }

  /** Ends the fault phase: from now on the cluster must make progress. */
  private void heal() {
    cluster.setHealing(true);
    cluster.network.healAll();
    cluster.network.setFaults(NetworkFaults.CALM);
    for (SimNode n : cluster.nodes()) {
      n.disk.arm(SimDisk.Fault.NONE);
      n.disk.freeSpace();
      if (n.alive()) {
        n.armCrash(SimNode.CrashPoint.NONE, 0);
        n.resume();
      }
    }
    clients.stopIssuing();
    cluster.trace.add("heal-all", "sim", 0, 0);
  }

  /** A leader of a committed term, every client done, every live member caught up. */
  private boolean converged() {
    SimNode leader = cluster.leader();
    if (leader == null || !clients.allIdle()) {
      return false;
    }
    Raft l = leader.raft();
    long commitTerm = l.entry(l.commitIndex()) != null ? l.entry(l.commitIndex()).term()
        : l.snapshot().index() == l.commitIndex() ? l.snapshot().term() : -1;
    if (commitTerm != l.term()) {
      return false; // the leader has not committed an entry of its term yet
    }
    for (SimNode n : cluster.aliveNodes()) {
      if (l.membership().contains(n.id) && n.appliedIndex() != l.commitIndex()) {
        return false;
      }
    }
    return true;
  }

  private void finalChecks() {
    cluster.compareAllLogs();
    SimNode leader = cluster.leader();
    long leaderHash = leader.sm().hash();
    for (SimNode n : cluster.aliveNodes()) {
      if (n != leader && leader.raft().membership().contains(n.id)
          && n.sm().hash() != leaderHash) {
        throw new SimulationFailure("state machines of " + leader.id + " and " + n.id
            + " differ at applied index " + leader.appliedIndex());
      }
    }
    for (int k = 0; k < params.keys; k++) {
      String key = "k" + k;
      KvEntry v = leader.entry(key);
      long have = v == null ? 0 : v.modIndex();
      if (have < cluster.floors.keyFloor(key)) {
        throw new SimulationFailure("acknowledged write lost: " + key + " holds the value written at "
            + have + ", a write at " + cluster.floors.keyFloor(key) + " was acknowledged");
      }
    }
    long committed = cluster.safety.maxCommitted();
    for (long i = leader.raft().snapshot().index() + 1; i <= committed; i++) {
      if (leader.raft().entry(i) == null
          || leader.raft().entry(i).term() != cluster.safety.committedTerm(i)) {
        throw new SimulationFailure("committed entry " + i + " lost by the final leader " + leader.id);
      }
    }
  }

  /**
   * The clients' history, key by key (Wing-Gong-Lowe search). A key the bounded search cannot
   * decide is not shown correct: that fails the run too.
   */
  private Linearizability.Report checkHistory() {
    Linearizability.Report r = clients.history.check();
    if (r.verdict() != Linearizability.Verdict.LINEARIZABLE) {
      throw new SimulationFailure("linearizability of the clients' history ("
          + clients.history.summary() + "): " + r.describe());
    }
    return r;
  }

  private Result result(long ticks, Linearizability.Report history) {
    for (SimNode n : cluster.nodes()) {
      cluster.stats.add(Stats.Kind.SNAPSHOT_NO_SPACE, n.disk.snapshotWritesRefused());
      cluster.stats.add(Stats.Kind.HARD_STATE_IN_RESERVATION, n.disk.reservationsUsed());
    }
    return new Result(seed, cluster.trace.hash(), cluster.trace.count(), ticks,
        cluster.safety.elections(),
        cluster.stats.get(Stats.Kind.WRITE_ACKED) + cluster.stats.get(Stats.Kind.CAS_SWAPPED)
            + cluster.stats.get(Stats.Kind.CAS_REFUSED),
        cluster.floors.checkedReads(),
        history.keys().stream().mapToLong(Linearizability.KeyReport::ops).sum(),
        cluster.safety.maxCommitted(), cluster.stats);
  }

  private SimulationFailure failure(Throwable e) {
    StringBuilder sb = new StringBuilder();
    sb.append("seed ").append(seed).append(" failed at tick ").append(cluster.now()).append(": ")
        .append(e).append('\n');
    sb.append("  params: ").append(params).append('\n');
    sb.append("  replay: cd lattice-node && mvn -q test -Dtest=SimulationTest#manySeeds -Dlattice.seed=")
        .append(seed).append('\n');
    sb.append(cluster.describe());
    sb.append(clients.describe());
    List<String> recent = cluster.trace.recent();
    if (!recent.isEmpty()) {
      sb.append("  last ").append(recent.size()).append(" events:\n");
      recent.forEach(s -> sb.append("    ").append(s).append('\n'));
    }
    SimulationFailure f = new SimulationFailure(sb.toString());
    f.initCause(e);
    return f;
  }
}
