package io.lattice.node;

import io.lattice.storage.FreeSpace;
import io.lattice.storage.HardStateStore;
import io.lattice.storage.LogStore;
import io.lattice.storage.SnapshotStore;
import java.util.Objects;

/**
 * The three durable stores of one server, and the free space of the disk they are on (which the
 * {@link DiskSpaceMonitor} watches; {@link FreeSpace#UNLIMITED} for stores that are not on a disk).
 */
public record NodeStorage(LogStore log, HardStateStore hardState, SnapshotStore snapshots,
    FreeSpace freeSpace) {
  public NodeStorage {
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(hardState, "hardState");
    Objects.requireNonNull(snapshots, "snapshots");
    Objects.requireNonNull(freeSpace, "freeSpace");
  }

  /** Stores whose disk never fills. */
  public NodeStorage(LogStore log, HardStateStore hardState, SnapshotStore snapshots) {
    this(log, hardState, snapshots, FreeSpace.UNLIMITED);
  }
}
