package io.lattice.node;

import io.lattice.storage.FreeSpace;
import io.lattice.storage.HardStateStore;
import io.lattice.storage.LogStore;
import io.lattice.storage.SnapshotStore;
import io.lattice.storage.SpaceReservation;
import java.util.Objects;

/**
 * The three durable stores of one server, the free space of the disk they are on (which the
 * {@link DiskSpaceMonitor} watches; {@link FreeSpace#UNLIMITED} for stores that are not on a disk),
 * and the room kept on it for the hard state (the one the hard-state store falls back on; {@link
 * SpaceReservation#NONE} without a disk).
 */
public record NodeStorage(LogStore log, HardStateStore hardState, SnapshotStore snapshots,
    FreeSpace freeSpace, SpaceReservation reservation) {
  public NodeStorage {
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(hardState, "hardState");
    Objects.requireNonNull(snapshots, "snapshots");
    Objects.requireNonNull(freeSpace, "freeSpace");
    Objects.requireNonNull(reservation, "reservation");
  }

  /** Stores on a disk with the given free space and no space reservation. */
  public NodeStorage(LogStore log, HardStateStore hardState, SnapshotStore snapshots,
      FreeSpace freeSpace) {
    this(log, hardState, snapshots, freeSpace, SpaceReservation.NONE);
  }

  /** Stores whose disk never fills. */
  public NodeStorage(LogStore log, HardStateStore hardState, SnapshotStore snapshots) {
    this(log, hardState, snapshots, FreeSpace.UNLIMITED);
  }
}
