package io.lattice.raft;

/**
 * All Raft log index arithmetic. Indexes are 1-based; {@link #NONE} (0) means "no entry" and is
 * also the index "before" the first entry, whose term is {@link #NO_TERM}. Nothing else in the code
 * base adds or subtracts one from an index or converts between an index and a list position.
 */
public final class LogIndex {
  /** The index of "no entry": before the first entry of an empty log. */
  public static final long NONE = 0;
  /** The term of "no entry", and the term of a node that has never seen a leader. */
  public static final long NO_TERM = 0;
  /** The first index a log can hold. */
  public static final long FIRST = 1;

  private LogIndex() {}

  /** The index that follows {@code index}. */
  public static long next(long index) {
    return index + 1;
  }

  /** The index that precedes {@code index}; {@link #NONE} for the first entry. */
  public static long prev(long index) {
    return index - 1;
  }

  /** How many entries lie in the inclusive range [first, last]; 0 when last &lt; first. */
  public static long count(long first, long last) {
    return last < first ? 0 : last - first + 1;
  }

  /** The index after appending {@code count} entries to a log whose last index is {@code last}. */
  public static long lastAfterAppend(long last, int count) {
    return last + count;
  }

  /** The position of {@code index} in a list whose first element holds {@code firstIndex}. */
  public static int position(long index, long firstIndex) {
    long pos = index - firstIndex;
    if (pos < 0 || pos > Integer.MAX_VALUE) {
      throw new IndexOutOfBoundsException("index " + index + " is not at or after " + firstIndex);
    }
    return (int) pos;
  }

  /** The index stored at {@code position} in a list whose first element holds {@code firstIndex}. */
  public static long atPosition(int position, long firstIndex) {
    return firstIndex + position;
  }

  /** The lowest index a snapshot at {@code snapshotIndex} lets a log keep, given a trailing window. */
  public static long trailingStart(long snapshotIndex, long trailing) {
    return Math.max(FIRST, snapshotIndex - trailing + 1);
  }

  /** Whether {@code index} is a real entry index (not {@link #NONE}). */
  public static boolean isEntry(long index) {
    return index >= FIRST;
  }

  /** Whether {@code matchIndex} is within {@code gap} entries of {@code lastIndex}. */
  public static boolean within(long matchIndex, long lastIndex, long gap) {
    return lastIndex - matchIndex <= gap;
  }

  /** Entries {@code matchIndex} is behind {@code lastIndex} (0 when caught up or ahead). */
  public static long lag(long matchIndex, long lastIndex) {
    return Math.max(0, lastIndex - matchIndex);
  }
}
