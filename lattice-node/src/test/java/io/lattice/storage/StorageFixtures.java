package io.lattice.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lattice.format.LogScan;
import io.lattice.format.LogScanner;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Shared builders for the storage tests: deterministic entries, file helpers, a log capture and
 * file-system seams that skip fsync (for speed) or fail it (for the failure tests).
 *
 * <p>Randomized tests here are seeded loops; a failure names its seed, and
 * {@code -Dlattice.seed=N} (forwarded by surefire) replays one seed.
 */
final class StorageFixtures {
  private StorageFixtures() {}

  // ---------------------------------------------------------------- entries

  /** A deterministic payload: the same (term, index, size) always gives the same bytes. */
  static byte[] payload(long term, long index, int size) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(term * 1_000_003L + index);
    for (int i = 0; i < size; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static Entry entry(long term, long index, int size) {
    EntryType type = switch ((int) (index % 7)) {
      case 0 -> EntryType.NOOP;
      case 3 -> EntryType.CONFIG;
      default -> EntryType.COMMAND;
    };
    byte[] data = type == EntryType.NOOP ? new byte[0] : payload(term, index, size);
    return new Entry(term, index, type, data);
  }

  /** Entries {@code [from, to]} of {@code term}, each with a {@code size}-byte payload. */
  static List<Entry> entries(long from, long to, long term, int size) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(term, i, size));
    }
    return out;
  }

  /** Entries {@code [from, to]} of {@code term}, random payload sizes in {@code [0, maxSize]}. */
  static List<Entry> randomEntries(Random rnd, long from, long to, long term, int maxSize) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(term, i, rnd.nextInt(maxSize + 1)));
    }
    return out;
  }

  static List<Entry> readAll(LogStore log) throws IOException {
    return log.lastIndex() < log.firstIndex()
        ? List.of()
        : log.read(log.firstIndex(), log.lastIndex());
  }

  // ---------------------------------------------------------------- files

  /** File names in {@code dir}, sorted. */
  static List<String> fileNames(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sealed segment files, in index order. */
  static List<Path> sealedSegments(Path dir) {
    try {
      return new ArrayList<>(SegmentedLogStore.listSealed(dir).values());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Byte offsets of the records of a segment file, in file order (verified by the scanner). */
  static List<Long> recordOffsets(Path file) throws IOException {
    List<Long> out = new ArrayList<>();
    LogScan scan = LogScanner.scan(file, (offset, size, r) -> out.add(offset), false);
    if (!scan.clean()) {
      throw new AssertionError("expected a clean segment: " + scan.problem().describe());
    }
    return out;
  }

  /**
   * Where the randomized tests put their many small files: tmpfs when there is one (what they check
   * does not depend on the file system, and a disk file system mounted with discard spends
   * milliseconds on every unlink), else the temp directory.
   */
  static Path scratchRoot() {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return shm;
    }
    return Path.of(System.getProperty("java.io.tmpdir"));
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- seeds

  /** A {@code -Dlattice.*} property as surefire forwards it: unset, empty or "${...}" mean none. */
  static String property(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank() || v.trim().startsWith("${")) {
      return null;
    }
    return v.trim();
  }

  // ---------------------------------------------------------------- logging

  /** Captures what one logger logs, and keeps it off the console while open. */
  static final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final boolean additive;

    LogCapture(Class<?> source) {
      logger = (Logger) LoggerFactory.getLogger(source);
      additive = logger.isAdditive();
      appender.start();
      logger.addAppender(appender);
      logger.setAdditive(false);
    }

    List<String> warnings() {
      return appender.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }

    void clear() {
      appender.list.clear();
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
      logger.setAdditive(additive);
      appender.stop();
    }
  }

  // ---------------------------------------------------------------- file-system seams

  /**
   * Real renames, no fsync at all: for the randomized tests, whose subject is what the stores read
   * back, not durability (and which would otherwise spend their time in fsync).
   */
  static final FileIo NO_SYNC = new FileIo() {
    @Override
    public void force(FileChannel channel, Path file) {}

    @Override
    public void fsyncDirectory(Path dir) {}

    @Override
    public void rename(Path from, Path to) throws IOException {
      FileIo.SYSTEM.rename(from, to);
    }
  };

  /** The real file system, except that chosen calls fail like a failed fsync (EIO). */
  static final class FailingFileIo implements FileIo {
    private final FileIo delegate;
    private int forceCalls;
    private int dirCalls;
    private int renameCalls;
    private int failForceAt = Integer.MAX_VALUE;
    private int failDirAt = Integer.MAX_VALUE;
    private int failRenameAt = Integer.MAX_VALUE;
    private boolean failed;

    FailingFileIo(FileIo delegate) {
      this.delegate = delegate;
    }

    /** The {@code n}th call of {@link #force} from now on (1 = the next) throws. */
    FailingFileIo failForce(int n) {
      failForceAt = forceCalls + n;
      return this;
    }

    FailingFileIo failFsyncDirectory(int n) {
      failDirAt = dirCalls + n;
      return this;
    }

    FailingFileIo failRename(int n) {
      failRenameAt = renameCalls + n;
      return this;
    }

    /** Whether an injected failure was thrown. */
    boolean failed() {
      return failed;
    }

    int forceCalls() {
      return forceCalls;
    }

    @Override
    public void force(FileChannel channel, Path file) throws IOException {
      if (++forceCalls == failForceAt) {
        failed = true;
        throw new IOException("injected fsync failure (EIO) on " + file);
      }
      delegate.force(channel, file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      if (++dirCalls == failDirAt) {
        failed = true;
        throw new IOException("injected directory fsync failure (EIO) on " + dir);
      }
      delegate.fsyncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      if (++renameCalls == failRenameAt) {
        failed = true;
        throw new IOException("injected rename failure on " + from);
      }
      delegate.rename(from, to);
    }
  }
}
