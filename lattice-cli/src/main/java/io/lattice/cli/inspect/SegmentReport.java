package io.lattice.cli.inspect;

/**
 * What checking found in one segment.
 *
 * @param read false when the segment was not read because the log is damaged before it
 * @param fileSize bytes of the file when it was read (0 if not read)
 * @param formatVersion the file's format version; 0 if the header is unreadable or not read
 * @param entries intact entries of this segment that belong to the log's valid prefix
 * @param firstIndex index of the first of them (0 if none)
 * @param lastIndex index of the last of them (0 if none)
 */
record SegmentReport(Segment segment, boolean read, long fileSize, int formatVersion, long entries,
    long firstIndex, long lastIndex) {

  static SegmentReport notRead(Segment segment) {
    return new SegmentReport(segment, false, 0, 0, 0, 0, 0);
  }

  /** Whether this segment holds entries in [from, to]. */
  boolean overlaps(long from, long to) {
    return entries > 0 && firstIndex <= to && lastIndex >= from;
  }
}
