package io.lattice.sim;

import io.lattice.node.NodeStorage;
import io.lattice.raft.HardState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FreeSpace;
import io.lattice.storage.HardStateStore;
import io.lattice.storage.SnapshotStore;
import io.lattice.storage.SpaceReservation;
import io.lattice.storage.SnapshotWriter;
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
 *
 * <p>Disk full ({@link #fill}): the file system reports only {@code room} bytes free (what the
 * node's {@link FreeSpace} reads, so its NO_SPACE alarm sees it as on a real disk), log appends
 * use that room up, and a write that does not fit fails as the real stores fail on ENOSPC: with an
 * {@link IOException} whose message is the system's "No space left on device" ({@link
 * #noSpace}), taking no effect. Snapshots of the node's own state are written (staged) before
 * they are published, as the real store writes a temporary file and renames it: the write fails
 * when the snapshot does not fit or the episode says snapshots do not ({@code snapshotsFit}:
 * a real snapshot is the size of the whole state, far bigger than the log's next batch), and
 * so does the publishing of one staged before the disk filled. A snapshot from the leader is
 * written while it is received ({@link #refusesIncomingSnapshot}, checked at delivery, where the
 * real receiver's staging fails) and installing it afterwards is a rename that needs no room.
 * Hard-state saves need a little room for their temporary file but give it back; on a disk
 * without it they release the space reservation, as the real hard-state store does, and save in
 * the room it gives back (the reservation is outside {@code room}: a disk fills beside it). {@link
 * #freeSpace()} ends the episode.
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

  /** Bytes the file system still takes; {@link Long#MAX_VALUE} while the disk is not full. */
  private long room = Long.MAX_VALUE;
  private boolean snapshotsFit = true;
  /** Disk-full episodes so far. */
  private int fills;

  /** Disk-full episodes so far (tells one episode from the next). */
  int fills() {
    return fills;
  }

  /** The room left when the disk filled. */
  private long filledWith;
  /**
   * Room that covers what may still reach the log under the NO_SPACE alarm (in the simulation: a
   * few batches before the alarm is seen, new terms' no-ops and hard states); a disk filled with
   * less is full "to the last byte", past what the node's reserve is for.
   */
  static final long HEADROOM_BYTES = 8192;
  /** What a hard-state save needs for its temporary file (given back by the rename). */
  static final long HARD_STATE_BYTES = 64;
  /** The space reservation's size, as the real one's. */
  static final long RESERVATION_BYTES = SpaceReservation.DEFAULT_BYTES;
  private boolean reservationHeld;
  private long reservationsUsed;

  /** Hard-state saves that met a full disk and went into the reservation's room (whole run). */
  long reservationsUsed() {
    return reservationsUsed;
  }

  /** The data directory's space reservation, modelled on the disk's room. */
  private final SpaceReservation reservation = new SpaceReservation() {
    @Override
    public boolean held() {
      return reservationHeld;
    }

    @Override
    public boolean ensure() {
      if (!reservationHeld) {
        if (full() && room < RESERVATION_BYTES) {
          return false;
        }
        if (full()) {
          room -= RESERVATION_BYTES;
        }
        reservationHeld = true;
      }
      return true;
    }

    @Override
    public boolean release() {
      if (!reservationHeld) {
        return false;
      }
      reservationHeld = false;
      if (full()) {
        room += RESERVATION_BYTES;
      }
      return true;
    }

    @Override
    public long bytes() {
      return RESERVATION_BYTES;
    }

    @Override
    public String name() {
      return SpaceReservation.FILE_NAME;
    }
  };

  /**
   * The exception the real stores throw on ENOSPC (the JDK reports it only as an IOException with
   * the system's message, which {@code FreeSpace.isNoSpace} recognises).
   */
  static IOException noSpace(String what) {
    return new IOException(what + ": No space left on device");
  }

  /** The disk fills up: {@code room} bytes are left; snapshots fit in them or not. */
  void fill(long room, boolean snapshotsFit) {
    this.room = room;
    this.filledWith = room;
    fills++;
    this.snapshotsFit = snapshotsFit;
  }

  /** Space is freed: the disk is no longer full. */
  void freeSpace() {
    room = Long.MAX_VALUE;
    snapshotsFit = true;
  }

  /** Whether a disk-full episode is on. */
  boolean full() {
    return room != Long.MAX_VALUE;
  }

  private long snapshotWritesRefused;

  /** Snapshots of the node's own state that failed for want of space (over the whole run). */
  long snapshotWritesRefused() {
    return snapshotWritesRefused;
  }

  /** Whether the disk filled leaving the room the node's reserve is meant to keep. */
  boolean filledWithHeadroom() {
    return full() && filledWith >= HEADROOM_BYTES;
  }

  /** Bytes the file system still takes (Long.MAX_VALUE when not full). */
  long room() {
    return room;
  }

  /** Whether receiving a snapshot of {@code bytes} from the leader would fail for want of space. */
  boolean refusesIncomingSnapshot(long bytes) {
    return full() && (!snapshotsFit || bytes > room);
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
    return new NodeStorage(log, hardStateStore, snapshotStore, freeSpaceOfDisk, reservation);
  }

  private final FreeSpace freeSpaceOfDisk = () -> room;

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

  /**
   * Before a write of {@code bytes} to the log: fails with ENOSPC, taking no effect, when they do
   * not fit in the room left; else uses the room up. (Writes to the cache fail in this model only
   * for want of space; otherwise only making them durable can fail.)
   */
  void beforeWrite(long bytes) throws IOException {
    if (!full()) {
      return;
    }
    if (bytes > room) {
      throw noSpace("appending " + bytes + " bytes to the log (" + room + " left)");
    }
    room -= bytes;
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
      if (full() && room < HARD_STATE_BYTES) {
        if (!reservation.release()) {
          throw noSpace("writing the hard state's temporary file (the space reservation is used "
              + "up)");
        }
        reservationsUsed++;
      }
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
    public SnapshotStore.Staged stage(SnapshotMeta meta, SnapshotWriter data) throws IOException {
      SnapshotStore.Staged staged = SnapshotStore.super.stage(meta, data);
      long bytes = ((SnapshotStore.Buffered) staged).data().length;
      if (full() && (!snapshotsFit || bytes > room)) {
        snapshotWritesRefused++;
        throw noSpace("writing snapshot " + meta.index() + " (" + bytes + " bytes)");
      }
      return staged;
    }

    @Override
    public void publish(SnapshotStore.Staged staged) throws IOException {
      // Staged before the disk filled: the file system reports the full disk when it is made
      // durable (delayed allocation), before the rename.
      if (full() && !snapshotsFit) {
        snapshotWritesRefused++;
        throw noSpace("making snapshot " + staged.meta().index() + " durable");
      }
      SnapshotStore.super.publish(staged);
    }

    @Override
    public Optional<SnapshotStore.Snapshot> latest() {
      return Optional.ofNullable(snapshot);
    }
  };
}
