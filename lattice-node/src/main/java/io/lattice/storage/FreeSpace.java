package io.lattice.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many bytes may still be written to the file system that holds a data directory. The node
 * reads it often (a disk-space alarm, see {@code io.lattice.node.DiskSpaceMonitor}), so an
 * implementation must be cheap: {@link #of(Path)} resolves the directory's {@link FileStore} once
 * and then costs one {@code statvfs} per call, whatever the size of the data. Tests inject their
 * own, to fill and free a disk at will.
 */
@FunctionalInterface
public interface FreeSpace {
  /** Bytes available to this process (not to root) on the data directory's file system. */
  long usableBytes() throws IOException;

  /** A disk that never fills (the in-memory stores of tests and the simulator). */
  FreeSpace UNLIMITED = () -> Long.MAX_VALUE;

  /** The free space of the file system holding {@code dir}, which must exist. */
  static FreeSpace of(Path dir) throws IOException {
    FileStore store = Files.getFileStore(dir);
    return store::getUsableSpace;
  }

  /**
   * Whether {@code e} (or one of its causes) is the operating system's "no space left on device"
   * (ENOSPC; EDQUOT, a full quota, counts too). Java reports them only as an {@link IOException}
   * whose message is the system's text, so this is the one place that reads it.
   */
  static boolean isNoSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (t instanceof IOException && m != null
          && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
