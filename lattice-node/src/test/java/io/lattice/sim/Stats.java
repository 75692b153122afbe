package io.lattice.sim;

import java.util.EnumMap;
import java.util.Map;

/** Counts of interesting events in runs, to show what the simulation actually exercised. */
final class Stats {
  enum Kind {
    CRASH,
    CRASH_INSIDE_STEP,
    FSYNC_FAILURE,
    UNSYNCED_WRITES_LOST,
    RESTART,
    REPAIR,
    SNAPSHOT_SENT,
    SNAPSHOT_INSTALLED,
    /** A restore that ran off the loop, and one during which entries after it committed. */
    RESTORED_OFF_LOOP,
    COMMITTED_DURING_RESTORE,
    SNAPSHOT_LOST,
    CONFIG_COMMITTED,
    TIMEOUT_NOW,
    BACKGROUND_SNAPSHOT,
    SNAPSHOT_ON_DEMAND,
    STALL,
    STALLED_LEADER,
    STALE_LEASE_PROBE,
    WALL_CLOCK_JUMP,
    LEASE_READ,
    INDEX_READ,
    STALE_READ,
    READ_FAILED,
    WRITE_ACKED,
    CAS_SWAPPED,
    CAS_REFUSED,
    WRITE_RETRY,
    WRITE_INDETERMINATE,
    DUPLICATE_ATTEMPT,
    DUPLICATE_RESULT,
    SESSION_EXPIRED,
    SESSION_REGISTERED,
    SESSION_CLOSED,
    /** Disk-full episodes, restarts on a full disk, writes answered NO_SPACE, reads served by a
     * node whose disk is full, snapshots of a full node's own state that failed for want of space
     * (no restart needed: the node went on), hard-state saves on a disk full to the last bytes
     * that went into the space reservation's room (the node went on), and nodes stopped by ENOSPC
     * in a log write. */
    DISK_FULL,
    RESTART_ON_FULL_DISK,
    WRITE_NO_SPACE,
    READ_ON_FULL_DISK,
    SNAPSHOT_NO_SPACE,
    HARD_STATE_IN_RESERVATION,
    STOPPED_BY_ENOSPC
  }

  private final EnumMap<Kind, Long> counts = new EnumMap<>(Kind.class);

  void add(Kind k) {
    counts.merge(k, 1L, Long::sum);
  }

  void add(Kind k, long n) {
    if (n != 0) {
      counts.merge(k, n, Long::sum);
    }
  }

  long get(Kind k) {
    return counts.getOrDefault(k, 0L);
  }

  void addAll(Stats other) {
    for (Map.Entry<Kind, Long> e : other.counts.entrySet()) {
      counts.merge(e.getKey(), e.getValue(), Long::sum);
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    counts.forEach((k, v) -> sb.append(k.name().toLowerCase()).append('=').append(v).append(' '));
    return sb.toString().trim();
  }
}
