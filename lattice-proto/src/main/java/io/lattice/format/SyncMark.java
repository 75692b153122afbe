package io.lattice.format;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * How much of a log segment is known to be durable: a record, in the segment's own header, of the
 * end of its records at the last completed sync (format version 2, see {@link SegmentLayout}).
 *
 * <p>It is what tells a torn write from a cut. A crash can only lose what was written after the
 * last sync, so a file whose records end before its sync mark lost synced, acknowledged entries:
 * it was cut (truncated, or copied in part), and that is corruption, not a torn tail.
 *
 * <p>Slot layout (40 bytes, big-endian): {@code seq u64, end u64, lastIndex u64, records u64,
 * reserved u32 (zero), crc32c u32} (the checksum covers the 36 bytes before it). Two slots
 * alternate by {@code seq}: a mark is written into the slot the previous one is not in, so a torn
 * write of a mark leaves the previous mark intact.
 *
 * @param seq increases with every mark written to the file; the higher intact slot is current
 * @param end byte offset just after the last record that was durable when the mark was written
 * @param lastIndex index of that record (for an empty file, the index before the next one)
 * @param records how many records the file held up to {@code end}
 */
public record SyncMark(long seq, long end, long lastIndex, long records) {
  public static final int SLOT_SIZE = 40;
  private static final int CHECKED = SLOT_SIZE - 4;

  /** What one slot holds. */
  public enum SlotState { EMPTY, INTACT, DAMAGED }

  /** The slot this mark is written into. */
  public int slot() {
    return (int) (seq & 1);
  }

  public byte[] toBytes() {
    ByteBuffer buf = ByteBuffer.allocate(SLOT_SIZE);
    buf.putLong(seq).putLong(end).putLong(lastIndex).putLong(records).putInt(0);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, CHECKED);
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /** The state of the slot at {@code at} in {@code buf} (absolute offset). */
  public static SlotState stateOf(ByteBuffer buf, int at) {
    boolean zeros = true;
    for (int i = 0; i < SLOT_SIZE; i++) {
      if (buf.get(at + i) != 0) {
        zeros = false;
        break;
      }
    }
    if (zeros) {
      return SlotState.EMPTY;
    }
    CRC32C crc = new CRC32C();
    crc.update(buf.duplicate().position(at).limit(at + CHECKED));
    boolean intact = (int) crc.getValue() == buf.getInt(at + CHECKED)
        && buf.getInt(at + 32) == 0 && buf.getLong(at) >= 0 && buf.getLong(at + 8) >= 0
        && buf.getLong(at + 16) >= 0 && buf.getLong(at + 24) >= 0;
    return intact ? SlotState.INTACT : SlotState.DAMAGED;
  }

  /** Decodes the slot at {@code at}; call only on an {@link SlotState#INTACT} slot. */
  public static SyncMark decode(ByteBuffer buf, int at) {
    return new SyncMark(buf.getLong(at), buf.getLong(at + 8), buf.getLong(at + 16),
        buf.getLong(at + 24));
  }
}
