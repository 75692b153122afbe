package io.lattice.storage;

import io.lattice.raft.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

  /**
   * A stored snapshot by identity: enough to stream its data to a follower without loading it.
   * Obtaining one is cheap (no data is read); the data is read, on whatever thread streams it, from
   * {@link #openData()}. The data may be damaged on disk: whoever streams it checks it against
   * {@link #dataCrc()} as it goes (the receiver does too).
   */
  interface Source {
    SnapshotMeta meta();

    /** Length of the data in bytes. */
    long dataLength();

    /** CRC-32C of the data, as recorded when the snapshot was written. */
    int dataCrc();

    /** A fresh stream over the data, from its first byte; the caller closes it. */
    InputStream openData() throws IOException;

    /**
     * The data's bytes as regions to map, for a restore that keeps large values in the file
     * ({@link SnapshotRegions}); empty when the data is not in a file that can be mapped (the
     * default). The caller closes it.
     */
    default Optional<SnapshotRegions> openRegions() throws IOException {
      return Optional.empty();
    }

    /** The whole snapshot in memory (for callers that need the bytes; O(data)). */
    default Snapshot load() throws IOException {
      try (InputStream in = openData()) {
        return new Snapshot(meta(), in.readAllBytes());
      }
    }
  }

  /** A {@link Source} over a snapshot already in memory. */
  record BytesSource(Snapshot snapshot) implements Source {
    @Override
    public SnapshotMeta meta() {
      return snapshot.meta();
    }

    @Override
    public long dataLength() {
      return snapshot.data().length;
    }

    @Override
    public int dataCrc() {
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(snapshot.data());
      return (int) crc.getValue();
    }

    @Override
    public InputStream openData() {
      return new ByteArrayInputStream(snapshot.data());
    }

    @Override
    public Snapshot load() {
      return snapshot;
    }
  }

  /**
   * The newest durable snapshot as a {@link Source}, or empty when there is none. Unlike {@link
   * #latest()} it reads no data, so it may be called on the node's loop thread. The default wraps
   * {@link #latest()} (for stores that hold snapshots in memory).
   */
  default Optional<Source> latestSource() throws IOException {
    return latest().map(BytesSource::new);
  }

  /**
   * Sets aside {@code damaged}, a snapshot of this store found damaged while it was read (its data
   * does not match its checksum): it is no longer returned by {@link #latest()} or {@link
   * #latestSource()}, and its place is free for a fresh snapshot of the same identity, but it is
   * kept, never deleted silently, for the operator to examine. Called on the store's owning
   * thread; cheap (a rename). Returns whether it was set aside; false when the store holds no such
   * snapshot any more. The default, for stores that keep snapshots in memory (which a disk cannot
   * damage), sets nothing aside.
   */
  default boolean setAside(Source damaged) throws IOException {
    return false;
  }

  /** A snapshot written by {@link #stage} and not yet {@link #publish published}. */
  interface Staged {
    SnapshotMeta meta();
  }

  /**
   * Writes a snapshot's data durably where {@link #latest()} does not see it yet. This is the slow
   * part of taking a snapshot (encoding, writing, fsync), so it may run on a thread other than the
   * one using the rest of the store, while that thread goes on; at most one stage at a time.
   *
   * <p>The default keeps the data in memory and stores it on {@link #publish}.
   */
  default Staged stage(SnapshotMeta meta, SnapshotWriter data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    data.writeTo(out);
    return new Buffered(meta, out.toByteArray());
  }

  /**
   * Makes a staged snapshot durable and visible, like {@link #save}. Called on the store's owning
   * thread; cheap next to {@link #stage}.
   */
  default void publish(Staged staged) throws IOException {
    if (!(staged instanceof Buffered b)) {
      throw new IllegalArgumentException("not staged by this store: " + staged);
    }
    save(b.meta(), b.data());
  }

  /** Forgets a staged snapshot that will not be published (a newer one won). Never throws. */
  default void discard(Staged staged) {}

  /** What the default {@link #stage} holds: the data in memory. */
  record Buffered(SnapshotMeta meta, byte[] data) implements Staged {}
}
