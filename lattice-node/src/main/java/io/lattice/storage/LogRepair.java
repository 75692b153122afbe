package io.lattice.storage;

import io.lattice.format.FileHeader;
import io.lattice.format.FormatException;
import io.lattice.format.LogRecord;
import io.lattice.format.LogRecordCodec;
import io.lattice.format.LogScan;
import io.lattice.format.LogScanner;
import io.lattice.format.SegmentLayout;
import io.lattice.format.SyncMark;
import io.lattice.raft.LogIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Repairs a corrupt log by truncating it at the first damaged record ({@code lattice-node repair}).
 *
 * <p>A repair may drop entries this server once acknowledged, and the cluster may have counted that
 * acknowledgement toward a commit. So the repair also reports the highest index the log held
 * before (found by scanning past the damage for intact records, and from segment names); the node
 * stores it durably in its hard state and neither votes nor counts toward commit until its log is
 * back past it. That way a repair can never make the cluster lose a committed entry.
 */
public final class LogRepair {
  /** What to tell an operator whose node refuses to start; formatted with (data dir, file). */
  static final String REMEDY = "The node will not start on a corrupt log. Inspect it with"
      + " 'lattice log inspect %2$s --verify'. If a complete copy of the file exists (a cut file),"
      + " put it back; otherwise run 'lattice-node repair --data-dir %1$s' to accept the loss and"
      + " truncate the log at the damaged record. The node will fetch the lost entries from the"
      + " leader and will not vote until it has them again.";

  /**
   * @param file the segment that was cut ({@code null} when nothing needed repair)
   * @param offset where it was cut
   * @param lastIndexBefore the highest index the log held before the repair (best knowledge)
   * @param lastIndexAfter the last index left
   */
  public record Result(Path file, long offset, long lastIndexBefore, long lastIndexAfter,
      List<Path> removed) {
    public boolean repaired() {
      return file != null;
    }
  }

  /** Beyond any real term or index: a cheap filter before a checksum is computed. */
  private static final long PLAUSIBLE = 1L << 48;

  private LogRepair() {}

