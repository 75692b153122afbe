package io.lattice.it;

/**
 * System properties of the multi-process campaigns, which the parent POM's surefire configuration
 * forwards from {@code -D} options. When an option is not given, Maven passes the property through
 * unresolved: an empty value or a literal {@code ${...}} both mean "not set".
 */
final class ItProperties {
  private ItProperties() {}

  static int intValue(String name, int dflt) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank() || v.trim().startsWith("${")) {
      return dflt;
    }
    return Integer.parseInt(v.trim());
  }

  static boolean boolValue(String name, boolean dflt) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank() || v.trim().startsWith("${")) {
      return dflt;
    }
    return Boolean.parseBoolean(v.trim());
  }
}
