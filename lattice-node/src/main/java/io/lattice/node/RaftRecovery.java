package io.lattice.node;

import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.raft.LogIndex;
import io.lattice.raft.Membership;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.LogStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Rebuilds what a core starts from after a (re)start, from durable storage only: the hard state,
 * the newest snapshot (restoring the state machine from it) and the log entries.
 *
 * <p>An empty data directory (no hard state, log or snapshot) is a new server. A hard state that is
 * older than the log or snapshot (a whole cluster restored from a backup) is accepted; the core
 * then starts in the log's last term with no vote. A hard state that is missing while the log or a
 * snapshot holds entries is not: the vote it recorded may be in a later term than any entry's, so
 * the node refuses to start until {@code lattice-node repair --term} has written one.
 */
public final class RaftRecovery {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RaftRecovery.class);

  private RaftRecovery() {}

  /**
   * Loads the durable state of one server and restores {@code stateMachine} (which must be empty)
   * from the newest snapshot.
   *
   * <p>If a crash hit between installing a snapshot from the leader and resetting the log, the log
   * is older than the snapshot (it ends before it, or disagrees at its index); the snapshot wins and
   * the log is reset after it (and synced) so that appends continue right after the snapshot.
   *
   * @param bootstrap the membership of a brand-new cluster, used while no snapshot exists (the
   *     same value on every start; {@link Membership#EMPTY} for a server that joins a running
   *     cluster, which learns the configuration from the leader)
   * @throws IOException if storage cannot be read or repaired; the node must not start. A {@link
   *     io.lattice.storage.CorruptStorageException} if the hard state is damaged, or missing while
   *     the log or a snapshot holds entries (a server that has run before)
   * @throws IllegalStateException if the log starts after the snapshot (a gap): entries were lost
   */
  public static RestoredState recover(NodeStorage storage, StateMachine stateMachine,
      Membership bootstrap) throws IOException {
    // Read first (nothing is in place until installed below, after the hard state's check).
    Optional<Prepared> latest = prepareNewest(storage.snapshots(), stateMachine);
    SnapshotMeta snapshot = latest.map(Prepared::meta).orElse(SnapshotMeta.initial(bootstrap));
    LogStore log = storage.log();
    List<Entry> entries = log.lastIndex() >= log.firstIndex()
        ? log.read(log.firstIndex(), log.lastIndex())
        : List.of();
    // Checked before anything is restored or reset: a server that holds entries must also hold
    // the term and vote it had, or it could vote twice in one term.
    Entry lastEntry = entries.isEmpty() ? null : entries.get(entries.size() - 1);
    HardState hardState = lastEntry != null && lastEntry.index() > snapshot.index()
        ? storage.hardState().loadOnStart(lastEntry.index(), lastEntry.term())
        : storage.hardState().loadOnStart(Math.max(snapshot.index(), log.lastIndex()),
            snapshot.term());
    if (latest.isPresent()) {
      latest.get().restoration().install();
    }
    if (supersededBy(snapshot, log, entries)) {
      log.reset(snapshot.index());
      log.sync();
      entries = List.of();
    }
    if (log.firstIndex() > LogIndex.next(snapshot.index())) {
      throw new IllegalStateException("the log starts at " + log.firstIndex()
          + " but the newest snapshot ends at " + snapshot.index() + ": entries are missing");
    }
    return new RestoredState(hardState, snapshot, entries);
  }

  /** The newest snapshot's identity and its state, read but not yet in place. */
  private record Prepared(SnapshotMeta meta, StateMachine.Restoration restoration) {}

  /**
   * Reads the newest snapshot into a state apart: streamed from the store's newest file with its
   * CRC-32C checked on the way (no copy of it in memory); if that file's data turns out damaged,
   * from {@link SnapshotStore#latest()}, which skips damaged snapshots (with a warning) for an
   * older one.
   */
  private static Optional<Prepared> prepareNewest(SnapshotStore snapshots,
      StateMachine stateMachine) throws IOException {
    Optional<SnapshotStore.Source> newest = snapshots.latestSource();
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Prepared(newest.get().meta(),
          SnapshotInput.prepare(stateMachine, newest.get(), () -> false)));
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("The newest snapshot {} could not be read ({}); looking for an intact one",
          newest.get().meta().index(), e.toString());
    }
    Optional<SnapshotStore.Snapshot> intact = snapshots.latest();
    if (intact.isEmpty()) {
      return Optional.empty();
    }
    byte[] data = intact.get().data();
    return Optional.of(new Prepared(intact.get().meta(), () -> stateMachine.restore(data)));
  }

  /**
   * Whether the stored log (possibly empty) ends before the snapshot, or disagrees with it at the
   * snapshot's index: then the snapshot replaced it, and appends must continue after the snapshot.
   */
  private static boolean supersededBy(SnapshotMeta snapshot, LogStore log, List<Entry> entries) {
    if (log.lastIndex() < snapshot.index()) {
      return true;
    }
    long first = log.firstIndex();
    if (first <= snapshot.index() && snapshot.index() != LogIndex.NONE) {
      return entries.get(LogIndex.position(snapshot.index(), first)).term() != snapshot.term();
    }
    return false;
  }
}
