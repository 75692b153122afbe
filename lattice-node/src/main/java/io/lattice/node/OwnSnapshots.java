package io.lattice.node;

import io.lattice.format.LogRecordCodec;
import io.lattice.raft.Entry;
import io.lattice.raft.Raft;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FreeSpace;
import io.lattice.storage.LogStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots a node takes of its own state, for its {@link ReadyHandler}: when one is due (the
 * {@link SnapshotPolicy}, over the log bytes and entries applied since the last snapshot), begun,
 * finished (published, then the log compacted) or failed, and the fresh one taken at once when the
 * newest snapshot file turns out to be damaged on disk ({@link #damaged}).
 *
 * <p>Byte accounting: every applied entry adds its payload plus its record framing to a running
 * total; a snapshot records the total at its index, so the log bytes since the last snapshot are
 * the difference. After a restart the entries since the snapshot are applied again through the
 * handler, so the count starts right; a snapshot installed from the leader resets it.
 *
 * <p>A damaged newest file: the transport streaming it found its checksum wrong and refused to send
 * it. The store sets the file aside ({@link SnapshotStore#setAside}, never deleted), so its name
 * is free again, and a snapshot at the applied index is taken at once, whatever the policy says
 * (at the same index as the damaged one if nothing was applied since: the same state, written
 * afresh). Until it is published, an InstallSnapshot the core emits for the damaged snapshot is
 * held back ({@link #holdForRefresh}); once it is, the core is told those transfers failed, and
 * sends the fresh snapshot.
 *
 * <p>Not thread-safe: owned by the node's loop thread, like the handler.
 */
final class OwnSnapshots {
  private static final Logger log = LoggerFactory.getLogger(OwnSnapshots.class);
  /** Bytes a log record takes besides its payload (length prefix, checksum, kind, term, index). */
  static final int RECORD_OVERHEAD = LogRecordCodec.PREFIX + LogRecordCodec.BODY_HEADER;

  /** Turns a storage failure into the handler's fatal stop. */
  interface Fatal {
    StorageFailureException stop(String what, IOException cause);
  }

  private final Raft raft;
  private final SnapshotStore store;
  private final LogStore logStore;
  private final StateMachine stateMachine;
  private final ApplyListener listener;
  private final SnapshotPolicy policy;
  private final Consumer<SnapshotJob> background;
  private final DiskSpaceMonitor space;
  private final Fatal fatal;

  /** Log bytes of every entry applied since this node started (or installed a snapshot). */
  private long appliedBytes;
  /** {@link #appliedBytes} at the index of the core's last snapshot. */
  private long bytesAtSnapshot;
  /** Size of the last snapshot's data (0: none, or unknown). */
  private long lastSnapshotBytes;
  /** The snapshot begun and not yet finished (at most one at a time), or null. */
  private SnapshotJob inFlight;
  /** The newest snapshot file was damaged and set aside: a fresh one is due at once. */
  private boolean refreshDue;
  /** Peers whose InstallSnapshot waits for the fresh snapshot. */
  private final Set<String> waitingForRefresh = new LinkedHashSet<>();

  OwnSnapshots(Raft raft, NodeStorage storage, StateMachine stateMachine, ApplyListener listener,
      SnapshotPolicy policy, Consumer<SnapshotJob> background, DiskSpaceMonitor space,
      Fatal fatal) {
    this.raft = raft;
    this.store = storage.snapshots();
    this.logStore = storage.log();
    this.stateMachine = stateMachine;
    this.listener = listener;
    this.policy = policy;
    this.background = background;
    this.space = space;
    this.fatal = fatal;
    this.lastSnapshotBytes = newestSize();
  }

  /** Counts an entry just applied. */
  void applied(Entry e) {
    appliedBytes += RECORD_OVERHEAD + (long) e.data().length;
  }

  /** A snapshot of {@code dataBytes} installed from the leader is now the state machine's. */
  void installed(long dataBytes) {
    bytesAtSnapshot = appliedBytes;
    lastSnapshotBytes = dataBytes;
    refreshDue = false; // the leader's snapshot replaces the damaged one (no longer leader)
    waitingForRefresh.clear();
  }

  /** Log bytes applied since the core's last snapshot (what the policy's byte rules look at). */
  long logBytesSinceSnapshot() {
    return appliedBytes - bytesAtSnapshot;
  }

  /** Size of the last snapshot's data, as written or installed (0 when there is none). */
  long lastSnapshotBytes() {
    return lastSnapshotBytes;
  }

  boolean inProgress() {
    return inFlight != null;
  }

  /** Whether a fresh snapshot is due because the newest file was found damaged. */
  boolean refreshDue() {
    return refreshDue;
  }

  /**
   * Begins the automatic snapshot if the policy (or a damaged newest file) says one is due, none
   * is under way and the disk-space back-off allows it; see {@link ReadyHandler#maybeSnapshot}.
   */
  void maybeSnapshot(long applied, boolean restoring) {
    if (inFlight != null || restoring || !space.snapshotAllowed()) {
      return;
    }
    boolean due = refreshDue || policy.due(raft.appliedIndex() - raft.snapshot().index(),
        logBytesSinceSnapshot(), lastSnapshotBytes);
    if (!due) {
      return;
    }
    if (background == null) {
      now(applied, restoring);
    } else {
      begin(applied, restoring).ifPresent(background);
    }
  }

  /** See {@link ReadyHandler#snapshotNow()}. */
  void now(long applied, boolean restoring) {
    Optional<SnapshotJob> job = begin(applied, restoring);
    if (job.isEmpty()) {
      return;
    }
    try {
      job.get().write();
    } catch (IOException e) {
      failed(job.get(), e);
      return;
    }
    finish(job.get());
  }

  /** See {@link ReadyHandler#beginSnapshot()}. */
  Optional<SnapshotJob> begin(long applied, boolean restoring) {
    long index = raft.appliedIndex();
    long last = raft.snapshot().index();
    // Nothing new to snapshot, unless the newest file was set aside: then its index again.
    if (inFlight != null || restoring || index < last || (index == last && !refreshDue)) {
      return Optional.empty(); // (while restoring, the state machine is behind the core)
    }
    if (index != applied) {
      throw new IllegalStateException("state machine at " + applied + ", core applied " + index);
    }
    inFlight = new SnapshotJob(raft.snapshotMetaAt(index), stateMachine.capture(), store,
        appliedBytes, refreshDue);
    return Optional.of(inFlight);
  }

  /** See {@link ReadyHandler#finishSnapshot}. */
  boolean finish(SnapshotJob job) {
    if (job != inFlight || !job.written()) {
      throw new IllegalStateException("not the written snapshot in progress: " + job);
    }
    inFlight = null;
    SnapshotMeta meta = job.meta();
    long last = raft.snapshot().index();
    if (meta.index() < last || (meta.index() == last && !job.replacesDamaged())) {
      store.discard(job.staged());
      return false;
    }
    try {
      // Durable before the core forgets entries: until then the log is the only copy.
      store.publish(job.staged());
    } catch (IOException e) {
      if (!FreeSpace.isNoSpace(e)) {
        throw fatal.stop("saving snapshot " + meta.index(), e);
      }
      // Not renamed into place (the store removed the file): nothing changed, the log is whole.
      noSpace(meta, e);
      return false;
    }
    space.snapshotSucceeded();
    bytesAtSnapshot = job.appliedBytesAt();
    lastSnapshotBytes = job.bytesWritten();
    if (refreshDue) {
      refreshDue = false;
      log.info("snapshot {}@{} written afresh in place of the damaged one", meta.index(),
          meta.term());
    }
    long upTo = raft.compact(meta);
    try {
      logStore.compactUpTo(upTo);
    } catch (IOException e) {
      throw fatal.stop("compacting the log up to " + upTo, e);
    }
    for (String peer : waitingForRefresh) {
      raft.reportSnapshot(peer, false); // the core sends the fresh snapshot instead
    }
    waitingForRefresh.clear();
    return true;
  }

  /** See {@link ReadyHandler#snapshotFailed}. */
  void failed(SnapshotJob job, IOException cause) {
    if (job == inFlight) {
      inFlight = null;
    }
    if (!FreeSpace.isNoSpace(cause)) {
      throw fatal.stop("writing snapshot " + job.meta().index(), cause);
    }
    noSpace(job.meta(), cause);
  }

  private void noSpace(SnapshotMeta meta, IOException cause) {
    space.snapshotFailed(meta.index(), cause);
    listener.snapshotFailed(meta, cause);
  }

  /**
   * The transport found {@code source} damaged while streaming it. If it is still the store's
   * newest snapshot (by identity: a report about a file already replaced is stale), the store sets
   * it aside and a fresh snapshot is begun at once. Returns whether it was set aside.
   */
  boolean damaged(SnapshotStore.Source source, long applied, boolean restoring) {
    Optional<SnapshotStore.Source> newest;
    try {
      newest = store.latestSource();
    } catch (IOException e) {
      throw fatal.stop("reading the latest snapshot", e);
    }
    if (newest.isEmpty() || newest.get() != source) {
      log.debug("snapshot {} reported damaged, but it is no longer the newest", source.meta());
      return false;
    }
    boolean setAside;
    try {
      setAside = store.setAside(source);
    } catch (IOException e) {
      throw fatal.stop("setting the damaged snapshot " + source.meta().index() + " aside", e);
    }
    if (!setAside) {
      return false;
    }
    refreshDue = true;
    maybeSnapshot(applied, restoring);
    return true;
  }

  /**
   * Whether an InstallSnapshot of {@code meta} toward {@code peer} is to wait for the fresh
   * snapshot (the store no longer holds {@code meta}: it was set aside as damaged); the core hears
   * that the transfer failed once the fresh one is published.
   */
  boolean holdForRefresh(String peer, SnapshotMeta meta, Optional<SnapshotStore.Source> newest) {
    if (!refreshDue) {
      return false;
    }
    if (newest.isPresent() && newest.get().meta().index() >= meta.index()) {
      return false;
    }
    waitingForRefresh.add(peer);
    return true;
  }

  private long newestSize() {
    try {
      return store.latestSource().map(SnapshotStore.Source::dataLength).orElse(0L);
    } catch (IOException e) {
      return 0; // the first snapshot taken tells
    }
  }
}
