package io.lattice.storage;

import io.lattice.format.SyncMark;
import io.lattice.raft.LogIndex;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The in-memory index of one log segment file: which indexes it holds and where each record
 * starts. Invariant: records are contiguous, record k holds index {@code firstIndex + k} and starts
 * at {@code offsets[k]}; {@code endOffset} is the end of the last record.
 */
final class Segment {
  private Path path;
  private long firstIndex;
  private long[] offsets = new long[1024];
  private int count;
  private long endOffset;
  /** Where records start: after the header (and the sync-mark slots in format version 2). */
  private final long recordsStart;
  /** Whether the file has sync-mark slots (format version 2 and later). */
  private final boolean hasSyncMarks;
  /**
   * The newest sync mark in the file (written or found on recovery), null if none. Invariant: its
   * end is at most the end of what has been synced, so that a crash can never leave the file
   * shorter than its mark.
   */
  private SyncMark syncMark;

  /** An empty segment whose records start at {@code recordsStart}. */
  Segment(Path path, long firstIndex, long recordsStart, boolean hasSyncMarks, SyncMark syncMark) {
    this.path = path;
    this.firstIndex = firstIndex;
    this.recordsStart = recordsStart;
    this.endOffset = recordsStart;
    this.hasSyncMarks = hasSyncMarks;
    this.syncMark = syncMark;
  }

  long recordsStart() {
    return recordsStart;
  }

  boolean hasSyncMarks() {
    return hasSyncMarks;
  }

  /** The newest sync mark in the file, or null. */
  SyncMark syncMark() {
    return syncMark;
  }

  /** The mark to write for the segment as it is now: the next sequence number, the current end. */
  SyncMark nextSyncMark() {
    long seq = syncMark == null ? 1 : syncMark.seq() + 1;
    return new SyncMark(seq, endOffset, lastIndex(), count);
  }

  void markWritten(SyncMark mark) {
    this.syncMark = mark;
  }

  /** Whether cutting the file at {@code offset} would leave it shorter than its sync mark. */
  boolean markBeyond(long offset) {
    return syncMark != null && syncMark.end() > offset;
  }

  Path path() {
    return path;
  }

  void movedTo(Path newPath) {
    this.path = newPath;
  }

  long firstIndex() {
    return firstIndex;
  }

  /** The last index held; {@code firstIndex - 1} when empty. */
  long lastIndex() {
    return LogIndex.lastAfterAppend(LogIndex.prev(firstIndex), count);
  }

  int count() {
    return count;
  }

  boolean isEmpty() {
    return count == 0;
  }

  long endOffset() {
    return endOffset;
  }

  boolean contains(long index) {
    return count > 0 && index >= firstIndex && index <= lastIndex();
  }

  /** Byte offset where the record of {@code index} starts (or {@code endOffset} for lastIndex + 1). */
  long offsetOf(long index) {
    if (index == LogIndex.next(lastIndex())) {
      return endOffset;
    }
    return offsets[LogIndex.position(index, firstIndex)];
  }

  /** Records a record of {@code framedSize} bytes for the next index, at the current end. */
  void added(int framedSize) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, offsets.length * 2);
    }
    offsets[count++] = endOffset;
    endOffset += framedSize;
  }

  /** Records that the file was scanned to contain a record at {@code offset} of that size. */
  void scanned(long offset, int framedSize) {
    if (offset != endOffset) {
      throw new IllegalStateException("scan offsets out of order in " + path);
    }
    added(framedSize);
  }

  /** Drops the records of {@code index} and after; the file is cut at the returned offset. */
  long truncateFrom(long index) {
    long cut = offsetOf(index);
    count = LogIndex.position(index, firstIndex);
    endOffset = cut;
    return cut;
  }

  /** Empties the segment: the next record will hold {@code nextIndex}, after the file header. */
  void reset(long nextIndex) {
    firstIndex = nextIndex;
    count = 0;
    endOffset = recordsStart;
  }
}