  public static Result repair(Path dir, FileIo io) throws IOException {
    List<Path> segments = new ArrayList<>();
    for (Map.Entry<Long, Path> e : SegmentedLogStore.listSealed(dir).entrySet()) {
      segments.add(e.getValue());
    }
    Path openPath = dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
    if (Files.exists(openPath)) {
      segments.add(openPath);
    }
    long highestSeen = LogIndex.NONE;
    for (Path p : segments) {
      var m = SegmentedLogStore.SEALED_NAME.matcher(p.getFileName().toString());
      if (m.matches()) {
        highestSeen = Math.max(highestSeen, Long.parseLong(m.group(2)));
      }
    }
    long expectedNext = LogIndex.NONE;
    long lastTerm = 0;
    for (int k = 0; k < segments.size(); k++) {
      Path p = segments.get(k);
      LogScan scan = LogScanner.scan(p, (o, s, r) -> { }, false);
      highestSeen = Math.max(highestSeen, scan.lastIndex());
      // A segment that does not continue the one before (index gap, or a lower term) is cut whole.
      boolean gap = scan.records() > 0 && (scan.firstTerm() < lastTerm
          || expectedNext != LogIndex.NONE && scan.firstIndex() != expectedNext);
      var name = SegmentedLogStore.SEALED_NAME.matcher(p.getFileName().toString());
      boolean sealed = !p.equals(openPath) && name.matches();
      // A sealed segment must hold exactly the indexes of its name (the store refuses it else).
      boolean misnamed = sealed && !gap && scan.clean()
          && (scan.firstIndex() != Long.parseLong(name.group(1))
              || scan.lastIndex() != Long.parseLong(name.group(2)));
      boolean damaged = sealed ? !scan.clean() || misnamed
          : scan.corrupt();
      if (!damaged && !gap) {
        if (scan.records() > 0) {
          expectedNext = LogIndex.next(scan.lastIndex());
          lastTerm = scan.lastTerm();
        }
        continue;
      }
      long start = scan.recordsStart();
      long cut = gap || (misnamed && scan.firstIndex() != Long.parseLong(name.group(1)))
          ? start
          : Math.max(start, scan.validEnd());
      highestSeen = Math.max(highestSeen, highestIntactAfter(p, cut));
      if (scan.syncMark() != null) {
        // A cut file: its sync mark still knows the last index it held when it was synced.
        highestSeen = Math.max(highestSeen, scan.syncMark().lastIndex());
      }
      if (!gap && scan.problem() != null) {
        // The damaged record itself held the index after the last intact one.
        highestSeen = Math.max(highestSeen, scan.records() > 0 ? LogIndex.next(scan.lastIndex())
            : expectedNext);
      }
      List<Path> removed = new ArrayList<>();
      for (Path later : segments.subList(k + 1, segments.size())) {
        highestSeen = Math.max(highestSeen, highestIntactAfter(later, FileHeader.SIZE));
        LogScan laterScan = LogScanner.scan(later, (o, s, r) -> { }, false);
        if (laterScan.syncMark() != null) {
          highestSeen = Math.max(highestSeen, laterScan.syncMark().lastIndex());
        }
        Files.delete(later);
        removed.add(later);
      }
      if (!p.equals(openPath)) {
        io.rename(p, openPath);
      }
      long after = gap || cut <= start
          ? LogIndex.prev(expectedNext == LogIndex.NONE ? LogIndex.FIRST : expectedNext)
          : scan.lastIndex();
      try (FileChannel ch = FileChannel.open(openPath, StandardOpenOption.WRITE)) {
        if (cut <= start) {
          ch.truncate(0);
          ByteBuffer fresh = ByteBuffer.wrap(SegmentLayout.newSegment());
          while (fresh.hasRemaining()) {
            ch.write(fresh, fresh.position());
          }
        } else {
          if (scan.syncMark() != null && scan.syncMark().end() > cut) {
            // Accept the loss: the mark says the file ends here now, so the node starts on it.
            SyncMark m = new SyncMark(scan.syncMark().seq() + 1, cut, after, scan.records());
            ByteBuffer b = ByteBuffer.wrap(m.toBytes());
            while (b.hasRemaining()) {
              ch.write(b, SegmentLayout.slotOffset(m) + b.position());
            }
          }
          ch.truncate(cut);
        }
        io.force(ch, openPath);
      }
      io.fsyncDirectory(dir);
      return new Result(p, cut, highestSeen, after, removed);
    }
    return new Result(null, 0, highestSeen, highestSeen, List.of());
  }

  /**
   * The highest index of any intact record at or after {@code from} in {@code file}, found by
   * trying every offset: framing after damage cannot be trusted, checksums can.
   */
  static long highestIntactAfter(Path file, long from) throws IOException {
    byte[] bytes;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (from >= size) {
        return LogIndex.NONE;
      }
      ByteBuffer b = ByteBuffer.allocate((int) (size - from));
      while (b.hasRemaining() && ch.read(b, from + b.position()) > 0) {
        // read on
      }
      bytes = b.array();
    }
    long highest = LogIndex.NONE;
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int pos = 0;
    while (pos + LogRecordCodec.PREFIX + LogRecordCodec.BODY_HEADER <= bytes.length) {
      // Cheap structural checks first (no exception, no checksum at almost every offset).
      int length = buf.getInt(pos);
      if (length >= LogRecordCodec.BODY_HEADER && length <= LogRecordCodec.MAX_BODY
          && length <= bytes.length - pos - LogRecordCodec.PREFIX
          && Byte.toUnsignedInt(bytes[pos + 8]) <= LogRecord.KIND_CONFIG) {
        long term = buf.getLong(pos + 9);
        long index = buf.getLong(pos + 17);
        if (term >= 0 && term < PLAUSIBLE && index >= LogIndex.FIRST && index < PLAUSIBLE) {
          buf.position(pos);
          try {
            LogRecord r = LogRecordCodec.read(buf);
            highest = Math.max(highest, r.index());
            pos = buf.position();
            continue;
          } catch (FormatException e) {
            // not a record boundary
          }
        }
      }
      pos++;
    }
    return highest;
  }
}
