package io.lattice.storage;

import io.lattice.format.FormatException;
import io.lattice.format.SnapshotHeader;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SnapshotStore} as files {@code <data>/snapshots/snap-<term>-<index>.snap}: a
 * {@link SnapshotHeader} (index, term, membership, data length and checksum) then the data. Written
 * to a temp file, fsynced, renamed, and the directory fsynced; the newest {@value #KEEP} are kept.
 * {@link #latest()} returns the newest one whose checksums verify, skipping (with a warning) any
 * that do not. A file found damaged while it was streamed is {@linkplain #setAside set aside} as
 * {@code <name>.damaged<n>}: out of the store's sight (never listed, pruned or deleted), kept for
 * the operator.
 */
public final class FileSnapshotStore implements SnapshotStore {
  public static final String DIR_NAME = "snapshots";
  static final int KEEP = 2;
  /** What a snapshot set aside as damaged is renamed to: {@code <name>.damaged<n>}. */
  public static final String DAMAGED_SUFFIX = ".damaged";
  private static final Pattern NAME = Pattern.compile("snap-(\\d+)-(\\d+)\\.snap");
  private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

  private final Path dir;
  private final FileIo io;
  private final AtomicLong stagings = new AtomicLong();
  /** The newest snapshot's {@link Source}, read from its header once; null: to be looked up. */
  private volatile FileSource newest;

  public FileSnapshotStore(Path dataDir, FileIo io) throws IOException {
    this.dir = dataDir.resolve(DIR_NAME);
    this.io = io;
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().endsWith(AtomicFiles.TEMP_SUFFIX)) {
          Files.delete(p); // an interrupted save
        }
      }
    }
  }

  public Path directory() {
    return dir;
  }

  static String fileName(long term, long index) {
    return "snap-" + term + "-" + index + ".snap";
  }

  @Override
  public void save(SnapshotMeta meta, byte[] data) throws IOException {
    publish(stage(meta, out -> out.write(data)));
  }

  /**
   * A snapshot written and fsynced to its temp file, to be renamed into place by publish; made by
   * {@link #stage} or by a {@link #receiver} transfer.
   */
  record FileStaged(SnapshotMeta meta, Path temp, Path target) implements Staged {}

  /**
   * Where snapshots arriving from the leader are written, chunk by chunk, for this store (or any
   * other store on {@code dataDir}) to {@link #publish}. Needs no store instance, so the transport
   * can be given one while the node is being built. The snapshot directory is created by the
   * store when it opens; until then a transfer fails (and the leader retries).
   */
  public static SnapshotReceiver receiver(Path dataDir, FileIo io) {
    return IncomingSnapshotFile.in(dataDir, io);
  }

  /**
   * {@inheritDoc} Streams the data into {@code <name>.tmp} behind a header whose length and
   * checksum are filled in once the data is written, then fsyncs the file. Touches no other file,
   * so it is safe next to {@link #latest()}, {@link #publish} and {@link #save} on another thread.
   * On any failure (a full disk above all) the temp file is deleted before the exception leaves:
   * a failed stage leaves no partial file and holds no space.
   */
  @Override
  public Staged stage(SnapshotMeta meta, SnapshotWriter data) throws IOException {
    Path target = dir.resolve(fileName(meta.term(), meta.index()));
    // Unique: a snapshot from the leader may be saved while a local one of the same index stages.
    Path temp = target.resolveSibling(target.getFileName() + "." + stagings.incrementAndGet()
        + AtomicFiles.TEMP_SUFFIX);
    byte[] membership = meta.membership().encode();
    int headerSize = new SnapshotHeader(meta.index(), meta.term(), membership, 0, 0).encodedSize();
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.position(headerSize);
      CRC32C crc = new CRC32C();
      CountingOutputStream counted = new CountingOutputStream(new CheckedOutputStream(
          Channels.newOutputStream(ch), crc));
      try (OutputStream out = new BufferedOutputStream(new NonClosing(counted), 1 << 16)) {
        data.writeTo(out);
      }
      byte[] header = new SnapshotHeader(meta.index(), meta.term(), membership, counted.count(),
          (int) crc.getValue()).encode();
      ByteBuffer buf = ByteBuffer.wrap(header);
      long at = 0;
      while (buf.hasRemaining()) {
        at += ch.write(buf, at);
      }
      io.force(ch, temp);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return new FileStaged(meta, temp, target);
  }

  @Override
  public void publish(Staged staged) throws IOException {
    if (staged instanceof Buffered b) {
      save(b.meta(), b.data());
      return;
    }
    if (!(staged instanceof FileStaged f)) {
      throw new IllegalArgumentException("not staged by this store: " + staged);
    }
    newest = null;
    try {
      io.rename(f.temp(), f.target());
    } catch (IOException | RuntimeException e) {
      // Not published: nothing changed but the temp file, which must not hold on to the space.
      Files.deleteIfExists(f.temp());
      throw e;
    }
    io.fsyncDirectory(dir);
    prune();
  }

  @Override
  public void discard(Staged staged) {
    if (staged instanceof FileStaged f) {
      try {
        Files.deleteIfExists(f.temp());
      } catch (IOException e) {
        LOG.warn("Could not delete the unused snapshot {}: {}", f.temp(), e.toString());
      }
    }
  }

  /**
   * {@inheritDoc} Renames the file to {@code <name>.damaged} (or {@code .damaged2}, ... if that is
   * taken) and fsyncs the directory, logging once what happened and what to do.
   */
  @Override
  public boolean setAside(Source damaged) throws IOException {
    if (!(damaged instanceof FileSource f) || !f.file().getParent().equals(dir)
        || !Files.exists(f.file())) {
      return false;
    }
    String name = f.file().getFileName().toString();
    Path aside = dir.resolve(name + DAMAGED_SUFFIX);
    for (int n = 2; Files.exists(aside); n++) {
      aside = dir.resolve(name + DAMAGED_SUFFIX + n);
    }
    newest = null;
    io.rename(f.file(), aside);
    io.fsyncDirectory(dir);
    LOG.error("Snapshot {} ({} bytes) failed its checksum while being read: its data is damaged on "
        + "disk. Set it aside as {} and taking a fresh snapshot in its place. Check the disk "
        + "(kernel log, SMART); the set-aside file is not used again and may be deleted once "
        + "examined.", f.file(), f.dataLength(), aside.getFileName());
    return true;
  }

  /** Counts the bytes written through it. */
  private static final class CountingOutputStream extends FilterOutputStream {
    private long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    long count() {
      return count;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }

  /** Flushes but does not close: the channel is closed (after the fsync) by its owner. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** Deletes all but the newest {@value #KEEP} snapshots. */
  private void prune() throws IOException {
    List<Path> files = listNewestFirst();
    for (Path old : files.subList(Math.min(KEEP, files.size()), files.size())) {
      Files.deleteIfExists(old);
    }
  }

  private List<Path> listNewestFirst() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
    }
    out.sort(Comparator.comparingLong(FileSnapshotStore::indexOf).reversed());
    return out;
  }

  private static long indexOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    m.matches();
    return Long.parseLong(m.group(2));
  }

  /**
   * The snapshot files of the data directory {@code dataDir}, intact or not, by name only (nothing
   * is read, created or deleted): none if it has no snapshot directory.
   */
  static List<Path> listFiles(Path dataDir) throws IOException {
    Path dir = dataDir.resolve(DIR_NAME);
    List<Path> out = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        files.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
      }
    }
    return out;
  }

  /** The term in the name of a file listed by {@link #listFiles}. */
  static long termOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    m.matches();
    return Long.parseLong(m.group(1));
  }

  @Override
  public Optional<Snapshot> latest() throws IOException {
    for (Path p : listNewestFirst()) {
      try {
        return Optional.of(read(p));
      } catch (CorruptStorageException e) {
        LOG.warn("Skipping damaged snapshot: {}", e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * {@inheritDoc} Reads only the newest file's header (once: it is remembered until the next
   * publish), skipping files whose header is damaged. Whether the data is intact is checked by
   * whoever streams it.
   */
  @Override
  public Optional<Source> latestSource() throws IOException {
    FileSource cached = newest;
    if (cached != null && Files.exists(cached.file())) {
      return Optional.of(cached);
    }
    for (Path p : listNewestFirst()) {
      try {
        FileSource s = FileSource.open(p);
        newest = s;
        return Optional.of(s);
      } catch (CorruptStorageException e) {
        LOG.warn("Skipping damaged snapshot: {}", e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * Reads and verifies one snapshot file.
   *
   * @throws CorruptStorageException if its header or data does not verify
   */
  public static Snapshot read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    try {
      SnapshotHeader h = SnapshotHeader.decode(buf);
      if (h.dataLength() != buf.remaining()) {
        throw new FormatException("snapshot data is " + buf.remaining() + " bytes, the header says "
            + h.dataLength(), buf.position());
      }
      byte[] data = new byte[buf.remaining()];
      int dataStart = buf.position();
      buf.get(data);
      CRC32C crc = new CRC32C();
      crc.update(data);
      if ((int) crc.getValue() != h.dataCrc()) {
        throw new FormatException("snapshot data checksum mismatch", dataStart);
      }
      Membership membership;
      try {
        membership = Membership.decode(h.membership());
      } catch (IllegalArgumentException e) {
        throw new FormatException("snapshot membership: " + e.getMessage(), 28);
      }
      return new Snapshot(new SnapshotMeta(h.lastIndex(), h.lastTerm(), membership), data);
    } catch (FormatException e) {
      throw new CorruptStorageException(file, Math.max(0, e.offset()),
          "damaged snapshot: " + e.getMessage(),
          "An older snapshot (or the leader) will be used instead; delete the file to silence this.");
    }
  }
}
