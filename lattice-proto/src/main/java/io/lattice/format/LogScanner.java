package io.lattice.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reads a log segment from start to end, handing every intact record to a visitor and stopping at
 * the first problem, which it classifies (see {@link LogProblem}). The one reader shared by node
 * recovery and by {@code lattice log inspect}: they cannot disagree about what a file holds.
 *
 * <p>Never writes. Safe on a file another process is appending to: it reads up to the size seen
 * when it started, and an incomplete last record there is reported as a torn tail.
 *
 * <p>In a version-2 file ({@link SegmentLayout}) the records must reach at least the end that the
 * file's {@link SyncMark} says was durable; a file that ends before it was cut ({@link
 * LogProblem.Kind#CUT}), whether it ends in an incomplete record or on a record boundary.
 */
public final class LogScanner {
  /** Receives each intact record, in file order. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * @param offset byte offset of the record's frame in the file
     * @param framedSize bytes the record takes in the file
     */
    void onRecord(long offset, int framedSize, LogRecord record);
  }

  private static final int CHUNK = 1 << 20;

  private final Path file;
  private final FileChannel channel;
  private final long size;
  private static final byte[] NO_PAYLOAD = new byte[0];

  private ByteBuffer buf = ByteBuffer.allocate(CHUNK).limit(0);
  private boolean readPayloads = true;
  /** File offset of {@code buf}'s position 0. */
  private long bufStart;
  private int recordsStart = FileHeader.SIZE;
  /** The file's current sync mark; null for version 1 or a file never synced. */
  private SyncMark syncMark;
  private boolean damagedMarkSlot;

  /** The first bytes of the file (header and sync marks), read before {@link #size}. */
  private final ByteBuffer head;

  private LogScanner(Path file, FileChannel channel) throws IOException {
    this.file = file;
    this.channel = channel;
    // The sync marks are read before the size: a mark never claims more than the file held when
    // it was written, so a file being appended to cannot look cut.
    this.head = ByteBuffer.allocate(SegmentLayout.V2_RECORDS_START);
    while (head.hasRemaining() && channel.read(head, head.position()) > 0) {
      // read on
    }
    this.size = channel.size();
  }

  /** Scans {@code file}. I/O errors propagate; format problems are in the result. */
  public static LogScan scan(Path file, Visitor visitor) throws IOException {
    return scan(file, visitor, true);
  }

  /**
   * Scans {@code file}; with {@code readPayloads} false every record is still fully verified but
   * handed over with an empty payload (for building an index without copying the data).
   */
  public static LogScan scan(Path file, Visitor visitor, boolean readPayloads) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      LogScanner scanner = new LogScanner(file, ch);
      scanner.readPayloads = readPayloads;
      return scanner.run(visitor);
    }
  }

  private LogScan run(Visitor visitor) throws IOException {
    if (size < FileHeader.SIZE) {
      boolean zeros = allZero(0, size);
      return result(0, 0, 0, 0, 0, 0, 0, new LogProblem(LogProblem.Kind.TORN_TAIL, file, 0, 0,
          "the " + size + "-byte file is shorter than its header" + (zeros ? " (zeros)" : "")));
    }
    ensure(0, FileHeader.SIZE);
    FileHeader header;
    try {
      header = FileHeader.read(slice(0, FileHeader.SIZE), FileKind.LOG_SEGMENT);
    } catch (FormatException e) {
      return result(0, 0, 0, 0, 0, 0, 0,
          new LogProblem(LogProblem.Kind.BAD_HEADER, file, e.offset(), 0, e.getMessage()));
    }
    recordsStart = SegmentLayout.recordsStart(header.version());
    if (size < recordsStart) {
      // The header and the empty slots of a new file are one write: this one was interrupted.
      return result(header.version(), 0, 0, 0, 0, 0, 0, new LogProblem(LogProblem.Kind.TORN_TAIL,
          file, 0, 0, "the " + size + "-byte file is shorter than its " + recordsStart
          + "-byte header"));
    }
    if (SegmentLayout.hasSyncMarks(header.version())) {
      LogProblem damaged = readSyncMark();
      if (damaged != null) {
        return result(header.version(), 0, 0, 0, 0, 0, 0, damaged);
      }
    }
    long offset = recordsStart;
    long count = 0;
    long firstIndex = 0;
    long lastIndex = 0;
    long firstTerm = 0;
    long lastTerm = 0;
    LogProblem problem = null;
    CRC32C crc = new CRC32C();
    while (offset < size) {
      long remaining = size - offset;
      if (remaining < LogRecordCodec.PREFIX) {
        problem = torn(offset, lastIndex, "incomplete record header: " + remaining + " of "
            + LogRecordCodec.PREFIX + " bytes" + (allZero(offset, remaining) ? " (zeros)" : ""));
        break;
      }
      ensure(offset, LogRecordCodec.PREFIX);
      int at = (int) (offset - bufStart);
      int length = buf.getInt(at);
      int stored = buf.getInt(at + 4);
      if (length == 0 && stored == 0 && allZero(offset, remaining)) {
        problem = torn(offset, lastIndex, remaining + " trailing zero bytes");
        break;
      }
      if (length < LogRecordCodec.BODY_HEADER || length > LogRecordCodec.MAX_BODY) {
        problem = new LogProblem(LogProblem.Kind.BAD_LENGTH, file, offset, lastIndex,
            "impossible record length " + Integer.toUnsignedString(length));
        break;
      }
      long framed = (long) LogRecordCodec.PREFIX + length;
      if (framed > remaining) {
        // Either the last write was cut short, or this length is damaged. An intact record after
        // this one tells them apart: a torn write is the end of the file, so nothing intact follows.
        long next = intactRecordAfter(offset, remaining, count == 0 ? -1 : lastIndex + 2, lastTerm);
        if (next >= 0) {
          problem = new LogProblem(LogProblem.Kind.BAD_LENGTH, file, offset, lastIndex,
              "record length " + length + " runs past the end of the file, but an intact record"
              + " follows at byte offset " + next);
        } else {
          problem = torn(offset, lastIndex, "incomplete last record: " + remaining + " of "
              + framed + " bytes");
        }
        break;
      }
      ensure(offset, (int) framed);
      at = (int) (offset - bufStart);
      crc.reset();
      crc.update(buf.duplicate().position(at).limit(at + 4));
      crc.update(buf.duplicate().position(at + LogRecordCodec.PREFIX).limit(at + (int) framed));
      if ((int) crc.getValue() != stored) {
        problem = new LogProblem(LogProblem.Kind.CHECKSUM_MISMATCH, file, offset, lastIndex,
            String.format("checksum mismatch (stored %08x, computed %08x) in a complete %d-byte record",
                stored, (int) crc.getValue(), framed));
        break;
      }
      int kind = Byte.toUnsignedInt(buf.get(at + 8));
      long term = buf.getLong(at + 9);
      long index = buf.getLong(at + 17);
      if (kind > LogRecord.KIND_CONFIG) {
        problem = new LogProblem(LogProblem.Kind.UNKNOWN_KIND, file, offset, lastIndex,
            "unknown entry kind " + kind + " at index " + index);
        break;
      }
      if (count > 0 && index != lastIndex + 1) {
        problem = new LogProblem(LogProblem.Kind.INDEX_GAP, file, offset, lastIndex,
            "index " + index + " follows index " + lastIndex);
        break;
      }
      if (count == 0 && index < 1) {
        problem = new LogProblem(LogProblem.Kind.INDEX_GAP, file, offset, lastIndex,
            "first record has index " + index + " (indexes start at 1)");
        break;
      }
      if (count > 0 && term < lastTerm) {
        problem = new LogProblem(LogProblem.Kind.TERM_BACKWARDS, file, offset, lastIndex,
            "term " + term + " at index " + index + " is below term " + lastTerm + " before it");
        break;
      }
      byte[] payload = NO_PAYLOAD;
      if (readPayloads) {
        payload = new byte[length - LogRecordCodec.BODY_HEADER];
        buf.get(at + LogRecordCodec.PREFIX + LogRecordCodec.BODY_HEADER, payload);
      }
      visitor.onRecord(offset, (int) framed, new LogRecord(kind, term, index, payload));
      if (count == 0) {
        firstIndex = index;
        firstTerm = term;
      }
      count++;
      lastIndex = index;
      lastTerm = term;
      offset += framed;
    }
    if (syncMark != null && offset < syncMark.end()
        && (problem == null || problem.kind() == LogProblem.Kind.TORN_TAIL)) {
      problem = new LogProblem(LogProblem.Kind.CUT, file, offset, lastIndex,
          cutDetail(offset, count));
    }
    return result(header.version(), offset, count, firstIndex, lastIndex, firstTerm, lastTerm, problem);
  }

  /**
   * Sets {@link #syncMark} to the newer intact slot. Only one slot is ever being written (the
   * other was synced before it), so one torn slot is the trace of a crash, and two are damage.
   *
   * @return the problem when both slots are damaged, else null
   */
  private LogProblem readSyncMark() {
    SyncMark newest = null;
    int damaged = 0;
    for (int slot = 0; slot < 2; slot++) {
      int at = SegmentLayout.SLOTS_START + slot * SyncMark.SLOT_SIZE;
      switch (SyncMark.stateOf(head, at)) {
        case EMPTY -> { }
        case DAMAGED -> damaged++;
        case INTACT -> {
          SyncMark m = SyncMark.decode(head, at);
          if (newest == null || m.seq() > newest.seq()) {
            newest = m;
          }
        }
      }
    }
    if (damaged == 2) {
      return new LogProblem(LogProblem.Kind.BAD_HEADER, file, SegmentLayout.SLOTS_START, 0,
          "both sync marks in the header are damaged");
    }
    syncMark = newest;
    damagedMarkSlot = damaged == 1;
    return null;
  }

  private String cutDetail(long validEnd, long records) {
    long lost = syncMark.records() - records;
    String entries = lost > 0
        ? lost + (lost == 1 ? " synced entry" : " synced entries") + " (index"
            + (lost == 1 ? " " + syncMark.lastIndex()
                : "es " + (syncMark.lastIndex() - lost + 1) + ".." + syncMark.lastIndex())
            + ") and "
        : "";
    return "the records end at byte offset " + validEnd + (records > 0 ? "" : " (none intact)")
        + " but the file was synced through byte offset " + syncMark.end() + " (index "
        + syncMark.lastIndex() + "): " + entries + (syncMark.end() - validEnd) + " bytes of synced"
        + " records are missing or incomplete. A crash loses only what was written after the last"
        + " sync, so this is not a torn write: the file was cut (truncated, or copied in part)";
  }

  /**
   * Looks for an intact record (valid checksum, known kind, the expected index, no lower term)
   * starting after the minimal record at {@code offset} and ending within the file: proof that the
   * length at {@code offset} is damaged rather than the tail of an interrupted write.
   *
   * @param expectedIndex the index the record after the one at {@code offset} must have, or -1 if
   *     unknown (it is then taken from the record at {@code offset}: only its length is in doubt)
   * @return the offset of such a record, or -1
   */
  private long intactRecordAfter(long offset, long remaining, long expectedIndex, long minTerm)
      throws IOException {
    int min = LogRecordCodec.PREFIX + LogRecordCodec.BODY_HEADER;
    if (remaining < 2L * min) {
      return -1;
    }
    ensure(offset, (int) remaining); // less than the record claims, so it is within MAX_BODY
    int base = (int) (offset - bufStart);
    int end = base + (int) remaining;
    long expected = expectedIndex >= 0 ? expectedIndex : buf.getLong(base + 17) + 1;
    long budget = 4L * remaining + CHUNK; // bounds checksum work on adversarial payloads
    CRC32C crc = new CRC32C();
    for (int at = base + min; at + min <= end && budget > 0; at++) {
      if (buf.getLong(at + 17) != expected) {
        continue;
      }
      int length = buf.getInt(at);
      if (length < LogRecordCodec.BODY_HEADER || length > end - at - LogRecordCodec.PREFIX
          || Byte.toUnsignedInt(buf.get(at + 8)) > LogRecord.KIND_CONFIG
          || buf.getLong(at + 9) < minTerm) {
        continue;
      }
      budget -= length;
      crc.reset();
      crc.update(buf.duplicate().position(at).limit(at + 4));
      crc.update(buf.duplicate().position(at + LogRecordCodec.PREFIX)
          .limit(at + LogRecordCodec.PREFIX + length));
      if ((int) crc.getValue() == buf.getInt(at + 4)) {
        return bufStart + at;
      }
    }
    return -1;
  }

  private LogScan result(int version, long validEnd, long count, long firstIndex, long lastIndex,
      long firstTerm, long lastTerm, LogProblem problem) {
    return new LogScan(file, version, size, validEnd, count, firstIndex, lastIndex, firstTerm,
        lastTerm, problem, recordsStart, syncMark, damagedMarkSlot);
  }

  private LogProblem torn(long offset, long lastIndex, String detail) {
    return new LogProblem(LogProblem.Kind.TORN_TAIL, file, offset, lastIndex, detail);
  }

  /** Makes bytes [offset, offset + n) of the file available in {@code buf}. */
  private void ensure(long offset, int n) throws IOException {
    if (offset >= bufStart && offset + n <= bufStart + buf.limit()) {
      return;
    }
    if (buf.capacity() < n) {
      buf = ByteBuffer.allocate(Math.max(n, CHUNK));
    }
    buf.clear();
    bufStart = offset;
    long readAt = offset;
    while (buf.hasRemaining() && readAt < size) {
      int r = channel.read(buf, readAt);
      if (r <= 0) {
        break;
      }
      readAt += r;
    }
    buf.flip();
    if (buf.limit() < n) {
      throw new IOException(file + " shrank while being read (at offset " + offset + ")");
    }
  }

  private ByteBuffer slice(long offset, int n) {
    int at = (int) (offset - bufStart);
    return buf.duplicate().position(at).limit(at + n);
  }

  private boolean allZero(long offset, long n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(n, 1)));
    long pos = offset;
    long end = offset + n;
    while (pos < end) {
      b.clear().limit((int) Math.min(b.capacity(), end - pos));
      int r = channel.read(b, pos);
      if (r <= 0) {
        return true;
      }
      b.flip();
      while (b.hasRemaining()) {
        if (b.get() != 0) {
          return false;
        }
      }
      pos += r;
    }
    return true;
  }
}
