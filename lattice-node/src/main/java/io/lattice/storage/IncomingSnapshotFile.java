package io.lattice.storage;

import io.lattice.format.SnapshotHeader;
import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot received from the leader, written chunk by chunk straight into the format of {@link
 * FileSnapshotStore} (header, then data) under a temporary name in the snapshot directory: {@code
 * snap-<term>-<index>.snap.recv-<n>.tmp}. That name never matches a snapshot, and the store deletes
 * leftover temp files when it opens, so a transfer cut off by a crash or a broken stream leaves
 * nothing that could be mistaken for a snapshot. {@link #finish} checks length and CRC-32C,
 * fsyncs, and returns what {@link FileSnapshotStore#publish} renames into place.
 */
final class IncomingSnapshotFile implements SnapshotReceiver.Incoming {
  private static final Logger LOG = LoggerFactory.getLogger(IncomingSnapshotFile.class);
  private static final AtomicLong COUNTER = new AtomicLong();

  private final SnapshotMeta meta;
  private final long dataLength;
  private final int dataCrc;
  private final FileIo io;
  private final Path temp;
  private final Path target;
  private final FileChannel channel;
  private final CRC32C crc = new CRC32C();
  private long received;
  private boolean closed;

  private IncomingSnapshotFile(SnapshotMeta meta, long dataLength, int dataCrc, FileIo io,
      Path dir) throws IOException {
    if (dataLength < 0) {
      throw new IllegalArgumentException("negative snapshot length " + dataLength);
    }
    this.meta = meta;
    this.dataLength = dataLength;
    this.dataCrc = dataCrc;
    this.io = io;
    this.target = dir.resolve(FileSnapshotStore.fileName(meta.term(), meta.index()));
    this.temp = target.resolveSibling(target.getFileName() + ".recv-"
        + COUNTER.incrementAndGet() + AtomicFiles.TEMP_SUFFIX);
    this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    try {
      // The header's checksum fields are known up front: the leader declares them.
      ByteBuffer header = ByteBuffer.wrap(new SnapshotHeader(meta.index(), meta.term(),
          meta.membership().encode(), dataLength, dataCrc).encode());
      while (header.hasRemaining()) {
        channel.write(header);
      }
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  /** A receiver writing into {@code <dataDir>/snapshots}, which must exist. */
  static SnapshotReceiver in(Path dataDir, FileIo io) {
    Path dir = dataDir.resolve(FileSnapshotStore.DIR_NAME);
    return (meta, dataLength, dataCrc) -> new IncomingSnapshotFile(meta, dataLength, dataCrc, io,
        dir);
  }

  @Override
  public void write(ByteBuffer chunk) throws IOException {
    checkOpen();
    if (received + chunk.remaining() > dataLength) {
      abort();
      throw new IllegalArgumentException("snapshot data passes its declared length " + dataLength);
    }
    try {
      crc.update(chunk.duplicate());
      int n = chunk.remaining();
      while (chunk.hasRemaining()) {
        channel.write(chunk);
      }
      received += n;
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
  }

  @Override
  public long received() {
    return received;
  }

  @Override
  public SnapshotStore.Staged finish() throws IOException {
    checkOpen();
    try {
      verify(received, dataLength, (int) crc.getValue(), dataCrc);
      io.force(channel, temp);
      channel.close();
      closed = true;
    } catch (IOException | RuntimeException e) {
      abort();
      throw e;
    }
    return new FileSnapshotStore.FileStaged(meta, temp, target);
  }

  @Override
  public void abort() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // deleting it is what matters
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      LOG.warn("Could not delete the partial snapshot {}: {}", temp, e.toString());
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("snapshot transfer already finished or aborted");
    }
  }

  /** Throws IllegalArgumentException unless the received length and checksum are the declared. */
  static void verify(long received, long declared, int crc, int declaredCrc) {
    if (received != declared) {
      throw new IllegalArgumentException("snapshot ended at " + received + " of " + declared
          + " bytes");
    }
    if (crc != declaredCrc) {
      throw new IllegalArgumentException("snapshot CRC-32C mismatch: received "
          + Integer.toHexString(crc) + ", declared " + Integer.toHexString(declaredCrc));
    }
  }
}
