package io.lattice.sim;

import io.lattice.kv.SessionLimits;
import io.lattice.raft.RaftConfig;

/**
 * The knobs of one simulation run, set from its seed by a {@link Scenario}. Plain mutable fields:
 * a scenario starts from the defaults and changes what it stresses. Durations are in ticks of
 * {@link #TICK_MILLIS} unless they say otherwise.
 */
final class SimParams {
  /** One tick of the nodes' configuration, in virtual milliseconds; the simulation's time step. */
  static final long TICK_MILLIS = 10;
  static final long TICK_NANOS = TICK_MILLIS * 1_000_000;

  Scenario scenario = Scenario.STEADY;
  int clusterSize = 3;

  /** Ticks of fault injection; then faults stop and the cluster must recover (liveness). */
  int faultTicks = 600;
  /** After the faults stop: ticks within which a leader must exist and all client writes commit. */
  int healBound = 400;

  NetworkFaults network = new NetworkFaults(0.02, 0.02, 1, 3, 0.01, 15);

  // Crashes.
  double crashRate = 0;
  int maxDown = 1;
  int minDowntime = 5;
  int maxDowntime = 60;
  /** Disks that acknowledge syncs without persisting (to check that the checks notice). */
  boolean lyingDisks;
  /** Probability that a crash damages the log's tail, repaired by truncation (acked entries lost). */
  double repairRate = 0;
  /** Probability that some unsynced writes survive a crash (a real disk may persist a prefix). */
  double keepUnsyncedRate = 0.3;

  // Partitions.
  double partitionRate = 0;
  int partitionMinTicks = 10;
  int partitionMaxTicks = 80;
  /** Probability that a partition is one-way rather than symmetric. */
  double oneWayRate = 0.4;

  double membershipRate = 0;
  int maxAddedNodes = 3;
  double transferRate = 0;
  /** Rate of snapshots asked for by an operator (on a random node). */
  double snapshotRate = 0;
  /** Rate of stalled loops (see Chaos#stall). */
  double stallRate = 0;
  /** Rate of the composite fault aimed at leader leases (see Chaos#leaseAttack). */
  double leaseAttackRate = 0;
  /** Rate of a node's disk filling up (see Chaos#diskFull), and how long an episode lasts. */
  double diskFullRate = 0;
  int diskFullMinTicks = 40;
  int diskFullMaxTicks = 250;
  /** The nodes' disk reserve (NodeConfig#diskReserveBytes): below it, the NO_SPACE alarm. */
  long diskReserveBytes = 64 * 1024;
  /** Rate of a node's wall clock jumping hours ahead (at most four times a run). */
  double wallClockJumpRate = 0;

  // Clocks.
  /**
   * Each node's monotonic clock runs at a rate drawn from {@code 1 ± clockRateSpread}; must stay
   * within {@link #maxClockRateSpread()}, what the lease's drift margin tolerates.
   */
  double clockRateSpread = 0;

  // Clients.
  int clients = 3;
  int keys = 5;
  double opRate = 0.3;
  double readFraction = 0.3;
  double leaseFraction = 0.5;
  /** Share of reads that are STALE (not checked for linearizability, only for being committed). */
  double staleReadFraction = 0.1;
  /** Share of writes that are compare-and-swaps (the rest are puts). */
  double casFraction = 0.3;
  int readTimeout = 40;
  /** A write attempt unanswered for this long is sent again elsewhere (the first may still land). */
  int clientTimeout = 50;
  /** Probability that a retry goes to two nodes at once. */
  double duplicateRetryRate = 0.2;

  /** Probability that a client closes its session after a write (and registers a new one). */
  double closeSessionRate = 0.03;

  // The state machine's sessions.
  long sessionTtlMillis = SessionLimits.DEFAULT_TTL.toMillis();
  int maxResultsPerSession = SessionLimits.DEFAULT_MAX_RESULTS_PER_SESSION;
  int maxSessions = SessionLimits.DEFAULT_MAX_SESSIONS;

  // Node.
  int electionTicks = 10;
  int heartbeatTicks = 1;
  int maxInflight = 4;
  int maxEntriesPerAppend = 8;
  long snapshotThreshold = 40;
  long trailingEntries = 8;
  /** The trailing window's byte bound (the default is far above what simulated entries reach). */
  long trailingBytes = RaftConfig.DEFAULT_TRAILING_BYTES;
  int snapshotTimeoutTicks = 30;
  long promoteGap = 4;
  int leaseDriftTicks = 2;
  /** The node's request timeout: an appended proposal not applied by then ends INDETERMINATE. */
  int requestTimeoutTicks = 40;
  int transferTimeoutTicks = 60;
  /** Snapshots are written in the background (by the simulation, some ticks later). */
  boolean backgroundSnapshots;
  /** Background snapshot writes finish within this many ticks (0: at the next step). */
  int snapshotWriteDelay = 5;
  /**
   * Restores from snapshots installed from the leader run off the loop and finish within this many
   * ticks (0: at the next step); negative: inside the step that installs the snapshot.
   */
  int restoreDelay = -1;
  /** Probability that a node steps right after each message (else once per tick: batching). */
  double immediateStepRate = 0.5;

  /**
   * The widest spread of clock rates a lease tolerates: a leader holds its lease for {@code
   * election - drift} of its ticks, a follower honours it for {@code election} of its own, so rates
   * may differ by the ratio of the two; half of it either way.
   */
  double maxClockRateSpread() {
    return (double) leaseDriftTicks / electionTicks / 2;
  }

  RaftConfig raftConfig(String id) {
    return RaftConfig.defaults(id)
        .withElection(electionTicks, heartbeatTicks)
        .withAppendLimits(maxInflight, maxEntriesPerAppend, 4096)
        .withPromoteGap(promoteGap)
        .withLeaseDrift(leaseDriftTicks)
        .withSnapshots(trailingEntries, snapshotTimeoutTicks)
        .withTrailingBytes(trailingBytes);
  }

  @Override
  public String toString() {
    return scenario + " n=" + clusterSize + " faultTicks=" + faultTicks + " net=" + network
        + " crash=" + crashRate + " partition=" + partitionRate + " membership=" + membershipRate
        + " transfer=" + transferRate + " stall=" + stallRate
        + (diskFullRate > 0 ? " diskFull=" + diskFullRate : "") + " wallJump=" + wallClockJumpRate
        + " clockSpread=" + clockRateSpread + " ops=" + opRate + " reads=" + readFraction
        + " snapshot=" + snapshotThreshold + "/" + trailingEntries
        + (trailingBytes != RaftConfig.DEFAULT_TRAILING_BYTES ? "/" + trailingBytes + "B" : "")
        + (backgroundSnapshots ? " background" : "")
        + (restoreDelay >= 0 ? " restore-off-loop=" + restoreDelay : "") + " election=" + electionTicks
        + " sessions=" + maxSessions + "/" + sessionTtlMillis + "ms/" + maxResultsPerSession;
  }
}
