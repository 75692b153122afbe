package io.lattice.sim;

import io.lattice.node.NodeStorage;
import io.lattice.raft.HardState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.HardStateStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * One simulated server's disk: an in-memory log with a volatile write cache ({@link MemLogStore}),
 * and hard-state and snapshot stores whose saves are atomic and durable when they return. The disk
 * outlives the node's process: a crash only throws away what was not synced.
 *
 * <p>Fault injection: the next durable operation (log sync, hard-state save, snapshot save) can be
 * armed to fail with an {@link IOException} (a failed fsync) or to crash the process right before
 * it takes effect.
 */
final class SimDisk {
  enum Fault {
    NONE,
    /** The next durable operation throws an IOException and takes no effect. */
    FAIL_SYNC,
    /** The process dies right before the next durable operation takes effect. */
    CRASH_BEFORE_SYNC
  }

  private final MemLogStore log = new MemLogStore(this);
  private HardState hardState = HardState.INITIAL;
  private SnapshotStore.Snapshot snapshot;
  private Fault fault = Fault.NONE;
  /** Durable operations to let through before the armed fault strikes. */
  private int skip;
  private final BiConsumer<SnapshotMeta, byte[]> onSnapshotSaved;

  /**
   * A broken disk that acknowledges syncs of the log without making anything durable (some
   * consumer drives with write caches do). Only for checking that the simulation's checks notice.
   */
  private boolean lies;

  void setLies(boolean lies) {
    this.lies = lies;
  }

  boolean lies() {
    return lies;
  }

  SimDisk(BiConsumer<SnapshotMeta, byte[]> onSnapshotSaved) {
    this.onSnapshotSaved = onSnapshotSaved;
  }

  MemLogStore log() {
    return log;
  }

  void arm(Fault f) {
    arm(f, 0);
  }

  /** Arms {@code f} for the durable operation after the next {@code skip} ones. */
  void arm(Fault f, int skip) {
    fault = f;
    this.skip = skip;
  }

  Fault armed() {
    return fault;
  }

  NodeStorage storage() {
    return new NodeStorage(log, hardStateStore, snapshotStore);
  }

  /** Power loss: unsynced log writes are lost except the first {@code keep}. */
  void crash(int keep) {
    fault = Fault.NONE;
    log.crash(keep);
  }

  /**
   * A damaged log repaired by {@code lattice-node repair} (DataDirRepair): entries after {@code
   * keepUpTo} are gone, and the hard state records the index the log held before, below which the
   * server may not vote. Returns whether anything was dropped.
   */
  boolean repair(long keepUpTo) {
    long before = log.durableLastIndex();
    if (keepUpTo >= before) {
      return false;
    }
    log.truncateDurableAfter(keepUpTo);
    hardState = new HardState(hardState.term(), hardState.votedFor(),
        Math.max(hardState.noVoteBelow(), before));
    return true;
  }

  void beforeWrite() {
    // Writes to the cache never fail in this model; only making them durable does.
  }

  void beforeSync() throws IOException {
    if (fault != Fault.NONE && skip-- > 0) {
      return;
    }
    Fault f = fault;
    fault = Fault.NONE;
    if (f == Fault.FAIL_SYNC) {
      throw new IOException("simulated fsync failure");
    }
    if (f == Fault.CRASH_BEFORE_SYNC) {
      throw new SimCrash("before sync");
    }
  }

  SnapshotStore.Snapshot latestSnapshot() {
    return snapshot;
  }

  HardState hardState() {
    return hardState;
  }

  private final HardStateStore hardStateStore = new HardStateStore() {
    @Override
    public HardState load() {
      return hardState;
    }

    @Override
    public void save(HardState state) throws IOException {
      beforeSync();
      hardState = state;
    }
  };

  private final SnapshotStore snapshotStore = new SnapshotStore() {
    @Override
    public void save(SnapshotMeta meta, byte[] data) throws IOException {
      beforeSync();
      onSnapshotSaved.accept(meta, data);
      if (snapshot == null || meta.index() > snapshot.meta().index()) {
        snapshot = new SnapshotStore.Snapshot(meta, data.clone());
      }
    }

    @Override
    public Optional<SnapshotStore.Snapshot> latest() {
      return Optional.ofNullable(snapshot);
    }
  };
}
