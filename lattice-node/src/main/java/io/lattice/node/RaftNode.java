package io.lattice.node;

import io.lattice.raft.InvariantViolation;
import io.lattice.raft.Membership;
import io.lattice.raft.Role;
import io.lattice.storage.DataDirLock;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.FreeSpace;
import io.lattice.storage.RemovalRecord;
import io.lattice.storage.SegmentedLogStore;
import io.lattice.storage.SnapshotStore;
import io.lattice.storage.SpaceReservation;
import io.lattice.util.DaemonThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Lattice server: opens and locks its data directory, runs a {@link NodeLoop} on a
 * thread of its own ({@code lattice-loop-<id>}) with the system clock, writes snapshots on a second
 * thread, and shuts down gracefully. Everything a client or operator can ask is {@link
 * NodeRequests}' (thread-safe; futures complete on the loop thread).
 *
 * <p><b>Failures.</b> A fatal error (a {@link StorageFailureException}, an {@link
 * InvariantViolation}, any exception out of a step) stops the loop; appended proposals end
 * INDETERMINATE, every other pending request SHUTTING_DOWN, and {@link #fatalError()} completes with the
 * cause: the process must exit non-zero and recover from disk.
 *
 * @param <S> the state machine
 */
public final class RaftNode<S extends StateMachine> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RaftNode.class);
  /** How long a stopping node waits for a snapshot being written. */
  private static final long SNAPSHOT_WRITE_GRACE_SECONDS = 30;

  /** The state-machine hash at an applied index, to compare replicas. */
  public record StateHashResult(long hash, long appliedIndex) {}

  /**
   * What API response headers need, readable from any thread without a round trip through the loop
   * (published after every step; may lag the core by one step). {@code leaderAddress} is the
   * leader's client address (what NOT_LEADER hints and response headers carry).
   */
  public record Header(String id, Role role, long term, String leaderId, String leaderAddress,
      long commitIndex, long appliedIndex, Membership membership) {}

  private final NodeConfig config;
  private final NodeMetrics metrics;
  private final DataDirLock dataDirLock;
  private final SegmentedLogStore logStore;
  private final ExecutorService snapshotWriter;
  /** Point reads off the loop (bounded); see {@link QueryExecutor}. */
  private final ExecutorService queries;
  /** Ranges and hashes off the loop, on at most half the processors (bounded). */
  private final ExecutorService scans;
  /** Restores from snapshots installed from the leader, off the loop (one at a time). */
  private final ExecutorService restorer;
  private final NodeLoop<S> loop;
  /** The snapshot files, read off the loop only through immutable {@link SnapshotStore.Source}s. */
  private final SnapshotStore snapshots;
  private final Thread thread;
  private final CompletableFuture<Throwable> fatal = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile boolean stopping;

  private RaftNode(NodeConfig config, S stateMachine, Function<PeerInbox, Transport> transports,
      FileIo io, FreeSpace freeSpace, NodeMetrics metrics) throws IOException {
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    Files.createDirectories(config.dataDir());
    refuseIfRemoved(config);
    this.dataDirLock = DataDirLock.acquire(config.dataDir());
    try {
      this.logStore = SegmentedLogStore.open(config.dataDir(), io,
          SegmentedLogStore.DEFAULT_SEGMENT_BYTES);
    } catch (IOException | RuntimeException e) {
      dataDirLock.close();
      throw e;
    }
    this.snapshotWriter = Executors.newSingleThreadExecutor(
        DaemonThreads.named("lattice-snapshot-" + config.id()));
    try {
      this.snapshots = new FileSnapshotStore(config.dataDir(), io);
      SpaceReservation reservation = SpaceReservation.inDirectory(config.dataDir(), io);
      NodeStorage storage = new NodeStorage(new TimedLogStore(logStore, metrics),
          new FileHardStateStore(config.dataDir(), io, reservation), snapshots,
          freeSpace == null ? FreeSpace.of(config.dataDir()) : freeSpace, reservation);
      this.loop = new NodeLoop<>(config, storage, stateMachine, transports, metrics,
          NodeClock.SYSTEM, new SplittableRandom(), snapshotWriter);
    } catch (IOException | RuntimeException e) {
      snapshotWriter.shutdownNow();
      closeStores();
      throw e;
    }
    this.queries = QueryExecutor.create(config.id(), QueryLane.POINT);
    this.scans = QueryExecutor.create(config.id(), QueryLane.SCAN);
    loop.setQueryExecutors(queries, scans);
    this.restorer = Executors.newSingleThreadExecutor(
        DaemonThreads.named("lattice-restore-" + config.id()));
    loop.setRestoreExecutor(restorer);
    this.thread = new Thread(this::run, "lattice-loop-" + config.id());
    loop.setWaker(() -> LockSupport.unpark(thread));
  }

  /**
   * Opens the data directory, recovers {@code stateMachine} and the core from it, and starts the
   * loop.
   *
   * @param stateMachine an empty state machine (it is restored from the newest snapshot)
   * @param transports builds the peer transport, given the node's inbox
   * @throws IOException if the data directory cannot be opened or is corrupt (see {@link
   *     io.lattice.storage.CorruptStorageException}); the node must not start
   */
  public static <S extends StateMachine> RaftNode<S> start(NodeConfig config, S stateMachine,
      Function<PeerInbox, Transport> transports, NodeMetrics metrics) throws IOException {
    return start(config, stateMachine, transports, FileIo.SYSTEM, metrics);
  }

  /** As {@link #start(NodeConfig, StateMachine, Function, NodeMetrics)}, reporting nothing. */
  public static <S extends StateMachine> RaftNode<S> start(NodeConfig config, S stateMachine,
      Function<PeerInbox, Transport> transports) throws IOException {
    return start(config, stateMachine, transports, NodeMetrics.NONE);
  }

  /** With a file-system seam (tests inject failures). */
  static <S extends StateMachine> RaftNode<S> start(NodeConfig config, S stateMachine,
      Function<PeerInbox, Transport> transports, FileIo io) throws IOException {
    return start(config, stateMachine, transports, io, NodeMetrics.NONE);
  }

  /** With a file-system seam and metrics. */
  static <S extends StateMachine> RaftNode<S> start(NodeConfig config, S stateMachine,
      Function<PeerInbox, Transport> transports, FileIo io, NodeMetrics metrics)
      throws IOException {
    return start(config, stateMachine, transports, io, null, metrics);
  }

  /**
   * With a file-system seam, a free-space source (tests fill the disk at will; null: the data
   * directory's file system) and metrics.
   */
  static <S extends StateMachine> RaftNode<S> start(NodeConfig config, S stateMachine,
      Function<PeerInbox, Transport> transports, FileIo io, FreeSpace freeSpace,
      NodeMetrics metrics) throws IOException {
    RaftNode<S> node = new RaftNode<>(config, stateMachine, transports, io, freeSpace, metrics);
    node.thread.start();
    return node;
  }

  public String id() {
    return config.id();
  }

  public NodeConfig config() {
    return config;
  }

  /** The latest published role/term/leader/indexes (see {@link Header}). */
  public Header header() {
    return loop.header();
  }

  /** Completes with the cause when a fatal error stopped the node; never completes otherwise. */
  public CompletableFuture<Throwable> fatalError() {
    return fatal;
  }

  /** Completes when the loop has ended and the stores are closed. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  /** {@link NodeRequests#propose}, counted in the metrics. */
  public CompletableFuture<byte[]> propose(byte[] command) {
    CompletableFuture<byte[]> f = loop.propose(command);
    f.whenComplete((result, error) -> metrics.proposalDone(error == null));
    return f;
  }

  /** {@link NodeRequests#read(ReadConsistency, Function)}. */
  public <T> CompletableFuture<T> read(ReadConsistency consistency, Function<? super S, T> query) {
    return loop.read(consistency, query);
  }

  /** {@link NodeRequests#readView}: the view is taken on the loop, the query runs off it. */
  public <V, T> CompletableFuture<T> readView(ReadConsistency consistency, QueryLane lane,
      Function<? super S, ? extends V> viewOf, NodeRequests.ViewQuery<? super V, ? extends T> query) {
    return loop.readView(consistency, lane, viewOf, query);
  }

  /** {@link NodeRequests#read(io.lattice.raft.ReadMode, Function)}. */
  public <T> CompletableFuture<T> read(io.lattice.raft.ReadMode mode,
      Function<? super S, T> query) {
    return loop.read(mode, query);
  }

  /** {@link NodeRequests#status()}. */
  public CompletableFuture<NodeStatus> status() {
    return loop.status();
  }

  /** {@link NodeRequests#memberList()}. */
  public CompletableFuture<Membership> memberList() {
    return loop.memberList();
  }

  /** {@link NodeRequests#addMember}. */
  public CompletableFuture<Membership> addMember(String id, String peerAddress,
      String clientAddress, boolean stayLearner) {
    return loop.addMember(id, peerAddress, clientAddress, stayLearner);
  }

  /** As {@link #addMember(String, String, String, boolean)}, the client address to be published. */
  public CompletableFuture<Membership> addMember(String id, String peerAddress,
      boolean stayLearner) {
    return loop.addMember(id, peerAddress, "", stayLearner);
  }

  /** {@link NodeRequests#setClientAddress}. */
  public CompletableFuture<Membership> setClientAddress(String id, String clientAddress) {
    return loop.setClientAddress(id, clientAddress);
  }

  /** {@link NodeRequests#promoteMember}. */
  public CompletableFuture<Membership> promoteMember(String id) {
    return loop.promoteMember(id);
  }

  /** {@link NodeRequests#removeMember} (a leader hands off first). */
  public CompletableFuture<Membership> removeMember(String id) {
    return loop.removeMember(id);
  }

  /** {@link NodeRequests#transferLeadership}. */
  public CompletableFuture<String> transferLeadership(String target) {
    return loop.transferLeadership(target);
  }

  /** {@link NodeRequests#snapshotNow()}. */
  public CompletableFuture<io.lattice.raft.SnapshotMeta> snapshotNow() {
    return loop.snapshotNow();
  }

  /**
   * For a backup: at the leader, takes a snapshot of everything applied (as {@link #snapshotNow})
   * and completes with the newest durable snapshot to stream from its file (which stays readable
   * while a stream is open, even if pruned meanwhile). Elsewhere fails NOT_LEADER, naming the
   * leader: a backup is taken where the newest committed state is.
   */
  public CompletableFuture<SnapshotStore.Source> backupSnapshot() {
    Header h = header();
    if (h == null || h.role() != Role.LEADER) {
      String leader = h == null ? null : h.leaderId();
      return CompletableFuture.failedFuture(new NodeException(io.lattice.errors.Reason.NOT_LEADER,
          "backups are taken at the leader" + (leader == null ? " (none known now)" : ": " + leader),
          leader, h == null ? null : h.leaderAddress()));
    }
    return snapshotNow().thenApply(meta -> {
      try {
        SnapshotStore.Source s = snapshots.latestSource().orElseThrow(() -> new NodeException(
            io.lattice.errors.Reason.INTERNAL, "no snapshot file after taking snapshot "
                + meta.index()));
        if (s.meta().index() < meta.index()) {
          throw new NodeException(io.lattice.errors.Reason.INTERNAL, "the newest snapshot file ("
              + s.meta().index() + ") is older than the snapshot just taken (" + meta.index() + ")");
        }
        return s;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  /** {@link NodeRequests#hash()}. */
  public CompletableFuture<StateHashResult> hash() {
    return loop.hash();
  }

  private void run() {
    try {
      while (!stopping) {
        long wait = loop.step();
        if (!stopping && !loop.hasQueuedTasks() && wait > 0) {
          LockSupport.parkNanos(this, wait);
        }
      }
    } catch (MemberRemovedException e) {
      log.error("{}: {}; stopping", config.id(), e.getMessage());
      recordRemoval(e);
      stopping = true;
      loop.stop(e);
      fatal.complete(e);
    } catch (Throwable e) {
      log.error("{}: fatal error, stopping the node: {}", config.id(), e.toString(), e);
      stopping = true;
      loop.stop(e);
      fatal.complete(e);
    } finally {
      finish();
    }
  }

  /** Writes the data directory's {@link RemovalRecord}, so that the node does not start again. */
  private void recordRemoval(MemberRemovedException e) {
    try {
      RemovalRecord.write(FileIo.SYSTEM, config.dataDir(), java.time.Instant.now() + " "
          + e.getMessage());
    } catch (IOException | RuntimeException io) {
      log.warn("{}: could not record the removal in {}: {}", config.id(), config.dataDir(),
          io.toString());
    }
  }

  /**
   * Refuses a data directory whose member was removed from the cluster ({@link RemovalRecord}).
   */
  private static void refuseIfRemoved(NodeConfig config) throws IOException {
    java.util.Optional<String> record = RemovalRecord.read(config.dataDir());
    if (record.isPresent()) {
      throw new MemberRemovedException("member " + config.id() + " was removed from the cluster "
          + "and must not start again on " + config.dataDir() + " (" + record.get() + "). To bring "
          + "this machine back, add it anew (lattice member add) and start it with an empty data "
          + "directory and --join");
    }
  }

  /** Ends everything still pending and closes the stores; runs once the loop can run no more. */
  private synchronized void finish() {
    if (terminated.isDone()) {
      return;
    }
    stopping = true;
    loop.stop(null);
    queries.shutdown(); // queued queries read immutable views: they still answer, nobody waits
    scans.shutdown();
    restorer.shutdownNow(); // a restore only reads: nobody waits for it once the loop stopped
    stopSnapshotWriter();
    closeStores();
    log.info("{}: stopped", config.id());
    terminated.complete(null);
  }

  /**
   * Lets a snapshot being written finish (bounded) before the stores close: its temp file must not
   * be written after the data directory is unlocked. An unfinished one is discarded at next start.
   */
  private void stopSnapshotWriter() {
    snapshotWriter.shutdown();
    try {
      if (!snapshotWriter.awaitTermination(SNAPSHOT_WRITE_GRACE_SECONDS, TimeUnit.SECONDS)) {
        log.warn("{}: a snapshot was still being written after {} s; it is abandoned",
            config.id(), SNAPSHOT_WRITE_GRACE_SECONDS);
        snapshotWriter.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeStores() {
    try {
      logStore.close();
    } catch (IOException | RuntimeException e) {
      log.warn("{}: closing the log store: {}", config.id(), e.toString());
    } finally {
      dataDirLock.close(); // last: nothing of ours touches the directory after this
    }
  }

  /**
   * Graceful shutdown: a leader with other voters first hands leadership off (waiting at most the
   * transfer timeout), then the loop stops (appended proposals end INDETERMINATE, other requests
   * SHUTTING_DOWN) and the stores are closed. Idempotent; returns once the loop has ended.
   */
  @Override
  public void close() {
    Header h = loop.header();
    if (!stopping && h.role() == Role.LEADER && thread.isAlive()
        && Thread.currentThread() != thread && h.membership().voters().size() > 1) {
      try {
        String next = loop.transferLeadership(null)
            .get(config.transferTimeoutMillis() + 500, TimeUnit.MILLISECONDS);
        log.info("{}: handed leadership to {} before shutting down", config.id(), next);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.warn("{}: leadership hand-off before shutdown failed: {}", config.id(),
            e.getCause() == null ? e.toString() : e.getCause().toString());
      }
    }
    stopping = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() == thread) {
      return; // the loop finishes after the current step
    }
    if (thread.getState() == Thread.State.NEW) {
      finish();
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
