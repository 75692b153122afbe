package io.lattice.check;

/** Text helpers for reports. */
final class Describe {
  private Describe() {}

  /** A value as it appears in reports: quoted, shortened when long; null is "absent". */
  static String value(String v) {
    if (v == null) {
      return "absent";
    }
    String s = v.length() > 40 ? v.substring(0, 37) + "..." : v;
    return '"' + s.replace("\"", "\\\"") + '"';
  }
}
