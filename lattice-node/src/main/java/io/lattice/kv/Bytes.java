package io.lattice.kv;

import io.lattice.format.KvCommandCodec;
import java.util.Arrays;

/** Byte-string helpers: the one definition of key order used throughout the package. */
final class Bytes {
  static final byte[] EMPTY = new byte[0];

  private Bytes() {}

  /** Unsigned lexicographic order, the order of keys (and of values in comparisons). */
  static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /**
   * The smallest key greater than every key starting with {@code prefix}: the prefix with its last
   * byte below 0xFF incremented and the rest dropped. Empty (no upper bound) when there is none, that
   * is for an empty prefix or one made only of 0xFF bytes.
   */
  static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xFF) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return EMPTY;
  }

  /** For messages and toString: text when printable, else hex (shortened). */
  static String show(byte[] b) {
    return KvCommandCodec.printable(b);
  }
}
