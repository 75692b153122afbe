package io.lattice.sim;

import io.lattice.raft.RaftConfig;

/**
 * The knobs of one simulation run, set from its seed by a {@link Scenario}. Plain mutable fields:
 * a scenario starts from the defaults and changes what it stresses.
 */
final class SimParams {
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
  /**
   * Rate of process pauses (see Chaos#pause). A paused process's clock falls behind, which leases
   * cannot tolerate by design (they assume bounded clock drift), so runs with pauses make no lease
   * reads.
   */
  double pauseRate = 0;
  /** Rate of the composite fault aimed at leader leases (see Chaos#leaseAttack). */
  double leaseAttackRate = 0;

  // Clients.
  int clients = 3;
  int keys = 5;
  double opRate = 0.3;
  double readFraction = 0.3;
  double leaseFraction = 0.5;
  int writeTimeout = 40;
  int readTimeout = 40;

  // Node.
  int electionTicks = 10;
  int heartbeatTicks = 1;
  int maxInflight = 4;
  int maxEntriesPerAppend = 8;
  long snapshotThreshold = 40;
  long trailingEntries = 8;
  int snapshotTimeoutTicks = 30;
  long promoteGap = 4;
  int leaseDriftTicks = 2;
  /** Probability that a node handles its Ready right after each message (else once per tick: batching). */
  double immediateReadyRate = 0.5;

  RaftConfig raftConfig(String id) {
    return RaftConfig.defaults(id)
        .withElection(electionTicks, heartbeatTicks)
        .withAppendLimits(maxInflight, maxEntriesPerAppend, 4096)
        .withPromoteGap(promoteGap)
        .withLeaseDrift(leaseDriftTicks)
        .withSnapshots(trailingEntries, snapshotTimeoutTicks);
  }

  @Override
  public String toString() {
    return scenario + " n=" + clusterSize + " faultTicks=" + faultTicks + " net=" + network
        + " crash=" + crashRate + " partition=" + partitionRate + " membership=" + membershipRate
        + " transfer=" + transferRate + " ops=" + opRate + " reads=" + readFraction
        + " snapshot=" + snapshotThreshold + "/" + trailingEntries;
  }
}
