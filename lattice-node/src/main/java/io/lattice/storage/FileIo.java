package io.lattice.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The file-system operations whose failure matters for durability, behind one seam so that tests
 * can inject failures (a failing fsync above all). Production code uses {@link #SYSTEM}.
 */
public interface FileIo {
  /** Makes a file's data durable (fdatasync). */
  void force(FileChannel channel, Path file) throws IOException;

  /** Makes the directory's entries (creations, renames, deletions) durable. */
  void fsyncDirectory(Path dir) throws IOException;

  /** Renames {@code from} to {@code to} atomically, replacing {@code to}. */
  void rename(Path from, Path to) throws IOException;

  /**
   * Writes bytes of {@code src} at {@code position} (one positional write, which may be short);
   * returns how many. The log's appends go through here, so that tests can fill the disk (an
   * {@code IOException("No space left on device")}, see {@link FreeSpace#isNoSpace}).
   */
  default int write(FileChannel channel, ByteBuffer src, long position) throws IOException {
    return channel.write(src, position);
  }

  FileIo SYSTEM = new SystemFileIo();
}
