package io.lattice.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Atomic replacement of a small file: write a temp file, fsync it, rename it over the target,
 * fsync the directory. A crash at any point leaves either the old or the new content; a failure
 * before the rename (a full disk) deletes the temp file and leaves the old content, so that the
 * same replacement can be tried again.
 */
final class AtomicFiles {
  static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  static void replace(FileIo io, Path target, byte[] content) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
    try {
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          io.write(ch, buf, buf.position()); // through the seam: tests fill the disk here
        }
        io.force(ch, temp);
      }
      io.rename(temp, target);
    } catch (IOException | RuntimeException e) {
      // The target is untouched; leave no half-written temp behind (on a full disk it holds the
      // space the next attempt needs).
      Files.deleteIfExists(temp);
      throw e;
    }
    io.fsyncDirectory(target.getParent());
  }
}
