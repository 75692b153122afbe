package io.lattice.cli.inspect;

import io.lattice.format.FileHeader;
import io.lattice.format.FileKind;
import io.lattice.format.HardStateRecord;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.LogRecord;
import io.lattice.format.LogRecordCodec;
import io.lattice.format.LogScanner;
import io.lattice.format.MemberRecord;
import io.lattice.format.MembershipCodec;
import io.lattice.format.Session;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.storage.FileIo;
import io.lattice.storage.SegmentedLogStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Logs written by the node's own {@link SegmentedLogStore}, the commands in them encoded with
 * {@link KvCommandCodec}, and helpers to damage files and run the inspector.
 */
final class TestLogs {
  private TestLogs() {}

  /** The node's file operations minus fsync: the files are the same, the tests faster. */
  static final FileIo NO_SYNC = new FileIo() {
    @Override
    public void force(FileChannel channel, Path file) {}

    @Override
    public void fsyncDirectory(Path dir) {}

    @Override
    public void rename(Path from, Path to) throws IOException {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
  };

  /** A key that would clear the screen if printed raw. */
  static final byte[] ESCAPE_KEY = {0x1b, '[', '2', 'J'};
  static final long PROPOSED_AT = 1_700_000_000_000L;

  // ---------------------------------------------------------------- entries

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static Entry command(long term, long index, KvCommand c) {
    return Entry.command(term, index, KvCommandCodec.encode(c));
  }

  static Entry put(long term, long index, String key, String value) {
    return command(term, index, new KvCommand.Put(Session.NONE, PROPOSED_AT, utf8(key),
        utf8(value), false));
  }

  static Entry config(long term, long index, MemberRecord... members) {
    return new Entry(term, index, EntryType.CONFIG, MembershipCodec.encode(List.of(members)));
  }

  /**
   * Nine entries of every kind over terms 1..4: a configuration, no-ops, a put with a session, a
   * put with a binary key, a prefix delete, a compare-and-swap and a transaction.
   */
  static List<Entry> sample() {
    return List.of(
        config(1, 1, new MemberRecord("n1", "127.0.0.1:7001", true, false),
            new MemberRecord("n2", "127.0.0.1:7002", false, true)),
        Entry.noop(1, 2),
        command(1, 3, new KvCommand.Put(new Session(2, 1, 0), PROPOSED_AT, utf8("a"),
            utf8("hello world!"), false)),
        command(2, 4, new KvCommand.Put(Session.NONE, PROPOSED_AT, ESCAPE_KEY,
            new byte[] {0, 1, 2}, false)),
        command(2, 5, new KvCommand.Delete(Session.NONE, PROPOSED_AT, utf8("x/"), true, false)),
        command(2, 6, new KvCommand.CompareAndSwap(Session.NONE, PROPOSED_AT, utf8("b"),
            KvCommand.Expect.version(3), utf8("v2"), false)),
        command(3, 7, new KvCommand.Txn(Session.NONE, PROPOSED_AT,
            List.of(new KvCommand.Compare(utf8("a"), KvCommand.CompareOp.EQUAL,
                KvCommand.CompareTarget.VALUE, utf8("hello world!"), 0)),
            List.of(new KvCommand.Op(KvCommand.OpKind.PUT, utf8("c"), utf8("1"), false),
                new KvCommand.Op(KvCommand.OpKind.DELETE, utf8("d"), null, false)),
            List.of())),
        Entry.noop(4, 8),
        put(4, 9, "k9", "nine"));
  }

  /** Puts {@code [from, to]}, in term {@code term}, each with a 40-byte value. */
  static List<Entry> puts(long from, long to, long term) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(put(term, i, "key-" + i, "v".repeat(40)));
    }
    return out;
  }

  // ---------------------------------------------------------------- writing with the node's store

  /**
   * Writes {@code entries} into {@code dir} through the node's store, rolling at {@code
   * segmentBytes}, all synced, and a hard state in the last entry's term (a data directory as a
   * node leaves it).
   */
  static Path write(Path dir, long segmentBytes, List<Entry> entries) throws IOException {
    return write(dir, segmentBytes, entries, 0);
  }

  /**
   * As {@link #write(Path, long, List)}, but the last {@code unsynced} entries are appended after
   * the last sync: the tail a crash may tear.
   */
  static Path write(Path dir, long segmentBytes, List<Entry> entries, int unsynced)
      throws IOException {
    int synced = entries.size() - unsynced;
    try (SegmentedLogStore store = SegmentedLogStore.open(dir, NO_SYNC, segmentBytes)) {
      for (Entry e : entries.subList(0, synced)) {
        store.append(List.of(e)); // one append per entry, so that segments roll between entries
      }
      store.sync();
      if (unsynced > 0) {
        store.append(entries.subList(synced, entries.size()));
      }
    }
    long term = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).term();
    Files.write(dir.resolve(StateFileCheck.HARD_STATE),
        new HardStateRecord(term, null, 0).encode());
    return dir;
  }

  /** {@code entries} with the last {@code unsynced} of them written after the last sync. */
  static Path writeWithUnsyncedTail(Path dir, List<Entry> entries, int unsynced)
      throws IOException {
    return write(dir, SegmentedLogStore.DEFAULT_SEGMENT_BYTES, entries, unsynced);
  }

  static Path write(Path dir, List<Entry> entries) throws IOException {
    return write(dir, SegmentedLogStore.DEFAULT_SEGMENT_BYTES, entries);
  }

  /** Segment files of {@code dir} by name. */
  static List<Path> segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
  }

  /** Byte offset of the record of {@code index} in {@code file}, found by the shared scanner. */
  static long offsetOf(Path file, long index) throws IOException {
    long[] found = {-1};
    LogScanner.scan(file, (offset, size, r) -> {
      if (r.index() == index) {
        found[0] = offset;
      }
    }, false);
    if (found[0] < 0) {
      throw new IllegalArgumentException(file + " holds no index " + index);
    }
    return found[0];
  }

  /**
   * Writes a segment file record by record with the shared codec, for layouts the store never
   * produces on its own (a term going down across files).
   */
  static void writeSegment(Path file, List<LogRecord> records) throws IOException {
    int size = FileHeader.SIZE;
    for (LogRecord r : records) {
      size += LogRecordCodec.framedSize(r.payload().length);
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    new FileHeader(FileKind.LOG_SEGMENT, 1).writeTo(buf); // version 1: no sync marks to write
    for (LogRecord r : records) {
      LogRecordCodec.write(buf, r);
    }
    Files.write(file, buf.array());
  }

  // ---------------------------------------------------------------- damage

  static void flipBit(Path file, long offset) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[(int) offset] ^= 0x10;
    Files.write(file, b);
  }

  static void truncate(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  // ---------------------------------------------------------------- running

  /** What one run printed and returned. */
  record Run(int exit, String out, String err) {
    List<String> outLines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  static Run inspect(Path path, LogInspector.Options options) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = LogInspector.run(path, options, new PrintWriter(out), new PrintWriter(err));
    return new Run(exit, out.toString(), err.toString());
  }

  static Run inspect(Path path) {
    return inspect(path, LogInspector.Options.defaults());
  }

  /** {@code --verify --entries}. */
  static LogInspector.Options verify() {
    return new LogInspector.Options(0, Long.MAX_VALUE, Set.of(), true, false);
  }

  /** {@code --verify} as the command gives it: the summary and the verdict, no entries. */
  static LogInspector.Options verifyOnly(boolean json) {
    return new LogInspector.Options(0, Long.MAX_VALUE, Set.of(), true, json, false);
  }

  static LogInspector.Options json(boolean verify) {
    return new LogInspector.Options(0, Long.MAX_VALUE, Set.of(), verify, true);
  }

  // ---------------------------------------------------------------- change detection

  /** Every file under {@code dir} with its bytes and modification time. */
  static Map<Path, String> fingerprint(Path dir) {
    Map<Path, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(p)) {
          byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
          out.put(p, HexFormat.of().formatHex(digest) + " " + Files.getLastModifiedTime(p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
