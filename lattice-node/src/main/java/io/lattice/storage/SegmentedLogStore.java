package io.lattice.storage;

import io.lattice.format.FormatException;
import io.lattice.format.LogRecord;
import io.lattice.format.LogRecordCodec;
import io.lattice.format.LogScan;
import io.lattice.format.LogScanner;
import io.lattice.format.SegmentLayout;
import io.lattice.raft.Entry;
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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft log on disk, as a directory of segment files (DESIGN §4):
 *
 * <ul>
 *   <li>{@code raft.log}: the open segment, the only one ever written;
 *   <li>{@code raft-<first>-<last>.log}: sealed segments, named by their index range, fully
 *       synced before they were renamed and never written again.
 * </ul>
 *
 * Appends of a batch are one positional write and durable after one {@link #sync()} (group
 * commit). Reads go through an in-memory offset index built when the store is opened. A
 * conflicting suffix is cut with ftruncate (synced at once, so that a crash can never leave new
 * records followed by the remains of old ones). Compaction deletes whole sealed segments.
 *
 * <p>Recovery on open: an incomplete last record or trailing zeros in {@code raft.log} (a torn
 * write) is truncated with a warning naming the file, the offset and the bytes dropped; anything
 * else that does not scan cleanly — a complete record with a bad checksum, a damaged sealed
 * segment, a gap between segments, a file that ends before its sync mark (it was cut: synced
 * entries are gone, see {@link SyncMarks}) — is corruption: {@link #open} throws {@link
 * CorruptStorageException} naming file, offset and index and the repair command ({@link
 * LogRepair}).
 *
 * <p>Any I/O failure while writing or syncing is final: the store refuses every later call, so
 * that nothing is ever acknowledged on top of a write whose durability is unknown. A failed append
 * (a full disk) first cuts {@code raft.log} back to the end of its last whole record, so that the
 * file a restart recovers from is clean and the space the failed write took is free again. The
 * node's disk-space reserve exists so that this is not reached in the first place.
 */
public final class SegmentedLogStore implements LogStore, AutoCloseable {
  public static final String OPEN_SEGMENT = "raft.log";
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  static final Pattern SEALED_NAME = Pattern.compile("raft-(\\d+)-(\\d+)\\.log");

  private static final Logger LOG = LoggerFactory.getLogger(SegmentedLogStore.class);

  private final Path dir;
  private final FileIo io;
  private final long segmentBytes;
  /** Sealed segments by first index. */
  private final TreeMap<Long, Segment> sealed = new TreeMap<>();
  private Segment open;
  private FileChannel openChannel;
  /** Logical first index: entries below it may still be in a file but are compacted away. */
  private long firstIndex;
  private boolean dirDirty;
  private IOException failure;

