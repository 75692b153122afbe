package io.lattice.node;

import io.lattice.storage.HardStateStore;
import io.lattice.storage.LogStore;
import io.lattice.storage.SnapshotStore;
import java.util.Objects;

/** The three durable stores of one server. */
public record NodeStorage(LogStore log, HardStateStore hardState, SnapshotStore snapshots) {
  public NodeStorage {
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(hardState, "hardState");
    Objects.requireNonNull(snapshots, "snapshots");
  }
}
