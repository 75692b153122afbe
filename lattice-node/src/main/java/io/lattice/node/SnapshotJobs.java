package io.lattice.node;

import io.lattice.raft.Raft;
import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NodeLoop}'s snapshot work that grows with the data and so runs off the loop: writing a
 * snapshot of the node's own state ({@link SnapshotJob#write()}, on the snapshot executor) and
 * restoring the state machine from one installed from the leader ({@link RestoreJob#prepare()}, on
 * the restore executor); with them, the loop's part of {@link NodeRequests#snapshotNow} requests
 * and the log line for each new snapshot of the core.
 *
 * <p><b>Contract.</b> The {@link ReadyHandler} begins every job on the loop (it fixes the metadata
 * and captures the state, or resets the log after the installed snapshot) and hands it here; only
 * the job's slow part runs on the executor. Its outcome comes back as a {@link NodeLoop.Task}
 * queued in the loop's inbox, which finishes the job through the handler: {@link
 * ReadyHandler#finishSnapshot} or {@link ReadyHandler#snapshotFailed} for a write, {@link
 * ReadyHandler#finishRestore} or {@link ReadyHandler#restoreFailed} for a restore. A restore's
 * outcome is queued whatever it threw, an {@link Error} included, because the node holds back
 * its committed entries and reads until the restore ends and must not wait for one that never
 * will. Without a snapshot executor, snapshots are taken synchronously inside the step; without
 * a restore executor ({@link #restoreOn}), restores run inside the Ready that installs them.
 *
 * <p><b>Threads.</b> {@link #backgroundWriter}, {@link #attach} and {@link #restoreOn} are called
 * while the loop is set up, before its first step; the other package-private methods, and every
 * task queued back, run on the loop thread, which owns the core, the handler, the log and the
 * state machine, and this class's fields with them. The bodies handed to the executors touch
 * only their job (whose shared state is volatile), the loop's inbox (thread-safe) and the node's
 * id, and time the job with {@link System#nanoTime()}, never with the loop's clock. A queued
 * outcome finds the loop as it is by then, so the handler drops a job that a newer snapshot
 * replaced in the meantime.
 */
final class SnapshotJobs {
  private static final Logger log = LoggerFactory.getLogger(SnapshotJobs.class);

  private final String id;
  private final Raft raft;
  private final NodeStorage storage;
  /** The state machine as the handler sees it; its last capture's time goes in the log line. */
  private final CaptureTimer captureTimer;
  private final NodeMetrics metrics;
  private final PendingRequests pending;
  /** Where snapshots are written while the loop goes on; null: synchronously inside the step. */
  private final Executor snapshotExecutor;
  /** Queues a task for the loop: the only way results of the executors reach the loop. */
  private final Consumer<NodeLoop.Task> toLoop;
  private ReadyHandler handler;

  // ---- owned by the loop's thread
  /** The core's snapshot index when the last snapshot log line was written. */
  private long lastSnapshotIndex;

  SnapshotJobs(String id, Raft raft, NodeStorage storage, CaptureTimer captureTimer,
      NodeMetrics metrics, PendingRequests pending, Executor snapshotExecutor,
      Consumer<NodeLoop.Task> toLoop) {
    this.id = id;
    this.raft = raft;
    this.storage = storage;
    this.captureTimer = captureTimer;
    this.metrics = metrics;
    this.pending = pending;
    this.snapshotExecutor = snapshotExecutor;
    this.toLoop = toLoop;
    this.lastSnapshotIndex = raft.snapshot().index();
  }

  /**
   * What the handler hands begun snapshots to ({@link ReadyHandler}'s {@code background}): null
   * without a snapshot executor, so that the handler takes them synchronously.
   */
  Consumer<SnapshotJob> backgroundWriter() {
    return snapshotExecutor == null ? null : this::writeInBackground;
  }

  /** Sets the handler the jobs are begun and finished by; once, before the first step. */
  void attach(ReadyHandler readyHandler) {
    this.handler = readyHandler;
  }

  /** Restores from installed snapshots on {@code executor} from now on; null: on the loop. */
  void restoreOn(Executor executor) {
    handler.restoreInBackground(executor == null ? null : job -> restoreOffLoop(executor, job));
  }

  /** Runs a restore's slow part on {@code executor}, then finishes it on the loop. */
  private void restoreOffLoop(Executor executor, RestoreJob job) {
    log.info("{}: restoring the state machine from snapshot {}@{} off the loop", id,
        job.meta().index(), job.meta().term());
    executor.execute(() -> {
      long start = System.nanoTime();
      try {
        job.prepare();
      } catch (IOException | RuntimeException e) {
        if (!job.cancelled()) {
          log.error("{}: restoring from snapshot {} failed: {}", id, job.meta().index(),
              e.toString());
        }
        toLoop.accept(() -> handler.restoreFailed(job, e));
        return;
      } catch (Error e) { // the node must not wait for a restore that will never finish
        toLoop.accept(() -> handler.restoreFailed(job, new IOException(e.toString(), e)));
        throw e;
      }
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      toLoop.accept(() -> {
        if (handler.finishRestore(job)) {
          log.info("{}: restored the state machine from snapshot {}@{} in {} ms (off the loop)",
              id, job.meta().index(), job.meta().term(), tookMillis);
        } else {
          log.info("{}: dropped the restore of snapshot {}: a newer snapshot replaced it",
              id, job.meta().index());
        }
      });
    });
  }

  /**
   * Completes the snapshot requests the newest snapshot covers; for the rest, takes a snapshot
   * at once without a snapshot executor, or begins one written in the background (whose finish
   * serves them again).
   */
  void serveSnapshotWaiters() {
    if (pending.snapshotTaken(raft.snapshot())) {
      if (snapshotExecutor == null) {
        handler.snapshotNow();
        pending.snapshotTaken(raft.snapshot());
      } else {
        handler.beginSnapshot().ifPresent(this::writeInBackground);
      }
    }
  }

  /** Runs a begun snapshot's slow part on the snapshot executor, then finishes it on the loop. */
  private void writeInBackground(SnapshotJob job) {
    log.debug("{}: writing {} in the background", id, job);
    snapshotExecutor.execute(() -> {
      try {
        long start = System.nanoTime();
        job.write();
        long took = System.nanoTime() - start;
        toLoop.accept(() -> {
          if (handler.finishSnapshot(job)) {
            metrics.snapshotTaken(took);
          }
          logSnapshotIfNew("written in the background");
          serveSnapshotWaiters();
        });
      } catch (IOException | RuntimeException e) {
        toLoop.accept(() -> handler.snapshotFailed(job,
            e instanceof IOException io ? io : new IOException(e)));
      }
    });
  }

  /** Logs the core's snapshot once, when its index changed; {@code how} it came to be. */
  void logSnapshotIfNew(String how) {
    SnapshotMeta snap = raft.snapshot();
    if (snap.index() != lastSnapshotIndex) {
      long captured = captureTimer.lastCaptureNanos();
      log.info("{}: snapshot {}@{} ({}{}); log now [{}, {}]", id, snap.index(),
          snap.term(), how, how.startsWith("installed") || captured < 0 ? ""
              : String.format(java.util.Locale.ROOT, ", captured on the loop in %.3f ms",
                  captured / 1e6), storage.log().firstIndex(), storage.log().lastIndex());
      lastSnapshotIndex = snap.index();
    }
  }
}
