package io.lattice.node;

import io.lattice.raft.Role;

/**
 * What a node reports for monitoring. The node calls it; an exporter (Prometheus, see {@code
 * io.lattice.metrics}) or nothing ({@link #NONE}) listens. Implementations must be thread-safe,
 * quick, and must never throw: monitoring must not be able to stop the node.
 */
public interface NodeMetrics {
  /**
   * The node's state after a round of its loop (loop thread; called often, so it should only
   * store the values).
   */
  void state(Role role, long term, long commitIndex, long appliedIndex, long firstLogIndex,
      long lastLogIndex, long logBytes, long snapshotIndex);

  /** A client write finished: applied ({@code succeeded}) or failed, rejected or indeterminate. */
  void proposalDone(boolean succeeded);

  /** {@code entries} entries were appended to the log (not yet synced) in {@code nanos}. */
  void logAppended(int entries, long nanos);

  /** One fsync of the log (a whole batch: group commit) took {@code nanos}. */
  void logSynced(long nanos);

  /** This node started an election (became candidate). */
  void electionStarted();

  /** This node learned of a new leader (itself or another). */
  void leaderChanged();

  /** This node took a snapshot of its own state; writing it took {@code nanos}. */
  void snapshotTaken(long nanos);

  /**
   * This node captured its state for a snapshot, on the loop thread (writes wait meanwhile), in
   * {@code nanos}; the slow part (encode, write, fsync) is {@link #snapshotTaken}'s.
   */
  default void snapshotCaptured(long nanos) {}

  /** This node installed a snapshot received from the leader. */
  void snapshotInstalled();

  /**
   * The back-pressure state after a round of the loop (loop thread): client requests pending and
   * their bytes, bytes of peer messages queued, the leader's uncommitted bytes (0 if not leader).
   */
  default void load(int pendingRequests, long pendingBytes, long inboxBytes,
      long uncommittedBytes) {}

  /** A client request was refused with OVERLOADED by a back-pressure bound (any thread). */
  default void requestRefused() {}

  /** A peer message was dropped because the inbox was full (a transport thread). */
  default void peerMessageDropped() {}

  /**
   * The data directory's free space was read (at most every 100 ms, loop thread): {@code
   * freeBytes} (Long.MAX_VALUE when unknown), whether the NO_SPACE alarm and the SNAPSHOT_FAILED
   * alarm are raised (see {@link DiskSpaceMonitor}).
   */
  default void diskSpace(long freeBytes, boolean noSpaceAlarm, boolean snapshotFailedAlarm) {}

  /** A snapshot of this node's own state could not be written for want of space. */
  default void snapshotFailed() {}

  /** Reports nothing. */
  NodeMetrics NONE = new NodeMetrics() {
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
  };
}