  private SegmentedLogStore(Path dir, FileIo io, long segmentBytes) {
    this.dir = dir;
    this.io = io;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Opens (creating if needed) the log in {@code dir}, recovering from a torn tail.
   *
   * @throws CorruptStorageException when a file is damaged beyond a torn tail
   */
  public static SegmentedLogStore open(Path dir, FileIo io, long segmentBytes) throws IOException {
    SegmentedLogStore store = new SegmentedLogStore(dir, io, segmentBytes);
    store.recover();
    return store;
  }

  public static SegmentedLogStore open(Path dir) throws IOException {
    return open(dir, FileIo.SYSTEM, DEFAULT_SEGMENT_BYTES);
  }

  static String sealedName(long first, long last) {
    return "raft-" + first + "-" + last + ".log";
  }

  /** Sealed segment files of {@code dir}, by first index. */
  static TreeMap<Long, Path> listSealed(Path dir) throws IOException {
    TreeMap<Long, Path> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = SEALED_NAME.matcher(p.getFileName().toString());
        if (m.matches()) {
          out.put(Long.parseLong(m.group(1)), p);
        }
      }
    }
    return out;
  }

  private void recover() throws IOException {
    Files.createDirectories(dir);
    long expectedNext = LogIndex.NONE;
    long lastTerm = 0; // terms never go down along the log, across segment boundaries too
    for (Map.Entry<Long, Path> e : listSealed(dir).entrySet()) {
      Path file = e.getValue();
      Matcher m = SEALED_NAME.matcher(file.getFileName().toString());
      m.matches();
      long nameFirst = Long.parseLong(m.group(1));
      long nameLast = Long.parseLong(m.group(2));
      List<long[]> frames = new ArrayList<>();
      LogScan scan = LogScanner.scan(file, (offset, size, r) -> frames.add(new long[] {offset, size}),
          false);
      if (!scan.clean()) {
        // A sealed segment was synced before it was renamed: even a "torn" tail is damage.
        throw corrupt(file, scan.problem().offset(), damagedIndex(scan, nameFirst),
            "sealed segment: " + scan.problem().detail());
      }
      if (scan.firstIndex() != nameFirst || scan.lastIndex() != nameLast) {
        throw corrupt(file, 0, LogIndex.NONE, "sealed segment holds indexes "
            + scan.firstIndex() + ".." + scan.lastIndex() + " but its name says " + nameFirst + ".."
            + nameLast);
      }
      if (expectedNext != LogIndex.NONE && nameFirst != expectedNext) {
        throw corrupt(file, scan.recordsStart(), expectedNext, "gap between segments: expected index "
            + expectedNext + " but the segment starts at " + nameFirst);
      }
      if (scan.firstTerm() < lastTerm) {
        throw corrupt(file, scan.recordsStart(), nameFirst, termBackwards(scan, lastTerm));
      }
      expectedNext = LogIndex.next(nameLast);
      lastTerm = scan.lastTerm();
      sealed.put(nameFirst, segmentOf(file, nameFirst, scan, frames));
    }
    recoverOpenSegment(expectedNext, lastTerm);
    firstIndex = sealed.isEmpty() ? open.firstIndex() : sealed.firstKey();
  }

  /** The in-memory index of a scanned file: its records ({@code frames}) and its sync mark. */
  private static Segment segmentOf(Path file, long firstIndex, LogScan scan, List<long[]> frames) {
    if (scan.damagedMarkSlot()) {
      LOG.warn("One of the two sync-mark slots in the header of {} is damaged (a write of the mark"
          + " that a crash interrupted, or damage to the disk); using the other one{}. No entry is"
          + " affected.", file, scan.syncMark() == null ? ""
              : ", which says the file was synced through byte offset " + scan.syncMark().end());
    }
    Segment seg = new Segment(file, firstIndex, scan.recordsStart(),
        SegmentLayout.hasSyncMarks(scan.formatVersion()), scan.syncMark());
    for (long[] f : frames) {
      seg.scanned(f[0], (int) f[1]);
    }
    return seg;
  }

  private static String termBackwards(LogScan scan, long lastTerm) {
    return "term goes backwards between segments: index " + scan.firstIndex() + " has term "
        + scan.firstTerm() + " but the segment before ends in term " + lastTerm;
  }

  private void recoverOpenSegment(long expectedNext, long lastTerm) throws IOException {
    Path file = dir.resolve(OPEN_SEGMENT);
    Files.deleteIfExists(dir.resolve(OPEN_SEGMENT + AtomicFiles.TEMP_SUFFIX));
    long next = expectedNext == LogIndex.NONE ? LogIndex.FIRST : expectedNext;
    if (!Files.exists(file)) {
      createOpenSegment(file, next);
      return;
    }
    List<long[]> frames = new ArrayList<>();
    LogScan scan = LogScanner.scan(file, (offset, size, r) -> frames.add(new long[] {offset, size}), false);
    if (scan.corrupt()) {
      throw corrupt(file, scan.problem().offset(), damagedIndex(scan, expectedNext),
          scan.problem().detail());
    }
    if (scan.records() > 0 && expectedNext != LogIndex.NONE && scan.firstIndex() != expectedNext) {
      throw corrupt(file, scan.recordsStart(), expectedNext, "gap between segments: expected index "
          + expectedNext + " but " + OPEN_SEGMENT + " starts at " + scan.firstIndex());
    }
    if (scan.records() > 0 && scan.firstTerm() < lastTerm) {
      throw corrupt(file, scan.recordsStart(), scan.firstIndex(), termBackwards(scan, lastTerm));
    }
    openChannel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    if (scan.tornTail()) {
      LOG.warn("Recovered a torn write: {}. Truncating {} to {} bytes drops the last {} bytes,"
          + " which hold no complete entry; {}", scan.problem().describe(), file, scan.validEnd(),
          scan.bytesAfterValidEnd(), tornTailSafety(scan));
      if (scan.validEnd() < scan.recordsStart()) {
        openChannel.close();
        createOpenSegment(file, next);
        return;
      }
      openChannel.truncate(scan.validEnd());
      io.force(openChannel, file);
    }
    open = segmentOf(file, scan.records() > 0 ? scan.firstIndex() : next, scan, frames);
  }

  /** Why truncating the torn tail of {@code scan} loses nothing acknowledged, as far as known. */
  static String tornTailSafety(LogScan scan) {
    if (scan.syncMark() != null) {
      return "the file was synced through byte offset " + scan.syncMark().end() + " (index "
          + scan.syncMark().lastIndex() + "), so the dropped bytes were never acknowledged.";
    }
    if (SegmentLayout.hasSyncMarks(scan.formatVersion())) {
      return "the file was never synced after its header, so nothing in it was acknowledged.";
    }
    return "format version " + scan.formatVersion() + " records no sync mark, so a cut inside a"
        + " record cannot be told from a torn write (a log written since the upgrade can).";
  }

  private void createOpenSegment(Path file, long nextIndex) throws IOException {
    openChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    try {
      writeFully(openChannel, ByteBuffer.wrap(SegmentLayout.newSegment()), 0);
      io.force(openChannel, file);
    } catch (IOException | RuntimeException e) {
      // A full disk: leave no headerless raft.log behind (recovery would call it damaged); with
      // none, recovery starts a new one after the sealed segments.
      openChannel.close();
      Files.deleteIfExists(file);
      throw e;
    }
    io.fsyncDirectory(dir);
    open = new Segment(file, nextIndex, SegmentLayout.V2_RECORDS_START, true, null);
  }

  /** The index the damaged record of {@code scan} should hold; {@code NONE} when unknown. */
  private static long damagedIndex(LogScan scan, long fileFirstIndex) {
    return scan.records() > 0 ? LogIndex.next(scan.lastIndex()) : fileFirstIndex;
  }

  /** @param index the index of the damaged record ({@code NONE} when unknown) */
  private CorruptStorageException corrupt(Path file, long offset, long index, String what) {
    String at = index == LogIndex.NONE ? "" : " at index " + index;
    return new CorruptStorageException(file, offset, "corrupt Raft log" + at + ": " + what,
        LogRepair.REMEDY.formatted(dir, file));
  }

  // ---------------------------------------------------------------- LogStore

  @Override
  public long firstIndex() {
    return firstIndex;
  }

  @Override
  public long lastIndex() {
    return open.lastIndex();
  }

  /** Bytes of all segment files. */
  @Override
  public long sizeBytes() {
    long total = open.endOffset();
    for (Segment s : sealed.values()) {
      total += s.endOffset();
    }
    return total;
  }

  @Override
  public List<Entry> read(long from, long to) throws IOException {
    checkHealthy();
    if (from < firstIndex || to > lastIndex() || from > LogIndex.next(to)) {
      throw new IllegalArgumentException("range [" + from + ", " + to + "] is not within ["
          + firstIndex + ", " + lastIndex() + "]");
    }
    List<Entry> out = new ArrayList<>((int) Math.min(LogIndex.count(from, to), 1 << 16));
    long i = from;
    ByteBuffer slice = null;
    while (i <= to) {
      Segment s = segmentFor(i);
      long last = Math.min(to, s.lastIndex());
      slice = readRange(s, i, last, out, slice);
      i = LogIndex.next(last);
    }
    return out;
  }

  /** Largest slice of a segment read at once. */
  private static final int SLICE_BYTES = 16 << 20;

  /**
   * Reads {@code [from, to]} of {@code s} into {@code out}, in slices through one buffer: {@code
   * slice} when it is large enough (the records' payloads are copied out, so a buffer is reused as
   * soon as its records are decoded). Returns the buffer for the next call.
   */
  private ByteBuffer readRange(Segment s, long from, long to, List<Entry> out, ByteBuffer slice)
      throws IOException {
    long start = s.offsetOf(from);
    long end = s.offsetOf(LogIndex.next(to));
    // Read in slices of at most 16 MiB so that a huge range does not need one huge buffer.
    long pos = start;
    long index = from;
    try (FileChannel ch = s == open ? null : FileChannel.open(s.path(), StandardOpenOption.READ)) {
      FileChannel src = ch == null ? openChannel : ch;
      while (index <= to) {
        long sliceEnd = pos;
        long j = index;
        while (j <= to && (sliceEnd - pos) < SLICE_BYTES) {
          j = LogIndex.next(j);
          sliceEnd = s.offsetOf(j);
        }
        int size = (int) (sliceEnd - pos);
        if (slice == null || slice.capacity() < size) {
          // Room for a slice (which ends at the first record boundary at or past SLICE_BYTES) and
          // some slack, but no more than the rest of this range needs.
          slice = ByteBuffer.allocate(
              (int) Math.max(size, Math.min(end - pos, SLICE_BYTES + (1 << 20))));
        }
        ByteBuffer buf = slice.clear().limit(size);
        readFully(src, buf, pos);
        buf.flip();
        for (long k = index; k < j; k = LogIndex.next(k)) {
          LogRecord r;
          try {
            r = LogRecordCodec.read(buf);
          } catch (FormatException e) {
            throw corrupt(s.path(), pos + e.offset(), k, e.getMessage());
          }
          if (r.index() != k) {
            throw corrupt(s.path(), s.offsetOf(k), k,
                "expected index " + k + " but found " + r.index());
          }
          out.add(EntryRecords.toEntry(r));
        }
        pos = sliceEnd;
        index = j;
      }
      if (pos != end) {
        throw new IllegalStateException("read ended at " + pos + ", expected " + end);
      }
    }
    return slice;
  }

  private Segment segmentFor(long index) {
    if (index >= open.firstIndex()) {
      return open;
    }
    Map.Entry<Long, Segment> e = sealed.floorEntry(index);
    if (e == null || !e.getValue().contains(index)) {
      throw new IllegalArgumentException("index " + index + " is not stored");
    }
    return e.getValue();
  }

  @Override
  public void append(List<Entry> entries) throws IOException {
    checkHealthy();
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).index();
    for (int k = 1; k < entries.size(); k++) {
      if (entries.get(k).index() != LogIndex.next(entries.get(k - 1).index())) {
        throw new IllegalArgumentException("entries are not contiguous at " + entries.get(k).index());
      }
    }
    boolean empty = lastIndex() < firstIndex;
    try {
      if (empty && sealed.isEmpty()) {
        // An empty log continues wherever its snapshot left off.
        open.reset(first);
        firstIndex = first;
      } else if (first < firstIndex || first > LogIndex.next(lastIndex())) {
        throw new IllegalArgumentException("append at " + first + " would leave a gap in ["
            + firstIndex + ", " + lastIndex() + "]");
      } else if (first <= lastIndex()) {
        truncateFrom(first);
      }
      if (!open.isEmpty() && open.endOffset() >= segmentBytes) {
        roll();
      }
      int size = 0;
      for (Entry e : entries) {
        size += LogRecordCodec.framedSize(e.data().length);
      }
      ByteBuffer buf = ByteBuffer.allocate(size);
      for (Entry e : entries) {
        LogRecordCodec.write(buf, EntryRecords.toRecord(e));
      }
      buf.flip();
      try {
        writeFully(openChannel, buf, open.endOffset());
      } catch (IOException e) {
        cutBackAfterFailedWrite(e);
        throw e;
      }
      for (Entry e : entries) {
        open.added(LogRecordCodec.framedSize(e.data().length));
      }
    } catch (IOException e) {
      throw fail(e);
    }
  }

  /**
   * A write of records failed part way (on a full disk: ENOSPC once the file system ran out): cut
   * the open segment back to the end of the last whole record, which is where the previous batch
   * ended and was synced, so that the file holds no partial record and gives back the space the
   * failed write took. Best effort: recovery would also drop a torn tail. The store still fails
   * (see the class comment): the caller cannot know which of its records reached the disk.
   */
  private void cutBackAfterFailedWrite(IOException cause) {
    try {
      openChannel.truncate(open.endOffset());
      io.force(openChannel, open.path());
      if (FreeSpace.isNoSpace(cause)) {
        LOG.error("The disk is full: appending to {} failed ({}); cut it back to {} bytes, the "
            + "end of the last durable record. Nothing acknowledged is lost.", open.path(),
            cause.getMessage(), open.endOffset());
      }
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** Drops the records of {@code index} and after, across segments if needed; durable at once. */
  private void truncateFrom(long index) throws IOException {
    Segment s = segmentFor(index);
    if (s != open) {
      openChannel.close();
      Files.delete(open.path());
      // Newest first, so that a crash in between leaves a contiguous prefix, never a gap.
      for (Segment later : new ArrayList<>(sealed.tailMap(index, false).descendingMap().values())) {
        Files.delete(later.path());
        sealed.remove(later.firstIndex());
      }
      sealed.remove(s.firstIndex());
      Path openPath = dir.resolve(OPEN_SEGMENT);
      io.rename(s.path(), openPath);
      s.movedTo(openPath);
      open = s;
      openChannel = FileChannel.open(openPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
      io.fsyncDirectory(dir);
    }
    long cut = open.truncateFrom(index);
    SyncMarks.lowerBeforeCut(io, openChannel, open);
    openChannel.truncate(cut);
    io.force(openChannel, open.path());
  }

  /** Seals the open segment under its index range and starts a new, empty one. */
  private void roll() throws IOException {
    io.force(openChannel, open.path());
    openChannel.close();
    Path sealedPath = dir.resolve(sealedName(open.firstIndex(), open.lastIndex()));
    io.rename(open.path(), sealedPath);
    open.movedTo(sealedPath);
    sealed.put(open.firstIndex(), open);
    long next = LogIndex.next(open.lastIndex());
    createOpenSegment(dir.resolve(OPEN_SEGMENT), next);
  }

  @Override
  public void sync() throws IOException {
    checkHealthy();
    try {
      io.force(openChannel, open.path());
      if (dirDirty) {
        io.fsyncDirectory(dir);
        dirDirty = false;
      }
      SyncMarks.synced(io, openChannel, open);
    } catch (IOException e) {
      throw fail(e);
    }
  }

  @Override
  public void compactUpTo(long index) throws IOException {
    checkHealthy();
    if (index < firstIndex) {
      return;
    }
    try {
      if (index >= lastIndex()) {
        clearAll(LogIndex.next(index));
        return;
      }
      for (Segment s : new ArrayList<>(sealed.values())) {
        if (s.lastIndex() <= index) {
          Files.delete(s.path());
          sealed.remove(s.firstIndex());
          dirDirty = true;
        }
      }
      firstIndex = LogIndex.next(index);
    } catch (IOException e) {
      throw fail(e);
    }
  }

  @Override
  public void reset(long afterIndex) throws IOException {
    checkHealthy();
    try {
      clearAll(LogIndex.next(afterIndex));
    } catch (IOException e) {
      throw fail(e);
    }
  }

  private void clearAll(long nextIndex) throws IOException {
    if (!sealed.isEmpty()) {
      for (Segment s : sealed.descendingMap().values()) {
        Files.delete(s.path());
      }
      sealed.clear();
      // Durable before raft.log is reused for later indexes: otherwise a crash could bring the
      // deleted segments back in front of the new records, a gap that recovery calls corruption.
      io.fsyncDirectory(dir);
    }
    open.reset(nextIndex);
    SyncMarks.lowerBeforeCut(io, openChannel, open);
    openChannel.truncate(open.recordsStart());
    io.force(openChannel, open.path());
    firstIndex = nextIndex;
    dirDirty = true;
  }

  @Override
  public void close() throws IOException {
    if (openChannel != null && openChannel.isOpen()) {
      openChannel.close();
    }
  }

  private void checkHealthy() throws IOException {
    if (failure != null) {
      throw new IOException("the log store failed earlier and cannot be used until restart",
          failure);
    }
  }

  private IOException fail(IOException e) {
    failure = e;
    return e;
  }

  private void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      pos += io.write(ch, buf, pos);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) {
        throw new IOException("unexpected end of file at " + pos);
      }
      pos += r;
    }
  }
}
