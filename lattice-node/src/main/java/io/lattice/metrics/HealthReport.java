package io.lattice.metrics;

import java.util.List;

/**
 * One member's answer to a health check (the body of {@code /livez}, {@code /readyz} and {@code
 * /health}). The fields that need the loop are null (or -1) when the loop did not answer.
 *
 * @param check which check this answers: {@code livez}, {@code readyz} or {@code health}
 * @param member this member's id, or null when the loop did not answer
 * @param role this member's role in lower case, or null
 * @param leader the leader's id, or null when none is known
 * @param hasQuorum whether a linearizable read round through the leader succeeded; null when the
 *     check does not test it (livez) or could not get as far
 * @param commitIndex -1 when unknown
 * @param appliedIndex -1 when unknown
 * @param alarms raised alarms (NO_SPACE, SNAPSHOT_FAILED)
 * @param reasons why the check failed, in plain words (empty when healthy)
 */
public record HealthReport(
    String check,
    boolean healthy,
    String member,
    String role,
    long term,
    String leader,
    Boolean hasQuorum,
    long commitIndex,
    long appliedIndex,
    List<String> alarms,
    List<String> reasons) {

  public HealthReport {
    alarms = List.copyOf(alarms);
    reasons = List.copyOf(reasons);
  }

  /** Entries committed but not yet applied here (-1 when unknown). */
  public long applyLag() {
    return commitIndex < 0 || appliedIndex < 0 ? -1 : Math.max(0, commitIndex - appliedIndex);
  }

  /**
   * The report as one JSON object. It starts with etcd's {@code /health} fields ({@code
   * "health":"true"|"false"} and {@code "reason"}) so that checks written for etcd work unchanged.
   */
  public String toJson() {
    StringBuilder b = new StringBuilder(256).append('{');
    field(b, "health", Boolean.toString(healthy)).append(',');
    field(b, "reason", String.join("; ", reasons)).append(',');
    field(b, "check", check).append(',');
    field(b, "member", member).append(',');
    field(b, "role", role).append(',');
    b.append("\"term\":").append(term).append(',');
    field(b, "leader", leader).append(',');
    b.append("\"has_leader\":").append(leader != null).append(',');
    b.append("\"has_quorum\":").append(hasQuorum == null ? "null" : hasQuorum.toString())
        .append(',');
    b.append("\"commit_index\":").append(commitIndex).append(',');
    b.append("\"applied_index\":").append(appliedIndex).append(',');
    b.append("\"apply_lag\":").append(applyLag()).append(',');
    list(b, "alarms", alarms).append(',');
    list(b, "reasons", reasons);
    return b.append('}').toString();
  }

  private static StringBuilder field(StringBuilder b, String name, String value) {
    b.append('"').append(name).append("\":");
    return value == null ? b.append("null") : quote(b, value);
  }

  private static StringBuilder list(StringBuilder b, String name, List<String> values) {
    b.append('"').append(name).append("\":[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      quote(b, values.get(i));
    }
    return b.append(']');
  }

  /** A JSON string literal: quotes, backslashes and control characters escaped. */
  static StringBuilder quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }
}
