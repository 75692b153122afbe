package io.lattice.storage;

import io.lattice.format.SegmentLayout;
import io.lattice.format.SyncMark;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Keeps a segment's sync mark ({@link SyncMark}) true: it never claims more than is durable, so a
 * crash cannot leave a file shorter than its mark, and a file that is shorter was cut.
 *
 * <ul>
 *   <li>After a sync, the new end is written into the header slot without a sync of its own: it
 *       is true once written (what it claims is already durable), and it reaches the disk with the
 *       next sync. The cost per group commit is one small positional write into the page cache and
 *       the header's page in the next flush. Until then the mark on disk lags by one sync, so a cut
 *       that drops only the last synced batch is not noticed.
 *   <li>Before the file is cut (a conflicting suffix, a reset, a repair), the mark is lowered to
 *       the cut and synced first: a crash between the two then leaves a low mark, never a high one.
 * </ul>
 *
 * Marks alternate between the two slots, and only one is ever unsynced, so a torn write of a mark
 * leaves the one before it intact.
 */
final class SyncMarks {
  private SyncMarks() {}

  /** Records that everything in {@code s} up to its end is durable (call right after a sync). */
  static void synced(FileIo io, FileChannel ch, Segment s) throws IOException {
    if (!s.hasSyncMarks()) {
      return;
    }
    SyncMark m = s.syncMark();
    if (m != null && m.end() == s.endOffset() && m.records() == s.count()) {
      return; // nothing new since the last mark
    }
    write(io, ch, s);
  }

  /**
   * Called once {@code s} has been cut back in memory, before the file is: if its mark is beyond
   * the new end, writes a mark at the new end and syncs it.
   */
  static void lowerBeforeCut(FileIo io, FileChannel ch, Segment s) throws IOException {
    if (!s.hasSyncMarks() || !s.markBeyond(s.endOffset())) {
      return;
    }
    write(io, ch, s);
    io.force(ch, s.path());
  }

  private static void write(FileIo io, FileChannel ch, Segment s) throws IOException {
    SyncMark next = s.nextSyncMark();
    ByteBuffer buf = ByteBuffer.wrap(next.toBytes());
    long pos = SegmentLayout.slotOffset(next);
    while (buf.hasRemaining()) {
      pos += io.write(ch, buf, pos);
    }
    s.markWritten(next);
  }
}
