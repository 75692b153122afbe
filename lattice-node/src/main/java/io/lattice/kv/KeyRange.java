package io.lattice.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A half-open interval of keys {@code [start, end)} in unsigned lexicographic byte order, with the
 * API's conventions (as etcd): an empty {@code start} means "from the first key", an empty {@code
 * end} means "to the last key" (no upper bound). An interval whose non-empty end is not above its
 * start selects nothing.
 *
 * @param start smallest key included; empty = unbounded below
 * @param end first key not included; empty = unbounded above
 */
public record KeyRange(byte[] start, byte[] end) {
  public KeyRange {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
  }

  /** Every key. */
  public static KeyRange all() {
    return new KeyRange(Bytes.EMPTY, Bytes.EMPTY);
  }

  /** Every key that begins with {@code prefix}; every key when the prefix is empty. */
  public static KeyRange prefix(byte[] prefix) {
    return new KeyRange(prefix, Bytes.prefixEnd(prefix));
  }

  /** Every key in {@code [start, end)}; either may be empty (unbounded). */
  public static KeyRange interval(byte[] start, byte[] end) {
    return new KeyRange(start, end);
  }

  /** Whether the interval selects no key at all (bounded end at or below start). */
  public boolean isEmpty() {
    return end.length > 0 && Bytes.compare(start, end) >= 0;
  }

  /** Whether {@code key} lies in the interval. */
  public boolean contains(byte[] key) {
    return Bytes.compare(key, start) >= 0 && (end.length == 0 || Bytes.compare(key, end) < 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRange r && Arrays.equals(start, r.start) && Arrays.equals(end, r.end);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(start) + Arrays.hashCode(end);
  }

  @Override
  public String toString() {
    return "[" + Bytes.show(start) + ", " + (end.length == 0 ? "∞" : Bytes.show(end)) + ")";
  }
}
