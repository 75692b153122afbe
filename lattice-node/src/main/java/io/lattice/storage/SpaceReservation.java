package io.lattice.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Room kept on the data directory's disk for the hard state: what a save of the term and vote
 * that meets a full disk (ENOSPC) releases, to be retried in the room that freed; recreated once
 * free space is back. See {@link FileSpaceReservation} for the file that holds it and why, and
 * {@code io.lattice.node.DiskSpaceMonitor} for the alarm a missing reservation raises.
 *
 * <p>Not thread-safe: used by the node's loop thread only (the hard-state saves and the monitor).
 */
public interface SpaceReservation {
  String FILE_NAME = "space.reserve";
  int DEFAULT_BYTES = 1 << 20;

  /** Whether the reservation is in place. */
  boolean held();

  /**
   * Makes sure the reservation is in place, making it if it is not. Returns whether it is; false
   * when the disk has no room for it (nothing is left behind).
   *
   * @throws IOException any other failure to make it
   */
  boolean ensure() throws IOException;

  /** Gives the room back, durably. Returns whether there was any to give. */
  boolean release() throws IOException;

  /** Its size in bytes. */
  long bytes();

  /** What it is, for operators: e.g. its file's name. */
  String name();

  /** {@value #DEFAULT_BYTES} bytes in {@code dataDir}'s file {@value #FILE_NAME}, not yet made. */
  static SpaceReservation inDirectory(Path dataDir, FileIo io) {
    return new FileSpaceReservation(dataDir, io, DEFAULT_BYTES);
  }

  /** A reservation that holds nothing and is never missing: for stores that are not on a disk. */
  SpaceReservation NONE = new SpaceReservation() {
    @Override
    public boolean held() {
      return true;
    }

    @Override
    public boolean ensure() {
      return true;
    }

    @Override
    public boolean release() {
      return false;
    }

    @Override
    public long bytes() {
      return 0;
    }

    @Override
    public String name() {
      return "none";
    }
  };
}
