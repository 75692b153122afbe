package io.lattice.cli.output;

import java.util.Locale;

/** Byte counts and durations for people. */
public final class Sizes {
  private Sizes() {}

  /** 512 B, 12.3 KiB, 4.0 MiB, 1.2 GiB. */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** 15ms, 1.2s, 3m4s. */
  public static String millis(long ms) {
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    return (ms / 60_000) + "m" + (ms % 60_000) / 1000 + "s";
  }
}
