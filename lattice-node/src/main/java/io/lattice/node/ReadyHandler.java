package io.lattice.node;

import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.LogIndex;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Raft;
import io.lattice.raft.ReadState;
import io.lattice.raft.Ready;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FreeSpace;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Carries out the core's {@link Ready}s: the one place where Raft's outputs meet the disk, the
 * network and the state machine. Both the real node loop and the deterministic simulator drive
 * exactly this class, so what is simulated is what runs.
 *
 * <p>Each Ready is handled strictly in the order of the {@link Ready} contract:
 *
 * <ol>
 *   <li><b>persist</b>: save the hard state (if changed); save the snapshot received from the
 *       leader (if any) and reset the log after it; append the entries; then one {@link
 *       io.lattice.storage.LogStore#sync()} for the whole batch;
 *   <li><b>send</b> the messages (an InstallSnapshot gets the snapshot's bytes attached; one that
 *       names a snapshot a newer one has replaced is not sent, and reported to the core as a failed
 *       transfer after advance, so that it sends the newest);
 *   <li><b>apply</b>: restore the state machine from the snapshot (if any), apply the committed
 *       entries, then serve the read states whose index has been applied. With {@link
 *       #restoreInBackground} the restore is only begun here and runs off the loop: until {@link
 *       #finishRestore} swaps the restored state in, later Readies are persisted and sent as
 *       usual but carry no committed entries (the core holds them back), the applied index stays
 *       where it was before the snapshot, granted reads wait, and no snapshot of this node is
 *       taken; a newer snapshot installed meanwhile cancels the restore under way (never is an
 *       older one put in place after a newer);
 *   <li><b>advance</b> the core;
 * </ol>
 *
 * and then, if the {@link SnapshotPolicy} says one is due (entries and log bytes applied since the
 * core's last snapshot, against the last snapshot's size), takes a snapshot and compacts the log:
 * synchronously, or in the background (the loop only captures the state; encoding, writing and
 * fsync run elsewhere, and the compaction happens once the snapshot is durable; see {@link
 * SnapshotJob}). Snapshots of the node's own state are {@link OwnSnapshots}' part, including the
 * fresh one taken at once when the newest snapshot file is found damaged ({@link
 * #snapshotDamaged}).
 *
 * <p>Crash safety of an install: the hard state is saved first, then the snapshot is made durable
 * in the store, then the log is reset after it and synced, all in step 1, before the restore
 * begins (inline or off the loop). A crash at any point of the restore leaves the durable snapshot
 * and log, from which recovery restores the state machine afresh; nothing of a restore is ever
 * durable, so one that was cancelled or failed leaves nothing behind.
 *
 * <p>The one thing sent before step 1 is what the Ready marks as sendable early: a leader's
 * appends, which leave while its own write of them is in flight ({@link Ready}).
 *
 * <p>Failure: a storage failure throws {@link StorageFailureException} before anything else of the
 * Ready is sent, so nothing that is not durable is ever acknowledged. Any exception (storage, state
 * machine, or an {@link io.lattice.raft.InvariantViolation} of the core) stops the handler for
 * good: every later call throws {@link IllegalStateException}, and the node must exit and recover
 * from disk. That holds for a full disk while persisting too (ENOSPC in an append, or in an
 * fsync): by then the core has handed the Ready over — its entries counted as given to the log,
 * its messages out of its outbox, its hard state marked reported — and the Ready contract has no
 * way to take it back, so retrying it in place could acknowledge what is not durable. The log
 * store cuts the failed append back to its last whole record, so the restart is clean; and the
 * {@link DiskSpaceMonitor}'s reserve keeps the log from reaching the end of the disk at all.
 *
 * <p>The one storage failure that is not fatal is a snapshot of this node's own state that could
 * not be written for want of space ({@link #snapshotFailed}): nothing depends on it (the log still
 * holds every entry, the partial file is gone), so the handler raises the SNAPSHOT_FAILED alarm and
 * retries automatic snapshots after a back-off. Any other snapshot failure stays fatal.
 *
 * <p>Not thread-safe: owned by the node's loop thread, like the core.
 */
public final class ReadyHandler {
  private final Raft raft;
  private final NodeStorage storage;
  private final StateMachine stateMachine;
  private final Transport transport;
  private final ApplyListener listener;
  private final OwnSnapshots own;
  private final SnapshotStaging staging;
  private final PendingReads pendingReads = new PendingReads();
  /** Peers whose InstallSnapshot of this Ready named a snapshot already replaced (not sent). */
  private final List<String> supersededSnapshots = new ArrayList<>();

  /** Index of the last entry reflected in the state machine. */
  private long applied;
  /** Runs restores from installed snapshots off the loop; null: restore inside the Ready. */
  private Consumer<RestoreJob> restores;
  /** The restore handed to {@link #restores} and not yet finished (the newest), or null. */
  private RestoreJob restoring;
  private Throwable stoppedBy;

  /**
   * @param raft a core built from {@code storage} (see {@link RaftRecovery}), whose state machine
   *     was restored from the same snapshot
   * @param snapshotThreshold take a snapshot once this many entries were applied since the last
   *     one, whatever their size ({@link SnapshotPolicy#everyEntries}); 0 disables automatic
   *     snapshots
   */
  public ReadyHandler(Raft raft, NodeStorage storage, StateMachine stateMachine,
      Transport transport, ApplyListener listener, long snapshotThreshold) {
    this(raft, storage, stateMachine, transport, listener, snapshotThreshold, null);
  }

  /** As the first constructor, automatic snapshots (synchronous) taken as {@code policy} says. */
  public ReadyHandler(Raft raft, NodeStorage storage, StateMachine stateMachine,
      Transport transport, ApplyListener listener, SnapshotPolicy policy) {
    this(raft, storage, stateMachine, transport, listener, policy, null,
        DiskSpaceMonitor.unlimited(System::nanoTime));
  }

  /**
   * As the other constructor, but automatic snapshots are taken in the background: when one is
   * due, the handler {@link #beginSnapshot begins} it and passes the job to {@code background},
   * which must call {@link SnapshotJob#write()} on some thread and then, back on the loop thread,
   * {@link #finishSnapshot} (or {@link #snapshotFailed}). Null: take them synchronously.
   */
  public ReadyHandler(Raft raft, NodeStorage storage, StateMachine stateMachine,
      Transport transport, ApplyListener listener, long snapshotThreshold,
      Consumer<SnapshotJob> background) {
    this(raft, storage, stateMachine, transport, listener,
        SnapshotPolicy.everyEntries(snapshotThreshold), background,
        DiskSpaceMonitor.unlimited(System::nanoTime));
  }

  /**
   * As the other constructors, with the automatic snapshots' {@code policy} and the node's
   * disk-space monitor: automatic snapshots wait out its back-off after a snapshot failed for want
   * of space, and it hears of every such failure.
   */
  public ReadyHandler(Raft raft, NodeStorage storage, StateMachine stateMachine,
      Transport transport, ApplyListener listener, SnapshotPolicy policy,
      Consumer<SnapshotJob> background, DiskSpaceMonitor space) {
    this.raft = Objects.requireNonNull(raft, "raft");
    this.storage = Objects.requireNonNull(storage, "storage");
    this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.applied = raft.appliedIndex();
    this.staging = new SnapshotStaging(storage.snapshots());
    this.own = new OwnSnapshots(raft, storage, stateMachine, listener,
        Objects.requireNonNull(policy, "policy"), background,
        Objects.requireNonNull(space, "space"), this::fatal);
  }

  /** The index of the last entry applied to the state machine. */
  public long appliedIndex() {
    return applied;
  }

  /** Granted reads still waiting for the state machine to reach their index. */
  public int pendingReadCount() {
    return pendingReads.size();
  }

  /** Whether an earlier failure stopped this handler. */
  public boolean stopped() {
    return stoppedBy != null;
  }

  /**
   * From now on, restores the state machine from a snapshot installed from the leader off the
   * loop: the Ready that installs it hands a {@link RestoreJob} to {@code runner} (on the loop),
   * which must call {@link RestoreJob#prepare()} on some other thread and then, back on the loop
   * thread between Readies, {@link #finishRestore} (or {@link #restoreFailed} if it threw). Null:
   * restore inside the Ready, on the loop (the default). Set it before the first Ready.
   *
   * <p>While a restore runs, the node goes on as a member: Readies are persisted and sent as
   * usual (appends are made durable and acknowledged, heartbeats and votes answered, the commit
   * index advances), but the core hands out no committed entry ({@link Raft#holdApply}), no read
   * is served (the applied index stays the one from before the snapshot until the restored state
   * is in place, and granted reads wait for it) and no snapshot of this node's own is taken. A
   * newer snapshot installed meanwhile cancels the restore under way and starts its own: an older
   * one is never put in place after a newer. {@link #finishRestore} swaps the restored state in
   * (O(1)), moves the applied index to the snapshot's and lets the committed entries out again.
   */
  public void restoreInBackground(Consumer<RestoreJob> runner) {
    this.restores = runner;
  }

  /** Whether a restore from a snapshot is under way ({@link #restoreInBackground}). */
  public boolean restoreInProgress() {
    return restoring != null;
  }

  /**
   * Finishes {@code job} after its {@link RestoreJob#prepare()} returned: puts the restored state
   * in place, O(1), and lets committed entries and reads through again. On the loop thread,
   * between Readies. A job a newer snapshot replaced is dropped. Returns whether it was installed.
   */
  public boolean finishRestore(RestoreJob job) {
    checkRunning();
    if (job != restoring) {
      return false; // cancelled: a newer snapshot is being restored
    }
    if (!job.prepared()) {
      throw new IllegalStateException("restore of snapshot " + job.meta().index() + " not prepared");
    }
    restoring = null;
    install(job);
    raft.holdApply(false);
    for (long[] r : pendingReads.takeReady(applied)) {
      listener.readReady(r[0], r[1]);
    }
    return true;
  }

  /**
   * Reports that {@code job}'s {@link RestoreJob#prepare()} failed. A cancelled job's failure is
   * ignored; any other stops the handler (the log was reset after that snapshot, so the node
   * cannot go on without it; the state machine still holds the state from before it) and throws
   * {@link StorageFailureException}. On the loop thread.
   */
  public void restoreFailed(RestoreJob job, Exception cause) {
    if (job != restoring) {
      return;
    }
    restoring = null;
    IOException io = cause instanceof IOException e ? e
        : new IOException("the snapshot is malformed: " + cause.getMessage(), cause);
    throw fatal("restoring from snapshot " + job.meta().index(), io);
  }

  /**
   * Delivers an InstallSnapshot received from the leader together with its bytes: stages the bytes
   * for the Ready that will install it, then steps the message into the core. The loop must use
   * this instead of {@link Raft#step} for InstallSnapshot messages.
   */
  public void deliverSnapshot(InstallSnapshot message, byte[] data) {
    deliverSnapshot(message,
        new SnapshotStore.Buffered(message.snapshot(), Objects.requireNonNull(data, "data")));
  }

  /**
   * As {@link #deliverSnapshot(InstallSnapshot, byte[])}, for a snapshot the transport already
   * wrote to storage and verified ({@code staged.meta()} equals {@code message.snapshot()}): it is
   * published if the core installs it, and discarded otherwise.
   */
  public void deliverSnapshot(InstallSnapshot message, SnapshotStore.Staged staged) {
    if (stoppedBy != null) {
      storage.snapshots().discard(staged);
    }
    checkRunning();
    if (staged.meta().index() != message.snapshot().index()
        || staged.meta().term() != message.snapshot().term()) {
      storage.snapshots().discard(staged);
      throw new IllegalArgumentException("staged snapshot " + staged.meta().index()
          + " does not match the message's " + message.snapshot().index());
    }
    staging.put(staged);
    raft.step(message);
  }

  /** Handles one Ready if the core has one. Returns whether it did. */
  public boolean handleReady() {
    checkRunning();
    if (!raft.hasReady()) {
      return false;
    }
    handle(raft.ready());
    return true;
  }

  /** Handles {@code rd}, which the caller just got from {@link Raft#ready()}; see the class doc. */
  public void handle(Ready rd) {
    checkRunning();
    try {
      rd.messagesBeforePersist().forEach(transport::send); // the leader's appends (§10.2.1)
      byte[] snapshotData = persist(rd);
      send(rd);
      apply(rd, snapshotData);
      raft.advance(rd);
      for (String peer : supersededSnapshots) {
        raft.reportSnapshot(peer, false); // the core sends the newest snapshot instead
      }
      supersededSnapshots.clear();
      staging.dropUpTo(raft.commitIndex());
      maybeSnapshot();
    } catch (RuntimeException | Error e) {
      // Half-handled: the core, the disk and the state machine may disagree now. Stop for good.
      if (stoppedBy == null) {
        stoppedBy = e;
      }
      throw e;
    }
  }

  /**
   * Takes the automatic snapshot if one is due (the {@link SnapshotPolicy}, or at once after the
   * newest snapshot file was found damaged) and none is under way, unless a snapshot failed for
   * want of space and its back-off has not passed ({@link DiskSpaceMonitor#snapshotAllowed}).
   * Called after every Ready, and by the loop between Readies, so that a retry after the back-off
   * happens on an idle node too. Same calling rule as {@link #snapshotNow()}.
   */
  public void maybeSnapshot() {
    checkRunning();
    own.maybeSnapshot(applied, restoring != null);
  }

  /**
   * Takes a snapshot of the state machine at the applied index, saves it durably and compacts the
   * log (keeping the core's trailing window), all on the calling thread. Call only between Readies
   * (never between {@link Raft#ready()} and {@link Raft#advance}), so that the state machine
   * reflects exactly the core's applied index. Does nothing if there is nothing new to snapshot or
   * a background snapshot is under way. A write that failed for want of space ends as {@link
   * #snapshotFailed} says (not fatal); the snapshot is then simply not taken.
   */
  public void snapshotNow() {
    checkRunning();
    own.now(applied, restoring != null);
  }

  /**
   * Begins a snapshot at the applied index: fixes its metadata and captures the state machine
   * ({@link StateMachine#capture()}), both cheap. Same calling rule as {@link #snapshotNow()}.
   * Returns empty if nothing was applied since the last snapshot (and the newest snapshot file is
   * intact) or one is already under way.
   */
  public Optional<SnapshotJob> beginSnapshot() {
    checkRunning();
    return own.begin(applied, restoring != null);
  }

  /** Whether a snapshot was begun and not yet finished. */
  public boolean snapshotInProgress() {
    return own.inProgress();
  }

  /** Log bytes applied since the core's last snapshot (what the policy's byte rules count). */
  public long logBytesSinceSnapshot() {
    return own.logBytesSinceSnapshot();
  }

  /** Size of the last snapshot's data, written here or installed from the leader. */
  public long lastSnapshotBytes() {
    return own.lastSnapshotBytes();
  }

  /**
   * Finishes {@code job} after its {@link SnapshotJob#write()} returned: publishes it and compacts
   * the log. On the loop thread, between Readies. If a newer snapshot arrived from the leader in
   * the meantime, the job is dropped instead. Returns whether the job became the newest snapshot.
   */
  public boolean finishSnapshot(SnapshotJob job) {
    checkRunning();
    return own.finish(job);
  }

  /**
   * Reports that {@code job}'s write failed. For want of space (ENOSPC, see {@link
   * FreeSpace#isNoSpace}) it is not fatal: the store removed the partial file and the log still
   * holds every entry, so the handler tells the {@link DiskSpaceMonitor} (alarm SNAPSHOT_FAILED,
   * automatic snapshots retried after a back-off) and the listener (snapshot requests fail with
   * NO_SPACE), and goes on. That includes ENOSPC from the fsync of the snapshot's own temp file
   * (file systems with delayed allocation report a full disk there): no Raft state depends on that
   * file, which is deleted, so "a failed fsync stops the node" is not at stake. Any other failure
   * stops the handler like every storage failure (the disk can no longer be trusted) and throws
   * {@link StorageFailureException}.
   */
  public void snapshotFailed(SnapshotJob job, IOException cause) {
    own.failed(job, cause);
  }

  /**
   * Reports that the transport found {@code source}, the snapshot it was streaming to a follower,
   * damaged on disk (its data does not match its checksum). If it is still the newest snapshot,
   * the store sets the file aside (kept for examination, never deleted) and a fresh snapshot is
   * taken at once at the applied index, bypassing the policy; InstallSnapshots the core emits
   * meanwhile wait for it, and then go out with the fresh one. A stale report (the file was
   * replaced since) is ignored. On the loop thread, between Readies. Returns whether the file was
   * set aside.
   */
  public boolean snapshotDamaged(SnapshotStore.Source source) {
    checkRunning();
    return own.damaged(Objects.requireNonNull(source, "source"), applied, restoring != null);
  }

  // ---------------------------------------------------------------- the four steps

  /**
   * Step 1. Returns the bytes of the installed snapshot when they were received in memory, an
   * empty array when it was received into a file (step 3 reads it back), or null without one.
   */
  private byte[] persist(Ready rd) {
    byte[] snapshotData = null;
    try {
      // The hard state first: a term and vote are only a promise not to vote again in an older
      // term, true whatever follows. After it, a crash leaves at worst a newer term over an older
      // log. Written after a snapshot, a crash in between would leave a member that joined through
      // its first InstallSnapshot with a snapshot but no hard state, which must refuse to start.
      // (The repair mark in it never drops in a Ready that also brings what it waits for: the
      // core clears it in advance, once those entries are durable.)
      if (rd.hardState() != null) {
        storage.hardState().save(rd.hardState());
      }
      if (rd.snapshot() != null) {
        SnapshotMeta meta = rd.snapshot();
        SnapshotStore.Staged staged = staging.take(meta);
        // The snapshot is durable on its own before the log is reset: a crash in between leaves a
        // snapshot newer than the log, which recovery resolves in favour of the snapshot.
        if (staged instanceof SnapshotStore.Buffered b) {
          snapshotData = b.data();
          storage.snapshots().save(meta, snapshotData);
        } else {
          storage.snapshots().publish(staged);
          snapshotData = FROM_STORE;
        }
        storage.log().reset(meta.index());
      }
      if (!rd.entries().isEmpty()) {
        storage.log().append(rd.entries());
      }
      if (rd.snapshot() != null || !rd.entries().isEmpty()) {
        storage.log().sync(); // group commit: one sync for the whole batch
      }
    } catch (IOException e) {
      throw fatal("persisting a Ready", e);
    }
    return snapshotData;
  }

  /**
   * Step 2: only once everything is durable. An InstallSnapshot naming a snapshot older than the
   * newest is not sent: the core queued it before a newer snapshot replaced that one (taken
   * between Readies, e.g. on demand or finishing a background write, after the core's output of
   * the same step), and the store may no longer hold it. The core is told after the Ready that the
   * transfer failed, and sends the newest. One naming a snapshot whose file was set aside as
   * damaged waits for the fresh snapshot ({@link OwnSnapshots#holdForRefresh}).
   */
  private void send(Ready rd) {
    Optional<SnapshotStore.Source> newest = null;
    for (Message m : rd.messagesAfterPersist()) {
      if (m instanceof InstallSnapshot is) {
        if (newest == null || newest.isEmpty()
            || newest.get().meta().index() != is.snapshot().index()) {
          newest = newestSnapshot();
        }
        if (own.holdForRefresh(is.to(), is.snapshot(), newest)) {
          continue;
        }
        SnapshotStore.Source latest = newest.orElseThrow(
            () -> new IllegalStateException("core sends a snapshot, store has none"));
        if (latest.meta().index() > is.snapshot().index()) {
          supersededSnapshots.add(is.to());
          continue;
        }
        if (latest.meta().index() != is.snapshot().index()
            || latest.meta().term() != is.snapshot().term()) {
          throw new IllegalStateException("core sends snapshot " + is.snapshot().index()
              + " but the snapshot store holds " + latest.meta().index());
        }
        transport.streamSnapshot(is, latest);
      } else {
        transport.send(m);
      }
    }
  }

  /** The newest snapshot by identity: cheap, reads no data (the transport streams it). */
  private Optional<SnapshotStore.Source> newestSnapshot() {
    try {
      return storage.snapshots().latestSource();
    } catch (IOException e) {
      throw fatal("reading the latest snapshot", e);
    }
  }

  /**
   * Step 3: snapshot, then entries in order, then reads whose index is now applied. With {@link
   * #restoreInBackground}, the snapshot's restore is only begun here: the entries after it are
   * held back in the core and reads wait until {@link #finishRestore}.
   */
  private void apply(Ready rd, byte[] snapshotData) {
    if (rd.snapshot() != null) {
      RestoreJob job = snapshotData == FROM_STORE ? fromStore(rd.snapshot())
          : new RestoreJob(rd.snapshot(), stateMachine, null, snapshotData);
      if (restoring != null) {
        restoring.cancel(); // a newer snapshot replaces the one being restored
        restoring = null;
      }
      if (restores == null) {
        try {
          job.prepare();
        } catch (IOException e) {
          throw fatal("restoring from snapshot " + rd.snapshot().index(), e);
        }
        install(job);
      } else {
        restoring = job;
        raft.holdApply(true); // before advance: no entry after the snapshot is handed out
        restores.accept(job);
      }
    }
    if (restoring != null && !rd.committedEntries().isEmpty()) {
      throw new IllegalStateException("committed entries handed out while restoring snapshot "
          + restoring.meta().index());
    }
    for (Entry e : rd.committedEntries()) {
      if (e.index() != LogIndex.next(applied)) {
        throw new IllegalStateException("apply of " + e.index() + " after " + applied);
      }
      byte[] result = e.type() == EntryType.COMMAND
          ? stateMachine.apply(e.index(), e.data(), listener.awaits(e.index())) : null;
      applied = e.index();
      own.applied(e);
      listener.applied(e, result);
    }
    for (ReadState rs : rd.readStates()) {
      if (!rs.granted()) {
        listener.readFailed(rs.requestId());
      } else {
        pendingReads.add(rs.requestId(), rs.index());
      }
    }
    if (restoring == null) {
      for (long[] r : pendingReads.takeReady(applied)) {
        listener.readReady(r[0], r[1]);
      }
    }
  }

  /** Puts a prepared restore in place: the state, the applied index, the listener told. */
  private void install(RestoreJob job) {
    job.restoration().install();
    applied = job.meta().index();
    own.installed(job.dataBytes());
    listener.snapshotRestored(job.meta());
  }

  /** Marks, in step 1's result, a snapshot received into a file: step 3 reads it from the store. */
  private static final byte[] FROM_STORE = new byte[0];

  /**
   * The restore of the just-published snapshot {@code meta} from the store's file (cheap: reads
   * only what the store already knows of it; the data is opened by {@link RestoreJob#prepare}).
   */
  private RestoreJob fromStore(SnapshotMeta meta) {
    try {
      SnapshotStore.Source src = storage.snapshots().latestSource()
          .orElseThrow(() -> new IOException("the installed snapshot is not in the store"));
      if (src.meta().index() != meta.index() || src.meta().term() != meta.term()) {
        throw new IOException("the store's newest snapshot is " + src.meta().index() + "@"
            + src.meta().term() + ", not the installed " + meta.index() + "@" + meta.term());
      }
      return new RestoreJob(meta, stateMachine, src, null);
    } catch (IOException e) {
      throw fatal("restoring from snapshot " + meta.index(), e);
    }
  }

  // ---------------------------------------------------------------- failure

  private StorageFailureException fatal(String what, IOException e) {
    StorageFailureException f = new StorageFailureException(what, e);
    stoppedBy = f;
    return f;
  }

  private void checkRunning() {
    if (stoppedBy != null) {
      throw new IllegalStateException("the ready handler stopped after a failure", stoppedBy);
    }
  }
}
