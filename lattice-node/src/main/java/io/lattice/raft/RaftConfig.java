package io.lattice.raft;

import java.util.Objects;

/**
 * Tuning of one core. All durations are in ticks; the driver decides how long a tick is.
 *
 * @param id this server's id
 * @param electionTicks base election timeout; each follower waits a random time in
 *     [electionTicks, 2 × electionTicks) without hearing from a leader before it campaigns (§5.2).
 *     It is also the check-quorum period and the leader-stickiness window.
 * @param heartbeatTicks how often the leader sends heartbeats; must be well below electionTicks
 * @param maxInflight bounded pipeline: at most this many unacknowledged appends per follower
 * @param maxEntriesPerAppend at most this many entries in one append
 * @param maxBytesPerAppend at most about this many payload bytes in one append (one entry always fits)
 * @param preVote whether elections start with a pre-vote round (dissertation §9.6)
 * @param checkQuorum whether a leader steps down after an election timeout without hearing from a
 *     majority, and followers that hear from a leader ignore votes (dissertation §6.2, §9.6)
 * @param promoteGap an auto-promoting learner becomes a voter when within this many entries of the
 *     leader's last index
 * @param leaseDriftTicks clock-drift margin subtracted from the leader lease
 * @param trailingEntries entries kept in the log behind a snapshot for slow followers
 * @param snapshotTimeoutTicks a follower waiting this long for a snapshot to land goes back to probing
 * @param maxUncommittedBytes back-pressure at the leader: a proposal is refused with OVERLOADED when
 *     the commands this leader appended and has not yet committed would exceed this many bytes
 *     (counted as {@link Entry#size()}); one is always accepted when nothing is uncommitted, so a
 *     single command larger than the bound still goes through. Like etcd-io/raft's
 *     MaxUncommittedEntriesSize: it bounds the memory a leader without a working majority holds.
 * @param trailingBytes the trailing window's bound in bytes: of the {@code trailingEntries} entries
 *     behind a snapshot, only the newest whose sizes ({@link Entry#size()}) add up to at most this
 *     many bytes are kept (possibly none: the snapshot covers them all). The window lives in the
 *     core's memory, so counting it in entries alone lets large entries make it as large as a heap
 */
public record RaftConfig(
    String id,
    int electionTicks,
    int heartbeatTicks,
    int maxInflight,
    int maxEntriesPerAppend,
    long maxBytesPerAppend,
    boolean preVote,
    boolean checkQuorum,
    long promoteGap,
    int leaseDriftTicks,
    long trailingEntries,
    int snapshotTimeoutTicks,
    long maxUncommittedBytes,
    long trailingBytes) {

  /**
   * 64 MiB: a few seconds of writes at the rate one leader sustains, far above what a healthy
   * cluster has uncommitted (a few fsync batches), and small against the heap a node runs with
   * (1/16 of the 1 GiB the service file sets).
   */
  public static final long DEFAULT_MAX_UNCOMMITTED_BYTES = 64L << 20;

  /**
   * 64 MiB. The window exists so that a follower a little behind (a restart, a short partition)
   * catches up from the log rather than through a whole snapshot; etcd keeps 5,000 entries for
   * this and no byte bound. With small entries the entry count governs (1000 entries of up to 64
   * KiB fit); with large ones this bound does, so the window never holds more than a sixteenth of
   * the 1 GiB heap the service file sets (1000 entries of 1 MiB would be all of it). A follower
   * that lacks more than 64 MiB of log is no worse off with a snapshot, which costs the state's
   * size whatever it missed, instead of those bytes of log.
   */
  public static final long DEFAULT_TRAILING_BYTES = 64L << 20;

  /** A configuration with the default bound on uncommitted bytes. */
  public RaftConfig(String id, int electionTicks, int heartbeatTicks, int maxInflight,
      int maxEntriesPerAppend, long maxBytesPerAppend, boolean preVote, boolean checkQuorum,
      long promoteGap, int leaseDriftTicks, long trailingEntries, int snapshotTimeoutTicks) {
    this(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend, maxBytesPerAppend,
        preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries, snapshotTimeoutTicks,
        DEFAULT_MAX_UNCOMMITTED_BYTES, DEFAULT_TRAILING_BYTES);
  }

  /** A configuration with the default byte bound on the trailing window. */
  public RaftConfig(String id, int electionTicks, int heartbeatTicks, int maxInflight,
      int maxEntriesPerAppend, long maxBytesPerAppend, boolean preVote, boolean checkQuorum,
      long promoteGap, int leaseDriftTicks, long trailingEntries, int snapshotTimeoutTicks,
      long maxUncommittedBytes) {
    this(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend, maxBytesPerAppend,
        preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries, snapshotTimeoutTicks,
        maxUncommittedBytes, DEFAULT_TRAILING_BYTES);
  }

  public RaftConfig {
    Objects.requireNonNull(id, "id");
    if (heartbeatTicks < 1 || electionTicks <= heartbeatTicks) {
      throw new IllegalArgumentException(
          "need 1 <= heartbeatTicks < electionTicks, got " + heartbeatTicks + ", " + electionTicks);
    }
    if (maxInflight < 1 || maxEntriesPerAppend < 1 || maxBytesPerAppend < 1) {
      throw new IllegalArgumentException("append limits must be positive");
    }
    if (leaseDriftTicks < 0 || leaseDriftTicks >= electionTicks) {
      throw new IllegalArgumentException("need 0 <= leaseDriftTicks < electionTicks");
    }
    if (promoteGap < 0 || trailingEntries < 0 || snapshotTimeoutTicks < 1) {
      throw new IllegalArgumentException("promoteGap, trailingEntries must be >= 0");
    }
    if (maxUncommittedBytes < 1) {
      throw new IllegalArgumentException("maxUncommittedBytes must be positive");
    }
    if (trailingBytes < 0) {
      throw new IllegalArgumentException("trailingBytes must be >= 0");
    }
  }

  /** Defaults: 10-tick election timeout, heartbeat every tick, pre-vote and check-quorum on. */
  public static RaftConfig defaults(String id) {
    return new RaftConfig(id, 10, 1, 256, 256, 1 << 20, true, true, 64, 2, 1000, 300,
        DEFAULT_MAX_UNCOMMITTED_BYTES, DEFAULT_TRAILING_BYTES);
  }

  public RaftConfig withElection(int electionTicks, int heartbeatTicks) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  public RaftConfig withAppendLimits(int maxInflight, int maxEntriesPerAppend, long maxBytes) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytes, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  public RaftConfig withPreVote(boolean preVote, boolean checkQuorum) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  public RaftConfig withPromoteGap(long promoteGap) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  public RaftConfig withLeaseDrift(int leaseDriftTicks) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  public RaftConfig withSnapshots(long trailingEntries, int snapshotTimeoutTicks) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  public RaftConfig withMaxUncommittedBytes(long maxUncommittedBytes) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }

  /** This configuration with the trailing window bounded to {@code trailingBytes} bytes too. */
  public RaftConfig withTrailingBytes(long trailingBytes) {
    return new RaftConfig(id, electionTicks, heartbeatTicks, maxInflight, maxEntriesPerAppend,
        maxBytesPerAppend, preVote, checkQuorum, promoteGap, leaseDriftTicks, trailingEntries,
        snapshotTimeoutTicks, maxUncommittedBytes, trailingBytes);
  }
}
