package io.lattice.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes a {@link BackupFile} as its snapshot streams in: into {@code FILE.part} beside the target,
 * whose header is written last (it holds the length and checksum), then fsynced and renamed over
 * the target. A failed or abandoned write ({@link #close} before {@link #commit}) deletes the part
 * file: the target is either the old file or a complete, verified backup.
 */
public final class BackupWriter implements AutoCloseable {
  private final Path target;
  private final Path part;
  private final FileChannel ch;
  private final BackupFile.Meta declared;
  private final int headerSize;
  private final CRC32C crc = new CRC32C();
  private long written;
  private boolean committed;

  private BackupWriter(Path target, Path part, FileChannel ch, BackupFile.Meta declared) {
    this.target = target;
    this.part = part;
    this.ch = ch;
    this.declared = declared;
    this.headerSize = declared.encodedSize();
  }

  /**
   * Starts a backup of a snapshot file of {@code snapshotLength} bytes.
   *
   * @param meta where it comes from; its length and checksum fields are filled in by {@link
   *     #commit}
   */
  public static BackupWriter create(Path target, BackupFile.Meta meta) throws IOException {
    Path abs = target.toAbsolutePath();
    Path part = abs.resolveSibling(abs.getFileName() + ".part");
    FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    BackupWriter w = new BackupWriter(abs, part, ch, meta);
    ch.position(w.headerSize);
    return w;
  }

  /** Appends the next bytes of the snapshot file. */
  public void write(ByteBuffer bytes) throws IOException {
    int n = bytes.remaining();
    if (written + n > declared.snapshotLength()) {
      throw new IOException("the server sent more than the " + declared.snapshotLength()
          + " bytes it announced");
    }
    crc.update(bytes.duplicate());
    while (bytes.hasRemaining()) {
      ch.write(bytes);
    }
    written += n;
  }

  /** Bytes of the snapshot file written so far. */
  public long written() {
    return written;
  }

  /**
   * Checks that everything announced arrived with the checksum the server sent, writes the
   * header, fsyncs and renames the file into place, and verifies it as {@code snapshot status}
   * would.
   *
   * @throws IOException if a byte is missing or the checksum differs (nothing is left behind)
   */
  public BackupFile.Verified commit(int serverCrc) throws IOException {
    if (written != declared.snapshotLength()) {
      throw new IOException("the stream ended after " + written + " of "
          + declared.snapshotLength() + " bytes");
    }
    if ((int) crc.getValue() != serverCrc) {
      throw new IOException("the bytes received do not match the server's checksum (CRC-32C)");
    }
    BackupFile.Meta m = new BackupFile.Meta(declared.clusterId(), declared.memberId(),
        declared.createdMillis(), declared.version(), written, serverCrc);
    ByteBuffer header = ByteBuffer.wrap(m.encode());
    long at = 0;
    while (header.hasRemaining()) {
      at += ch.write(header, at);
    }
    ch.force(true);
    ch.close();
    try {
      BackupFile.Verified v = BackupFile.verify(part);
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException ignored) {
        // some file systems cannot fsync a directory; the file itself is synced
      }
      committed = true;
      return v;
    } catch (FormatException e) {
      throw new IOException("the backup does not verify after writing: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    if (ch.isOpen()) {
      ch.close();
    }
    if (!committed) {
      Files.deleteIfExists(part);
    }
  }
}
