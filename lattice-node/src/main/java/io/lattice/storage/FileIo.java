package io.lattice.storage;

import java.io.IOException;
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

  FileIo SYSTEM = new SystemFileIo();
}
