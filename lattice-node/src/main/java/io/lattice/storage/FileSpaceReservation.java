package io.lattice.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The {@link SpaceReservation} of a data directory: a file of real bytes ({@value
 * SpaceReservation#FILE_NAME}, {@value SpaceReservation#DEFAULT_BYTES} bytes by default) that the
 * node deletes when a save of its term and vote meets a full disk (ENOSPC), so that the save can be
 * retried in the blocks it freed.
 *
 * <p>Why: a vote or a new term must be durable before any message that depends on it goes out, and
 * the core has already handed it over when it is saved, so a save that fails stops the node. The
 * hard state is replaced atomically (temp file, rename), which needs a free block or two; on a disk
 * that something else filled to the last byte, the reservation is where they come from. One
 * megabyte is 256 blocks of 4 KiB where a save needs one at a time (the rename frees the block of
 * the file it replaces); the rest covers a new leader's no-op and a log batch in flight.
 *
 * <p>The file is written with real, incompressible bytes and synced: a sparse or preallocated-only
 * file, or zeros on a compressing file system, would reserve nothing. It is recreated ({@link
 * #ensure}) once free space is back. While it is missing the node holds the NO_SPACE alarm, see
 * {@code io.lattice.node.DiskSpaceMonitor}.
 *
 * <p>Not thread-safe: used by the node's loop thread only (the hard-state saves and the monitor).
 */
public final class FileSpaceReservation implements SpaceReservation {
  private static final int CHUNK = 64 << 10;
  private static final long FILLER_SEED = 0x5EED_F111L;

  private final Path file;
  private final FileIo io;
  private final int bytes;
  /** Whether the file is known to be in place, whole and durable. */
  private boolean held;

  /**
   * A reservation of {@code bytes} in {@code dataDir}, not yet checked: call {@link #ensure} to
   * create it (or find it in place).
   */
  public FileSpaceReservation(Path dataDir, FileIo io, int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0");
    }
    this.file = dataDir.resolve(FILE_NAME);
    this.io = Objects.requireNonNull(io, "io");
    this.bytes = bytes;
  }

  /** The reservation's file. */
  public Path file() {
    return file;
  }

  @Override
  public long bytes() {
    return bytes;
  }

  @Override
  public String name() {
    return FILE_NAME;
  }

  @Override
  public boolean held() {
    return held;
  }

  /**
   * Makes sure the file is in place with its full size, creating it (temp file, fsync, rename,
   * fsync of the directory) if it is missing or short. Returns whether it is in place; false when
   * the disk has no room for it (ENOSPC: nothing is left behind). Costs one {@code stat} when it
   * is already there.
   *
   * @throws IOException any other failure to create it
   */
  @Override
  public boolean ensure() throws IOException {
    if (Files.isRegularFile(file) && Files.size(file) == bytes) {
      held = true;
      return true;
    }
    held = false;
    Path temp = file.resolveSibling(FILE_NAME + AtomicFiles.TEMP_SUFFIX);
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFiller(ch);
        io.force(ch, temp);
      }
      io.rename(temp, file);
      io.fsyncDirectory(file.getParent());
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      if (FreeSpace.isNoSpace(e)) {
        return false;
      }
      throw e;
    }
    held = true;
    return true;
  }

  /**
   * Deletes the file to give its blocks back, durably (the directory is synced, which also lets a
   * journaling file system reuse them at once). Returns whether there was a file to give: false
   * when it was already released or could not be created.
   */
  @Override
  public boolean release() throws IOException {
    held = false;
    boolean existed = Files.deleteIfExists(file);
    if (existed) {
      io.fsyncDirectory(file.getParent());
    }
    return existed;
  }

  /** Fills the file with bytes no file system compresses or skips (a fixed pseudo-random run). */
  private void writeFiller(FileChannel ch) throws IOException {
    SplittableRandom random = new SplittableRandom(FILLER_SEED);
    byte[] chunk = new byte[Math.min(CHUNK, Math.max(bytes, 1))];
    long position = 0;
    while (position < bytes) {
      for (int i = 0; i < chunk.length; i += 8) {
        long r = random.nextLong();
        for (int k = 0; k < 8 && i + k < chunk.length; k++) {
          chunk[i + k] = (byte) (r >>> (8 * k));
        }
      }
      ByteBuffer buf = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, bytes - position));
      while (buf.hasRemaining()) {
        position += io.write(ch, buf, position);
      }
    }
  }
}
