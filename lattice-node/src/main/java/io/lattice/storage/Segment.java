package io.lattice.storage;

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

  Segment(Path path, long firstIndex, long endOffset) {
    this.path = path;
    this.firstIndex = firstIndex;
    this.endOffset = endOffset;
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
  void reset(long nextIndex, long headerEnd) {
    firstIndex = nextIndex;
    count = 0;
    endOffset = headerEnd;
  }
}
