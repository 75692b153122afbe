package io.lattice.node;

import io.lattice.raft.SnapshotMeta;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bytes of snapshots received from the leader, held between the moment the transport delivers an
 * InstallSnapshot (the core sees only its metadata) and the Ready that asks to install it.
 *
 * <p>Keyed by snapshot index; a staged snapshot is used only if its term matches too. Entries at or
 * below an installed or committed index can never be installed any more and are dropped.
 */
final class SnapshotStaging {
  private final TreeMap<Long, Staged> byIndex = new TreeMap<>();

  private record Staged(SnapshotMeta meta, byte[] data) {}

  void put(SnapshotMeta meta, byte[] data) {
    byIndex.put(meta.index(), new Staged(meta, data));
  }

  /**
   * Removes and returns the bytes of the snapshot {@code meta}.
   *
   * @throws IllegalStateException if they were never staged: the core asked to install a snapshot
   *     the transport did not deliver, which is a bug in the caller
   */
  byte[] take(SnapshotMeta meta) {
    Staged s = byIndex.remove(meta.index());
    if (s == null || s.meta().term() != meta.term()) {
      throw new IllegalStateException("no staged bytes for snapshot " + meta.index() + "@" + meta.term());
    }
    return s.data();
  }

  /** Forgets everything at or below {@code index}: such snapshots will never be installed. */
  void dropUpTo(long index) {
    Map<Long, Staged> head = byIndex.headMap(index, true);
    head.clear();
  }
}
