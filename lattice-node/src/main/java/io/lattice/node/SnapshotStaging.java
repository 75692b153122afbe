package io.lattice.node;

import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import java.util.Map;
import java.util.TreeMap;

/**
 * Snapshots received from the leader, held between the moment the transport delivers an
 * InstallSnapshot (the core sees only its metadata) and the Ready that asks to install it. What is
 * held is a {@link SnapshotStore.Staged}: for the real transport a verified file not yet published
 * (so the data is on disk, not in memory); for in-memory transports the bytes.
 *
 * <p>Keyed by snapshot index; a staged snapshot is used only if its term matches too. Entries at or
 * below an installed or committed index can never be installed any more: they are dropped and
 * {@link SnapshotStore#discard discarded}, as is one replaced by a newer delivery of the same
 * index, so no received file outlives its use.
 */
final class SnapshotStaging {
  private final SnapshotStore store;
  private final TreeMap<Long, SnapshotStore.Staged> byIndex = new TreeMap<>();

  SnapshotStaging(SnapshotStore store) {
    this.store = store;
  }

  void put(SnapshotStore.Staged staged) {
    SnapshotStore.Staged old = byIndex.put(staged.meta().index(), staged);
    if (old != null && old != staged) {
      store.discard(old);
    }
  }

  /**
   * Removes and returns the staged snapshot {@code meta}.
   *
   * @throws IllegalStateException if it was never staged: the core asked to install a snapshot
   *     the transport did not deliver, which is a bug in the caller
   */
  SnapshotStore.Staged take(SnapshotMeta meta) {
    SnapshotStore.Staged s = byIndex.get(meta.index());
    if (s == null || s.meta().term() != meta.term()) {
      throw new IllegalStateException("no staged snapshot " + meta.index() + "@" + meta.term());
    }
    byIndex.remove(meta.index());
    return s;
  }

  /** Forgets (and discards) everything at or below {@code index}: it will never be installed. */
  void dropUpTo(long index) {
    Map<Long, SnapshotStore.Staged> head = byIndex.headMap(index, true);
    for (SnapshotStore.Staged s : head.values()) {
      store.discard(s);
    }
    head.clear();
  }

  int size() {
    return byIndex.size();
  }
}
