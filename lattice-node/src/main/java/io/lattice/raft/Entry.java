package io.lattice.raft;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry. Immutable by contract: {@code data} is never modified after construction (it is not
 * copied, for speed, so callers must not reuse the array).
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
  private static final byte[] EMPTY = new byte[0];

  public Entry {
    Objects.requireNonNull(type, "type");
    data = data == null ? EMPTY : data;
    if (!LogIndex.isEntry(index)) {
      throw new IllegalArgumentException("entry index must be >= 1, was " + index);
    }
  }

  public static Entry noop(long term, long index) {
    return new Entry(term, index, EntryType.NOOP, EMPTY);
  }

  public static Entry command(long term, long index, byte[] data) {
    return new Entry(term, index, EntryType.COMMAND, data);
  }

  public static Entry config(long term, long index, Membership membership) {
    return new Entry(term, index, EntryType.CONFIG, membership.encode());
  }

  public EntryId id() {
    return new EntryId(term, index);
  }

  /** Bytes this entry costs in a message: the payload plus a fixed header estimate. */
  public long size() {
    return data.length + 24L;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Entry e
        && e.term == term
        && e.index == index
        && e.type == type
        && Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(term, index, type) * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Entry{" + index + "@" + term + " " + type + " " + data.length + "B}";
  }
}
