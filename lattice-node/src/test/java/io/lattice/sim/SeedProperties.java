package io.lattice.sim;

/**
 * Reads the {@code lattice.seed} (replay one seed) and {@code lattice.seeds} (how many seeds)
 * system properties, which the parent POM's surefire configuration forwards from {@code -D} options.
 * When the option is not given, Maven passes the property through unresolved: an empty value or the
 * literal {@code ${lattice.seed}} both mean "not set".
 */
final class SeedProperties {
  private SeedProperties() {}

  /** The seed to replay, or null when not set. */
  static Long replaySeed() {
    String v = value("lattice.seed");
    return v == null ? null : Long.parseLong(v);
  }

  /** The number of seeds to run, or {@code defaultCount} when not set. */
  static int seedCount(int defaultCount) {
    String v = value("lattice.seeds");
    return v == null ? defaultCount : Integer.parseInt(v);
  }

  /**
   * The scenarios to run ({@code lattice.scenarios}, comma-separated names such as {@code
   * SNAPSHOTS,CRASH_STORM}): a seed of another scenario is skipped. Empty when not set: all run.
   */
  static java.util.Set<String> scenarios() {
    String v = value("lattice.scenarios");
    if (v == null) {
      return java.util.Set.of();
    }
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (String s : v.split(",")) {
      if (!s.isBlank()) {
        out.add(Scenario.valueOf(s.trim().toUpperCase(java.util.Locale.ROOT)).name());
      }
    }
    return out;
  }

  private static String value(String name) {
    String v = System.getProperty(name);
    if (v == null) {
      return null;
    }
    v = v.trim();
    if (v.isEmpty() || v.startsWith("${")) {
      return null;
    }
    return v;
  }
}
