package io.lattice.sim;

import java.util.SplittableRandom;

/** The kinds of runs the seeds are spread over ({@code seed % values().length}). */
enum Scenario {
  /** Lossy network only: drops, duplicates, delays and reordering. */
  STEADY {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.network = new NetworkFaults(0.05 + 0.1 * r.nextDouble(), 0.05, 1, 2 + r.nextInt(4), 0.02, 20);
    }
  },
  /** Symmetric and one-way partitions, often isolating the leader. */
  PARTITIONS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.partitionRate = 0.03;
      p.network = new NetworkFaults(0.02, 0.02, 1, 3, 0.01, 15);
    }
  },
  /** Frequent crashes (including inside Ready handling) and restarts, and failed fsyncs. */
  CRASH_STORM {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.crashRate = 0.04;
      p.repairRate = 0.1;
      p.maxDown = p.clusterSize; // sometimes everything is down
      p.minDowntime = 1;
      p.maxDowntime = 40;
    }
  },
  /** Learners added (auto-promoted or not), followers and leaders removed. */
  MEMBERSHIP {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.membershipRate = 0.03;
      p.crashRate = 0.005;
      p.partitionRate = 0.005;
    }
  },
  /** Leadership transfers, racing with a lossy network and reads. */
  TRANSFERS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.transferRate = 0.04;
      p.readFraction = 0.5;
      p.snapshotRate = 0.01;
      p.network = new NetworkFaults(0.03, 0.03, 1, 3, 0.02, 15);
    }
  },
  /** Tiny snapshot threshold and window, long isolation of followers: InstallSnapshot traffic. */
  SNAPSHOTS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.snapshotThreshold = 5 + r.nextInt(15);
      p.trailingEntries = r.nextInt(4);
      p.partitionRate = 0.02;
      p.partitionMinTicks = 40;
      p.partitionMaxTicks = 150;
      p.crashRate = 0.01;
      p.opRate = 0.6;
      p.network = new NetworkFaults(0.05, 0.03, 1, 4, 0.02, 20);
    }
  },
  /** Mostly reads (ReadIndex and lease) while leadership moves. */
  READS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.readFraction = 0.7;
      p.opRate = 0.6;
      p.partitionRate = 0.01;
      p.transferRate = 0.01;
      p.crashRate = 0.005;
    }
  },
  /**
   * Lease reads against what can end a lease early: the leader isolated, followers restarting at
   * once, transfers, and messages (TimeoutNow among them) held up for long.
   */
  LEASES {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      // Few writes: a follower that missed a few heartbeats is still up to date and can win.
      p.readFraction = 0.9;
      p.leaseFraction = 0.9;
      p.opRate = 0.4;
      p.partitionRate = 0.005;
      p.partitionMinTicks = 5;
      p.partitionMaxTicks = 40;
      p.crashRate = 0.005;
      p.minDowntime = 1;
      p.maxDowntime = 4;
      p.transferRate = 0.005;
      p.leaseAttackRate = 0.015;
      // Long timeouts against a fast network: a lease outlives an election plus a write.
      p.electionTicks = 20 + r.nextInt(11);
      p.network = new NetworkFaults(0.02, 0.02, 1, 2, 0.03, 40);
    }
  },
  /**
   * Loops stall (SIGSTOP, a long fsync or apply, a GC pause) while their clocks run on, the leader
   * most of the time and cut off meanwhile, so that another leader commits newer writes; the
   * stalled node is asked a LEASE read first thing after the stall. Lease reads stay on: a loop
   * catches up on the time it missed before it serves anything.
   */
  STALLS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.stallRate = 0.015;
      p.readFraction = 0.6;
      p.leaseFraction = 0.6;
      p.opRate = 0.5;
      p.crashRate = 0.003;
      p.clockRateSpread = p.maxClockRateSpread() * r.nextDouble();
      p.network = new NetworkFaults(0.02, 0.02, 1, 3, 0.01, 15);
    }
  },
  /**
   * Clocks: monotonic clocks at the widest spread of rates a lease tolerates, wall clocks jumping
   * hours ahead (stamped into commands, which moves the sessions' log time), short client
   * timeouts and many duplicate retries to two nodes at once, while leadership moves.
   */
  CLOCKS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.clockRateSpread = p.maxClockRateSpread();
      p.wallClockJumpRate = 0.008;
      p.duplicateRetryRate = 0.6;
      p.clientTimeout = 8 + r.nextInt(20);
      p.transferRate = 0.01;
      p.partitionRate = 0.01;
      p.crashRate = 0.005;
      p.leaseFraction = 0.7;
      p.opRate = 0.5;
      p.network = new NetworkFaults(0.03, 0.03, 1, 3, 0.02, 15);
    }
  },
  /**
   * Exactly-once sessions under pressure: a session table smaller than the clients (a
   * registration evicts the least recently active session), a TTL of a few seconds of log time
   * against partitions that hold writes up for longer, results windows of a few entries, clients
   * closing sessions often, duplicate retries, and now and then a wall clock far ahead.
   */
  SESSIONS {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.maxSessions = 2 + r.nextInt(4);
      p.sessionTtlMillis = (100 + r.nextInt(400)) * SimParams.TICK_MILLIS;
      p.maxResultsPerSession = 1 + r.nextInt(4);
      p.closeSessionRate = 0.1;
      p.duplicateRetryRate = 0.5;
      p.clientTimeout = 10 + r.nextInt(30);
      p.partitionRate = 0.02;
      p.partitionMaxTicks = 200;
      p.crashRate = 0.005;
      p.wallClockJumpRate = 0.002;
      p.clients = 3 + r.nextInt(3);
      p.opRate = 0.5;
    }
  },
  /** A little of everything. */
  MIXED {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.crashRate = 0.01;
      p.repairRate = 0.1;
      p.partitionRate = 0.01;
      p.membershipRate = 0.01;
      p.transferRate = 0.01;
      p.snapshotThreshold = 10 + r.nextInt(30);
      p.trailingEntries = r.nextInt(6);
      p.stallRate = 0.003;
      p.snapshotRate = 0.005;
      p.diskFullRate = 0.003;
      p.network = new NetworkFaults(0.04, 0.03, 1, 4, 0.02, 20);
    }
  },
  /**
   * Disks filling up (past the reserve, sometimes to the last bytes), leaders' most of the time,
   * and freed again; full nodes restarted on their full disks; snapshots that do not fit, small
   * snapshot thresholds so that they are tried often (and InstallSnapshot to full followers), and a
   * few crashes and partitions around them.
   */
  DISK_FULL {
    @Override
    void configure(SimParams p, SplittableRandom r) {
      p.diskFullRate = 0.02;
      p.snapshotThreshold = 8 + r.nextInt(30);
      p.trailingEntries = r.nextInt(6);
      p.opRate = 0.5;
      p.readFraction = 0.4;
      p.crashRate = 0.004;
      p.partitionRate = 0.005;
      p.snapshotRate = 0.005;
      p.network = new NetworkFaults(0.02, 0.02, 1, 3, 0.01, 15);
    }
  };

  abstract void configure(SimParams p, SplittableRandom r);

  /** The parameters of the run of {@code seed}. */
  static SimParams forSeed(long seed) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
    SimParams p = new SimParams();
    p.scenario = values()[(int) Math.floorMod(seed, (long) values().length)];
    p.clusterSize = r.nextBoolean() ? 3 : 5;
    p.faultTicks = 400 + r.nextInt(601);
    p.heartbeatTicks = 1 + r.nextInt(2);
    p.maxInflight = 1 + r.nextInt(6);
    p.maxEntriesPerAppend = 1 + r.nextInt(10);
    p.snapshotThreshold = 20 + r.nextInt(60);
    p.trailingEntries = r.nextInt(10);
    p.immediateStepRate = r.nextDouble();
    p.backgroundSnapshots = r.nextBoolean();
    p.snapshotWriteDelay = r.nextInt(8);
    p.scenario.configure(p, r);
    // Drawn apart, so that the rest of every seed's parameters stays what it was.
    SplittableRandom restores = new SplittableRandom(seed ^ 0x2E57_04EDL);
    if (restores.nextBoolean()) {
      p.restoreDelay = restores.nextInt(3) == 0 ? 0 : restores.nextInt(1, 40);
    }
    SplittableRandom window = new SplittableRandom(seed ^ 0x7A11_B17EL);
    if (window.nextBoolean()) {
      // A trailing window bounded in bytes to a few simulated entries, or none at all.
      p.trailingBytes = window.nextInt(400);
    }
    if (p.clockRateSpread == 0 && r.nextBoolean()) {
      // Elections, leases and timeouts on clocks that do not quite agree, in every scenario.
      p.clockRateSpread = p.maxClockRateSpread() * r.nextDouble();
    }
    return p;
  }
}
