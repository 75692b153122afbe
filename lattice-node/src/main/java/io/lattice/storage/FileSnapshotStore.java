package io.lattice.storage;

import io.lattice.format.FormatException;
import io.lattice.format.SnapshotHeader;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SnapshotStore} as files {@code <data>/snapshots/snap-<term>-<index>.snap}: a
 * {@link SnapshotHeader} (index, term, membership, data length and checksum) then the data. Written
 * to a temp file, fsynced, renamed, and the directory fsynced; the newest {@value #KEEP} are kept.
 * {@link #latest()} returns the newest one whose checksums verify, skipping (with a warning) any
 * that do not.
 */
public final class FileSnapshotStore implements SnapshotStore {
  public static final String DIR_NAME = "snapshots";
  static final int KEEP = 2;
  private static final Pattern NAME = Pattern.compile("snap-(\\d+)-(\\d+)\\.snap");
  private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

  private final Path dir;
  private final FileIo io;

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
    CRC32C crc = new CRC32C();
    crc.update(data);
    SnapshotHeader header = new SnapshotHeader(meta.index(), meta.term(),
        meta.membership().encode(), data.length, (int) crc.getValue());
    Path target = dir.resolve(fileName(meta.term(), meta.index()));
    Path temp = target.resolveSibling(target.getFileName() + AtomicFiles.TEMP_SUFFIX);
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer[] parts = {ByteBuffer.wrap(header.encode()), ByteBuffer.wrap(data)};
      while (parts[1].hasRemaining() || parts[0].hasRemaining()) {
        ch.write(parts);
      }
      io.force(ch, temp);
    }
    io.rename(temp, target);
    io.fsyncDirectory(dir);
    prune();
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
