package io.lattice.format;

import java.util.Arrays;
import java.util.Objects;

/**
 * One log entry as stored: {@code kind} is the entry type code (0 no-op, 1 command, 2 config),
 * {@code payload} the entry's data. Indexes are 1-based.
 */
public record LogRecord(int kind, long term, long index, byte[] payload) {
  public static final int KIND_NOOP = 0;
  public static final int KIND_COMMAND = 1;
  public static final int KIND_CONFIG = 2;

  public LogRecord {
    Objects.requireNonNull(payload, "payload");
  }

  public static String kindName(int kind) {
    return switch (kind) {
      case KIND_NOOP -> "noop";
      case KIND_COMMAND -> "command";
      case KIND_CONFIG -> "config";
      default -> "kind-" + kind;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogRecord r && r.kind == kind && r.term == term && r.index == index
        && Arrays.equals(r.payload, payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, term, index) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "LogRecord{" + index + "@" + term + " " + kindName(kind) + " " + payload.length + "B}";
  }
}
