package io.lattice.kv;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole state of a {@link KvStateMachine} after one applied entry, immutable: the key space
 * and the client sessions as persistent structures, shared with the live state machine rather than
 * copied, so that {@link KvStateMachine#view()} costs O(1) on the loop thread and everything that
 * grows with the data (reads, ranges, the state hash, writing a snapshot) runs on another thread
 * against it while the state machine applies later entries.
 *
 * <p>Thread-safe. A view that is held keeps alive the versions of the nodes that later writes
 * replace (O(log n) per write), until it is dropped: hold it for one query only.
 */
public final class KvView {
  private final long appliedIndex;
  private final KeySpace keys;
  private final ClientSessions.State sessions;
  private final SessionLimits limits;

  KvView(long appliedIndex, KeySpace keys, ClientSessions.State sessions, SessionLimits limits) {
    this.appliedIndex = appliedIndex;
    this.keys = Objects.requireNonNull(keys, "keys");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** Index of the last entry the state machine applied (see {@link KvStateMachine#appliedIndex}). */
  public long appliedIndex() {
    return appliedIndex;
  }

  /** The key-value of {@code key}, if it exists. O(log n). */
  public Optional<KvEntry> get(byte[] key) {
    return keys.find(key);
  }

  /**
   * Reads the keys in {@code range} in ascending order, at most {@link KvLimits#MAX_RESULT_BYTES}
   * of them (see {@link #range(KeyRange, long, boolean, boolean, long)}).
   */
  public RangeResult range(KeyRange range, long limit, boolean keysOnly, boolean countOnly) {
    return range(range, limit, keysOnly, countOnly, KvLimits.MAX_RESULT_BYTES);
  }

  /**
   * Reads the keys in {@code range} in ascending order, stopping while scanning at {@code limit}
   * key-values or before the one that would pass {@code maxBytes} ({@link KvLimits#entryBytes}),
   * with at least one if there is one; {@code more} is set when key-values were left out, {@code
   * count} is the number of keys in the range. Costs O(log n + returned), never O(range).
   *
   * @param limit most key-values returned; 0 (or a negative value, that is an unsigned limit of at
   *     least 2^63) means no limit
   * @param keysOnly return keys and metadata with empty values
   * @param countOnly return only the count (and {@code more = false})
   */
  public RangeResult range(KeyRange range, long limit, boolean keysOnly, boolean countOnly,
      long maxBytes) {
    return keys.range(range, limit, keysOnly, countOnly, maxBytes);
  }

  public int keyCount() {
    return keys.size();
  }

  public int sessionCount() {
    return sessions.byId().size();
  }

  /**
   * The state hash ({@link StateHash}) of this state: one pass over it, on the caller's thread.
   * Equal to {@link KvStateMachine#hash()} at the time the view was taken.
   */
  public long hash() {
    return StateHash.of(this::writeTo);
  }

  /** Writes this state as snapshot data ({@link KvSnapshotCodec}), on the caller's thread. */
  public void writeTo(OutputStream out) throws IOException {
    KvSnapshotCodec.write(out, appliedIndex, keys, sessions, limits);
  }
}
