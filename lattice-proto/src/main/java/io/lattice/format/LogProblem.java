package io.lattice.format;

import java.nio.file.Path;

/**
 * What is wrong with a log file, and where. {@link Kind#TORN_TAIL} is the one expected problem (a
 * crash interrupted the last write): recovery truncates it. Every other kind is corruption.
 *
 * @param offset byte offset in the file where the damaged record (or header) starts
 * @param lastGoodIndex index of the last intact record before the problem, 0 if none
 */
public record LogProblem(Kind kind, Path file, long offset, long lastGoodIndex, String detail) {
  public enum Kind {
    /** An incomplete last record or trailing zeros: the tail of an interrupted write. Safe. */
    TORN_TAIL,
    /** Not a log segment, or a format version this build cannot read. */
    BAD_HEADER,
    /**
     * A record's length field is impossible, or runs past the end of the file although an intact
     * record follows (so it is damage, not a torn tail).
     */
    BAD_LENGTH,
    /** A complete record whose checksum does not match its bytes. */
    CHECKSUM_MISMATCH,
    /** A record of an unknown entry kind. */
    UNKNOWN_KIND,
    /** A record's index does not follow the previous record's. */
    INDEX_GAP,
    /** A record's term is lower than the previous record's. */
    TERM_BACKWARDS,
    /**
     * The records end before the end that the file's {@link SyncMark} says was durable: synced,
     * acknowledged entries are gone, so the file was cut (truncated, or copied in part). A crash
     * loses only what came after the last sync, so this is never a torn write.
     */
    CUT
  }

  public boolean isCorruption() {
    return kind != Kind.TORN_TAIL;
  }

  /** One line for logs and error messages: file, offset, record and what happened. */
  public String describe() {
    String where = file + " at byte offset " + offset;
    String after = lastGoodIndex > 0 ? " (the record after index " + lastGoodIndex + ")" : "";
    return switch (kind) {
      case TORN_TAIL -> "torn tail in " + where + after + ": " + detail;
      default -> "corrupt log " + where + after + ": " + detail;
    };
  }
}
