package io.lattice.server;

import java.util.Locale;

/** Sizes as operators write them in flags and the config file: {@code 4096}, {@code 64MiB}. */
final class Sizes {
  private Sizes() {}

  /** Parses a size: bytes, or a number with KiB, MiB, GiB (or KB, MB, GB, taken as binary). */
  static long parse(String text) {
    String t = text.trim();
    int end = 0;
    while (end < t.length() && Character.isDigit(t.charAt(end))) {
      end++;
    }
    if (end == 0) {
      throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 64MiB, 1GiB, 4096)");
    }
    long n;
    try {
      n = Long.parseLong(t.substring(0, end));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    int shift = switch (t.substring(end).trim().toLowerCase(Locale.ROOT)) {
      case "", "b" -> 0;
      case "k", "kb", "kib" -> 10;
      case "m", "mb", "mib" -> 20;
      case "g", "gb", "gib" -> 30;
      default -> throw new IllegalArgumentException(
          "'" + text + "' has an unknown unit (use B, KiB, MiB or GiB)");
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return n << shift;
  }
}
