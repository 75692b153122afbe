package io.lattice.node;

import io.lattice.raft.Entry;
import io.lattice.raft.SnapshotMeta;

/**
 * Outcomes for client requests, reported by the {@link ReadyHandler} on the loop thread so that the
 * API layer can complete the requests it is holding. Implementations must be quick and must not
 * throw or call back into the core.
 *
 * <p>A proposal made with {@link io.lattice.raft.Raft#propose} returned an {@link
 * io.lattice.raft.EntryId}: it succeeded exactly when {@link #applied} reports an entry at that index
 * with that term, and was lost when an entry of another term is applied there. A proposal whose
 * index is covered by {@link #snapshotRestored} has an unknown outcome ("indeterminate"): with
 * exactly-once sessions the client may simply retry it.
 */
public interface ApplyListener {
  /**
   * The committed entry {@code entry} was applied to the state machine.
   *
   * @param result the state machine's result for a COMMAND entry; null for NOOP and CONFIG entries
   */
  void applied(Entry entry, byte[] result);

  /**
   * Whether a request on this node waits for the result of the entry at {@code index} (asked just
   * before it is applied, so that a state machine builds no result nobody reads). The default says
   * yes.
   */
  default boolean awaits(long index) {
    return true;
  }

  /** The state machine was replaced by a snapshot from the leader, up to {@code meta.index()}. */
  void snapshotRestored(SnapshotMeta meta);

  /**
   * The read {@code requestId} may now be served from the state machine: leadership was confirmed
   * for it and the applied index has reached {@code readIndex} (dissertation §6.4).
   */
  void readReady(long requestId, long readIndex);

  /** The read {@code requestId} could not be confirmed (no leader, or leadership was lost). */
  void readFailed(long requestId);

  /**
   * A snapshot of this node's own state at {@code meta} could not be written for want of space
   * (not fatal; see {@link ReadyHandler#snapshotFailed}).
   */
  default void snapshotFailed(SnapshotMeta meta, java.io.IOException cause) {}

  /** A listener that ignores everything. */
  ApplyListener NONE = new ApplyListener() {
    @Override
    public void applied(Entry entry, byte[] result) {}

    @Override
    public void snapshotRestored(SnapshotMeta meta) {}

    @Override
    public void readReady(long requestId, long readIndex) {}

    @Override
    public void readFailed(long requestId) {}
  };
}
