package io.lattice.storage;

import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * Durable state-machine snapshots. Only the newest matters to Raft; older ones may be deleted by
 * the store once a newer one is durable.
 */
public interface SnapshotStore {
  /** One stored snapshot: its Raft metadata and the state machine's opaque bytes. */
  record Snapshot(SnapshotMeta meta, byte[] data) {
    public Snapshot {
      Objects.requireNonNull(meta, "meta");
      Objects.requireNonNull(data, "data");
    }
  }

  /**
   * Stores a snapshot durably: when this returns, {@link #latest()} returns it (or a newer one) even
   * after a crash. A snapshot whose index is at or below the newest stored one is accepted and may
   * be ignored.
   */
  void save(SnapshotMeta meta, byte[] data) throws IOException;

  /** The newest durable snapshot (by index), or empty when none was ever saved. */
  Optional<Snapshot> latest() throws IOException;
}
