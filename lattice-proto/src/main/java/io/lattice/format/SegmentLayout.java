package io.lattice.format;

import java.nio.ByteBuffer;

/**
 * Where the records of a log segment start, by format version:
 *
 * <ul>
 *   <li>version 1: the 8-byte {@link FileHeader}, then records. Such a file says nothing about how
 *       much of it was synced, so a cut at a record boundary looks like a clean end and a cut inside
 *       a record like a torn write: both are read as they always were.
 *   <li>version 2: the header, then two {@link SyncMark} slots (80 bytes), then records from byte
 *       88. Both slots are zero in a new file: nothing is claimed durable yet.
 * </ul>
 *
 * This build writes version 2 and reads both; a sealed version-1 segment stays as it is, and a
 * version-1 {@code raft.log} is written on as version 1 until it is sealed.
 */
public final class SegmentLayout {
  /** The first version with sync marks. */
  public static final int MARKED_VERSION = 2;
  /** Byte offset of slot 0 in a version-2 segment. */
  public static final int SLOTS_START = FileHeader.SIZE;
  /** Byte offset of the first record in a version-2 segment. */
  public static final int V2_RECORDS_START = SLOTS_START + 2 * SyncMark.SLOT_SIZE;

  private SegmentLayout() {}

  /** Byte offset of the first record in a segment of {@code version}. */
  public static int recordsStart(int version) {
    return version >= MARKED_VERSION ? V2_RECORDS_START : FileHeader.SIZE;
  }

  public static boolean hasSyncMarks(int version) {
    return version >= MARKED_VERSION;
  }

  /** Byte offset of the slot {@code mark} is written into. */
  public static long slotOffset(SyncMark mark) {
    return SLOTS_START + (long) mark.slot() * SyncMark.SLOT_SIZE;
  }

  /** The bytes of a new, empty segment of the current version: header and two empty slots. */
  public static byte[] newSegment() {
    ByteBuffer buf = ByteBuffer.allocate(V2_RECORDS_START);
    FileHeader.current(FileKind.LOG_SEGMENT).writeTo(buf);
    return buf.array();
  }
}
