package io.lattice.format;

import java.nio.file.Path;

/**
 * The outcome of scanning one log file.
 *
 * @param validEnd byte offset just after the last intact record: where a torn tail is cut
 * @param records number of intact records before any problem
 * @param firstIndex index of the first intact record, 0 if none
 * @param lastIndex index of the last intact record, 0 if none
 * @param firstTerm term of the first intact record, 0 if none
 * @param lastTerm term of the last intact record, 0 if none
 * @param problem what stopped the scan, or null when the whole file is intact
 * @param recordsStart byte offset of the first record (after the header, by format version)
 * @param syncMark what the file says was durable, or null: a version-1 file, or one never synced
 * @param damagedMarkSlot whether one of the two sync-mark slots is damaged (the other is used): the
 *     trace of a torn write of the mark, or damage to the header, worth a warning
 */
public record LogScan(
    Path file,
    int formatVersion,
    long fileSize,
    long validEnd,
    long records,
    long firstIndex,
    long lastIndex,
    long firstTerm,
    long lastTerm,
    LogProblem problem,
    long recordsStart,
    SyncMark syncMark,
    boolean damagedMarkSlot) {

  public boolean clean() {
    return problem == null;
  }

  public boolean tornTail() {
    return problem != null && problem.kind() == LogProblem.Kind.TORN_TAIL;
  }

  /** Bytes after the last intact record: what truncating a torn tail drops. */
  public long bytesAfterValidEnd() {
    return Math.max(0, fileSize - validEnd);
  }

  public boolean corrupt() {
    return problem != null && problem.isCorruption();
  }
}
