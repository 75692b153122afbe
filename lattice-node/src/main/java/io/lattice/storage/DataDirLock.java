package io.lattice.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, held for as long as a node (or {@code lattice-node
 * repair}) uses it. Two processes writing one Raft log would corrupt it in ways no checksum
 * catches, so the second one must refuse to start.
 *
 * <p>The lock is an OS advisory lock ({@code flock}/{@code fcntl}) on the file {@value #FILE_NAME}:
 * the OS drops it when the process dies, even by SIGKILL, so a crash never leaves a stale lock to
 * clean up by hand. The file itself stays; its presence means nothing.
 */
public final class DataDirLock implements AutoCloseable {
  /** The lock file's name inside the data directory. */
  public static final String FILE_NAME = "LOCK";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dataDir} (creating the directory if needed).
   *
   * @throws IOException if another process (or this one) holds it; the message names the
   *     directory and what to do
   */
  public static DataDirLock acquire(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this JVM already
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new IOException("data directory " + dataDir + " is in use by another lattice-node"
          + " (it holds the lock on " + file + "); stop that node first, or pick another"
          + " --data-dir");
    }
    return new DataDirLock(ch, lock);
  }

  /** Releases the lock; never throws. */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException | RuntimeException ignored) {
      // closing the channel below releases it too
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // the OS releases the lock when the process exits at the latest
    }
  }
}
