package io.lattice.storage;

import io.lattice.raft.Entry;
import java.io.IOException;
import java.util.List;

/**
 * The durable Raft log: a contiguous run of entries {@code [firstIndex, lastIndex]}, possibly
 * empty, possibly starting after index 1 once a prefix has been compacted into a snapshot.
 *
 * <p>Writes ({@link #append}, {@link #compactUpTo}, {@link #reset}) take effect at once for
 * readers of this store but are durable only after the next successful {@link #sync()}: a crash
 * before it may lose any suffix of the writes made since the previous sync (never a write that a
 * sync covered, and never a write in the middle while a later one survives). The Raft core never
 * depends on an entry until it has been synced.
 *
 * <p>Invariant: {@code firstIndex() <= lastIndex() + 1}; an empty store has {@code firstIndex() ==
 * lastIndex() + 1}, which is {@code 1, 0} for a brand-new store.
 */
public interface LogStore {
  /** The index of the first entry held; {@code lastIndex() + 1} when the store is empty. */
  long firstIndex();

  /** The index of the last entry held; {@code firstIndex() - 1} when the store is empty. */
  long lastIndex();

  /** Bytes the log takes on disk, for status and metrics (0 if the store does not know). */
  default long sizeBytes() {
    return 0;
  }

  /**
   * The entries {@code [from, to]} in index order.
   *
   * @throws IllegalArgumentException if the range is not within {@code [firstIndex, lastIndex]}
   * @throws IOException if the entries cannot be read back (a corrupt record is an IOException too)
   */
  List<Entry> read(long from, long to) throws IOException;

  /**
   * Appends {@code entries} (contiguous, in index order). The first entry may overwrite an existing
   * suffix: every stored entry at or after its index is dropped first. Its index must be within
   * {@code [firstIndex, lastIndex + 1]}. An empty list is a no-op.
   *
   * @throws IllegalArgumentException if the entries are not contiguous or would leave a gap
   */
  void append(List<Entry> entries) throws IOException;

  /** Makes every write made so far durable (one fsync for the whole batch: group commit). */
  void sync() throws IOException;

  /**
   * Drops every entry at or below {@code index} (they are covered by a durable snapshot). Indexes
   * at or below an earlier compaction are a no-op; an index beyond {@code lastIndex} empties the
   * store so that the next append starts at {@code index + 1}.
   */
  void compactUpTo(long index) throws IOException;

  /**
   * Drops every entry: after a snapshot at {@code afterIndex} was installed from the leader, the
   * log continues at {@code afterIndex + 1} (so {@code firstIndex() == afterIndex + 1} and {@code
   * lastIndex() == afterIndex} until the next append).
   */
  void reset(long afterIndex) throws IOException;
}
