package io.lattice.node;

import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryId;
import io.lattice.raft.EntryType;
import io.lattice.raft.InvariantViolation;
import io.lattice.raft.LogIndex;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.MembershipChange;
import io.lattice.raft.Message;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftException;
import io.lattice.raft.RaftStatus;
import io.lattice.raft.ReadMode;
import io.lattice.raft.Ready;
import io.lattice.raft.RestoredState;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import io.lattice.raft.SoftState;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.DataDirLock;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SegmentedLogStore;
import io.lattice.transport.PeerInbox;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * One running Lattice server: the I/O shell around the Raft core (DESIGN §2).
 *
 * <p><b>Threading.</b> One loop thread ({@code lattice-loop-<id>}) owns the core, the
 * {@link ReadyHandler}, the three stores and the {@link KvStateMachine}; nothing else touches them.
 * Every public method is thread-safe: it puts a task in a lock-free inbox and wakes the loop, which
 * repeatedly (1) drains the inbox (peer messages, snapshots, proposals, reads, admin requests),
 * (2) ticks the core when a tick is due (by {@link System#nanoTime}; no timer threads), (3) handles
 * every Ready through the ReadyHandler — so all proposals taken in one drain go into one append and
 * one fsync (group commit) — and (4) expires timed-out requests, then parks until the next tick or
 * the next task. Futures are completed on the loop thread: callers must not block in callbacks
 * attached with {@code thenApply} and the like (use the {@code *Async} variants for real work).
 *
 * <p><b>Failures.</b> A request fails with a {@link NodeException} carrying the reason. A fatal
 * error (a {@link StorageFailureException}, an {@link InvariantViolation}, any exception from the
 * handler) stops the loop, fails every pending request with STOPPED and completes {@link
 * #fatalError()} with the cause: the process must exit non-zero and recover from disk.
 *
 * <p><b>Transport.</b> The transport is built by a factory given this node as its {@link
 * PeerInbox}; it is called on the loop thread only (sends), and calls back into the inbox from any
 * thread.
 */
public final class RaftNode implements PeerInbox, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RaftNode.class);
  /** Most inbox tasks run before the loop ticks and handles the Ready (one append, one fsync). */
  private static final int MAX_TASKS_PER_DRAIN = 4096;
  /** How long a stopping node waits for a snapshot being written. */
  private static final long SNAPSHOT_WRITE_GRACE_SECONDS = 30;

  /** The state-machine hash at an applied index, to compare replicas. */
  public record StateHashResult(long hash, long appliedIndex) {}

  /**
   * What API response headers need, readable from any thread without a round trip through the loop
   * (published after every Ready; may lag the core by one loop iteration).
   */
  public record Header(String id, Role role, long term, String leaderId, String leaderAddress,
      long commitIndex, long appliedIndex, Membership membership) {}

  /** A unit of work for the loop; {@link #abort} fails its future when it will never run. */
  private interface Task {
    void run();

    default void abort(NodeException e) {}
  }

  private record PendingProposal(long term, long deadline, CompletableFuture<byte[]> future) {}

  private record PendingRead(long deadline, Function<KvStateMachine, ?> query,
      CompletableFuture<Object> future) {}

  private record TransferWaiter(long deadline, CompletableFuture<String> future) {}

  /** A Snapshot request: done once the newest snapshot covers {@code index}. */
  private record SnapshotWaiter(long index, CompletableFuture<SnapshotMeta> future) {}

  private final NodeConfig config;
  private final long tickNanos;
  private final long requestTimeoutNanos;
  private final NodeMetrics metrics;
  private final DataDirLock dataDirLock;
  private final SegmentedLogStore logStore;
  private final NodeStorage storage;
  private final KvStateMachine sm;
  private final Raft raft;
  private final ReadyHandler handler;
  private final Transport transport;
  private final Thread loop;
  /** Writes snapshots out while the loop goes on (one at a time: the handler begins at most one). */
  private final ExecutorService snapshotWriter;
  private final ConcurrentLinkedQueue<Task> inbox = new ConcurrentLinkedQueue<>();
  private final CompletableFuture<Throwable> fatal = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private volatile boolean stopping;
  private volatile Header header;

  // ---- owned by the loop thread
  private final TreeMap<Long, PendingProposal> proposals = new TreeMap<>();
  private final LinkedHashMap<Long, PendingRead> reads = new LinkedHashMap<>();
  private final List<TransferWaiter> transfers = new ArrayList<>();
  private final List<SnapshotWaiter> snapshotWaiters = new ArrayList<>();
  private long nextReadId;
  private long ticks;
  private SoftState lastSoft;
  private long lastSnapshotIndex;
  private Membership lastMembership;

  private RaftNode(NodeConfig config, Function<PeerInbox, Transport> transports, FileIo io,
      NodeMetrics metrics) throws IOException {
    this.config = Objects.requireNonNull(config, "config");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
    this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis());
    Files.createDirectories(config.dataDir());
    this.dataDirLock = DataDirLock.acquire(config.dataDir());
    try {
      this.logStore = SegmentedLogStore.open(config.dataDir(), io,
          SegmentedLogStore.DEFAULT_SEGMENT_BYTES);
    } catch (IOException | RuntimeException e) {
      dataDirLock.close();
      throw e;
    }
    try {
      this.storage = new NodeStorage(new TimedLogStore(logStore, metrics), new FileHardStateStore(config.dataDir(), io),
          new FileSnapshotStore(config.dataDir(), io));
      this.sm = new KvStateMachine();
      RestoredState restored = RaftRecovery.recover(storage, sm, config.bootstrapMembership());
      this.raft = new Raft(config.raftConfig(), restored, new SplittableRandom());
      log.info("{}: recovered from {}: term {}, voted for {}, snapshot {}@{}, log [{}, {}], "
              + "membership {}{}",
          config.id(), config.dataDir(), restored.hardState().term(),
          restored.hardState().votedFor(), restored.snapshot().index(), restored.snapshot().term(),
          logStore.firstIndex(), logStore.lastIndex(), raft.membership(),
          restored.snapshot().index() == LogIndex.NONE && restored.entries().isEmpty()
              ? (config.join() ? " (fresh, joining a running cluster)" : " (fresh, bootstrap)")
              : "");
      this.transport = Objects.requireNonNull(transports.apply(this), "transport");
      this.snapshotWriter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lattice-snapshot-" + config.id());
        t.setDaemon(true);
        return t;
      });
      this.handler = new ReadyHandler(raft, storage, sm, transport, new Listener(),
          config.snapshotThreshold(), this::writeInBackground);
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    // Read ids must never repeat for this node, even across restarts: a late answer to an id of an
    // earlier life must not complete a new read.
    this.nextReadId = System.currentTimeMillis() << 16;
    this.lastSoft = raft.softState();
    this.lastSnapshotIndex = raft.snapshot().index();
    this.lastMembership = raft.membership();
    publishHeader();
    this.loop = new Thread(this::runLoop, "lattice-loop-" + config.id());
  }

  /**
   * Opens the data directory, recovers, and starts the loop.
   *
   * @param transports builds the peer transport, given this node as the inbox it delivers to
   * @throws IOException if the data directory cannot be opened or is corrupt (see {@link
   *     io.lattice.storage.CorruptStorageException}); the node must not start
   */
  public static RaftNode start(NodeConfig config, Function<PeerInbox, Transport> transports)
      throws IOException {
    return start(config, transports, NodeMetrics.NONE);
  }

  /** As {@link #start(NodeConfig, Function)}, reporting to {@code metrics}. */
  public static RaftNode start(NodeConfig config, Function<PeerInbox, Transport> transports,
      NodeMetrics metrics) throws IOException {
    return start(config, transports, FileIo.SYSTEM, metrics);
  }

  /** As {@link #start(NodeConfig, Function)} with a file-system seam (tests inject failures). */
  static RaftNode start(NodeConfig config, Function<PeerInbox, Transport> transports, FileIo io)
      throws IOException {
    return start(config, transports, io, NodeMetrics.NONE);
  }

  private static RaftNode start(NodeConfig config, Function<PeerInbox, Transport> transports,
      FileIo io, NodeMetrics metrics) throws IOException {
    RaftNode node = new RaftNode(config, transports, io, metrics);
    node.loop.start();
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
    return header;
  }

  /** Completes with the cause when a fatal error stopped the node; never completes otherwise. */
  public CompletableFuture<Throwable> fatalError() {
    return fatal;
  }

  /** Completes when the loop has ended and the stores are closed. */
  public CompletableFuture<Void> terminated() {
    return terminated;
  }

  // ====================================================================== client API

  /**
   * Proposes a state-machine command (lattice-proto KvCommandCodec bytes).
   *
   * @return completes with the state machine's result ({@link io.lattice.kv.KvResultCodec} bytes)
   *     once the entry is applied here; fails with NOT_LEADER, TRANSFER_IN_PROGRESS, INDETERMINATE,
   *     INVALID_ARGUMENT (too large) or STOPPED
   */
  public CompletableFuture<byte[]> propose(byte[] command) {
    Objects.requireNonNull(command, "command");
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    if (command.length > config.maxRequestBytes()) {
      f.completeExceptionally(new NodeException(NodeException.Reason.INVALID_ARGUMENT,
          "request of " + command.length + " bytes exceeds the limit of "
              + config.maxRequestBytes()));
      return f;
    }
    f.whenComplete((result, error) -> metrics.proposalDone(error == null));
    submit(f, () -> {
      EntryId id = raft.propose(command);
      proposals.put(id.index(), new PendingProposal(id.term(), deadline(requestTimeoutNanos), f));
    });
    return f;
  }

  /** {@link #read(ReadConsistency, Function)} with the core's mode; null means STALE. */
  public <T> CompletableFuture<T> read(ReadMode mode, Function<KvStateMachine, T> query) {
    return read(ReadConsistency.of(mode), query);
  }

  /**
   * Runs {@code query} against the state machine on the loop thread: at once for STALE; for
   * LINEARIZABLE/LEASE once the core granted a read index and this node applied up to it. The query
   * must be quick and must not keep references to mutable state past its return.
   *
   * @return the query's result; fails with UNAVAILABLE (not granted or timed out) or STOPPED
   */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> read(ReadConsistency consistency,
      Function<KvStateMachine, T> query) {
    Objects.requireNonNull(query, "query");
    CompletableFuture<Object> f = new CompletableFuture<>();
    ReadMode mode = consistency.toReadMode();
    submit(f, () -> {
      if (mode == null) {
        try {
          f.complete(query.apply(sm));
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
        return;
      }
      long id = nextReadId++;
      reads.put(id, new PendingRead(deadline(requestTimeoutNanos), query, f));
      raft.readIndex(id, mode);
    });
    return (CompletableFuture<T>) (CompletableFuture<?>) f;
  }

  // ====================================================================== admin API

  /** This node's status (taken on the loop). */
  public CompletableFuture<NodeStatus> status() {
    CompletableFuture<NodeStatus> f = new CompletableFuture<>();
    submit(f, () -> f.complete(buildStatus()));
    return f;
  }

  /** The membership as this node knows it (the latest configuration in its log). */
  public CompletableFuture<Membership> memberList() {
    CompletableFuture<Membership> f = new CompletableFuture<>();
    submit(f, () -> f.complete(raft.membership()));
    return f;
  }

  /**
   * Adds a server as a learner; unless {@code stayLearner}, the leader promotes it once caught up.
   * Completes with the new membership when the change is applied on this (leader) node.
   */
  public CompletableFuture<Membership> addMember(String id, String address, boolean stayLearner) {
    return changeMembership(new MembershipChange.AddLearner(id, address, !stayLearner));
  }

  /** Makes a learner a voter; completes when the change is applied. */
  public CompletableFuture<Membership> promoteMember(String id) {
    return changeMembership(new MembershipChange.Promote(id));
  }

  /**
   * Removes a member; completes when the change is applied. Removing the leader itself makes it
   * hand leadership off after the change commits.
   */
  public CompletableFuture<Membership> removeMember(String id) {
    return changeMembership(new MembershipChange.Remove(id));
  }

  private CompletableFuture<Membership> changeMembership(MembershipChange change) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    submit(f, () -> {
      EntryId id = raft.proposeMembership(change);
      log.info("{}: proposed membership change {} at {}", config.id(), change, id.index());
      proposals.put(id.index(), new PendingProposal(id.term(), deadline(requestTimeoutNanos), f));
    });
    return f.thenApply(Membership::decode);
  }

  /**
   * Hands leadership to {@code target}, or when null to the most up-to-date voter heard from within
   * an election timeout. Completes with the new leader's id once this node sees another leader;
   * fails with NOT_LEADER, INVALID_ARGUMENT (not a voter, or this node), UNAVAILABLE (no live voter
   * to pick), TRANSFER_IN_PROGRESS, or TIMEOUT after the configured transfer timeout.
   */
  public CompletableFuture<String> transferLeadership(String target) {
    CompletableFuture<String> f = new CompletableFuture<>();
    submit(f, () -> {
      String t = target != null ? target : liveTransferTarget();
      raft.transferLeadership(t);
      log.info("{}: transferring leadership to {} (term {})", config.id(), t, raft.term());
      transfers.add(new TransferWaiter(
          deadline(TimeUnit.MILLISECONDS.toNanos(config.transferTimeoutMillis())), f));
    });
    return f;
  }

  /**
   * Takes a snapshot of everything applied so far (unless the newest snapshot already covers it)
   * and completes with the newest snapshot once it is durable and the log is compacted. Written in
   * the background like automatic snapshots: the node keeps serving meanwhile.
   */
  public CompletableFuture<SnapshotMeta> snapshotNow() {
    CompletableFuture<SnapshotMeta> f = new CompletableFuture<>();
    submit(f, () -> {
      snapshotWaiters.add(new SnapshotWaiter(handler.appliedIndex(), f));
      serveSnapshotWaiters();
    });
    return f;
  }

  /** Completes the waiters the newest snapshot covers; begins a snapshot for the rest (loop). */
  private void serveSnapshotWaiters() {
    long newest = raft.snapshot().index();
    snapshotWaiters.removeIf(w -> {
      if (w.index() <= newest) {
        w.future().complete(raft.snapshot());
        return true;
      }
      return false;
    });
    if (!snapshotWaiters.isEmpty()) {
      handler.beginSnapshot().ifPresent(this::writeInBackground);
    }
  }

  /** Runs a begun snapshot's slow part on the snapshot thread, then finishes it on the loop. */
  private void writeInBackground(ReadyHandler.SnapshotJob job) {
    log.debug("{}: writing {} in the background", config.id(), job);
    snapshotWriter.execute(() -> {
      try {
        long start = System.nanoTime();
        job.write();
        long took = System.nanoTime() - start;
        enqueue(() -> {
          if (handler.finishSnapshot(job)) {
            metrics.snapshotTaken(took);
          }
          logSnapshotIfNew("written in the background");
          serveSnapshotWaiters();
        });
      } catch (IOException | RuntimeException e) {
        enqueue(() -> handler.snapshotFailed(job,
            e instanceof IOException io ? io : new IOException(e)));
      }
    });
  }

  /** The state machine's hash and the index it reflects (compare replicas at equal indexes). */
  public CompletableFuture<StateHashResult> hash() {
    CompletableFuture<StateHashResult> f = new CompletableFuture<>();
    submit(f, () -> f.complete(new StateHashResult(sm.hash(), handler.appliedIndex())));
    return f;
  }

  // ====================================================================== PeerInbox

  @Override
  public void deliver(Message message) {
    enqueue(() -> raft.step(message));
  }

  @Override
  public void deliverSnapshot(Message.InstallSnapshot message, byte[] data) {
    enqueue(() -> handler.deliverSnapshot(message, data));
  }

  @Override
  public void unreachable(String peer) {
    enqueue(() -> raft.reportUnreachable(peer));
  }

  @Override
  public void snapshotSent(String peer, boolean success) {
    enqueue(() -> raft.reportSnapshot(peer, success));
  }

  // ====================================================================== shutdown

  /**
   * Graceful shutdown: a leader with other voters first hands leadership off (waiting at most the
   * transfer timeout), then the loop stops, pending requests fail with STOPPED and the stores are
   * closed. Idempotent; returns once the loop has ended.
   */
  @Override
  public void close() {
    Header h = header;
    if (!stopping && h.role() == Role.LEADER && loop.isAlive()
        && Thread.currentThread() != loop && h.membership().voters().size() > 1) {
      try {
        String next = transferLeadership(null)
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
    LockSupport.unpark(loop);
    if (Thread.currentThread() == loop) {
      return; // the loop finishes after the current task
    }
    if (loop.getState() == Thread.State.NEW) {
      finish();
      return;
    }
    boolean interrupted = false;
    while (loop.isAlive()) {
      try {
        loop.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ====================================================================== the loop

  private void runLoop() {
    long nextTick = System.nanoTime() + tickNanos;
    try {
      while (!stopping) {
        Task t;
        int drained = 0;
        // Bounded, so that a flood of messages cannot starve ticks and Ready handling.
        while (!stopping && drained < MAX_TASKS_PER_DRAIN && (t = inbox.poll()) != null) {
          t.run();
          drained++;
        }
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          // Catch up on ticks missed in a stall (never skip them: a leader whose clock runs slow
          // would hold its lease too long), but at most enough for every timer to expire.
          long due = (now - nextTick) / tickNanos + 1;
          long n = Math.min(due, 2L * config.electionTicks() + 1);
          for (long i = 0; i < n; i++) {
            raft.tick();
            ticks++;
          }
          nextTick += due * tickNanos;
        }
        while (raft.hasReady()) {
          Ready rd = raft.ready();
          handler.handle(rd);
          afterReady(rd);
        }
        expire(System.nanoTime());
        checkTransfers();
        publishHeader();
        if (inbox.isEmpty() && !stopping) {
          long wait = nextTick - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(this, wait);
          }
        }
      }
    } catch (Throwable e) {
      log.error("{}: fatal error, stopping the node: {}", config.id(), e.toString(), e);
      stopping = true;
      fatal.complete(e);
    } finally {
      finish();
    }
  }

  /** Fails everything still pending and closes the stores; runs once the loop can run no more. */
  private synchronized void finish() {
    if (terminated.isDone()) {
      return;
    }
    stopping = true;
    NodeException stopped = new NodeException(NodeException.Reason.STOPPED,
        fatal.isDone() ? "the node stopped after a fatal error" : "the node is shutting down");
    for (PendingProposal p : proposals.values()) {
      p.future().completeExceptionally(stopped);
    }
    proposals.clear();
    for (PendingRead r : reads.values()) {
      r.future().completeExceptionally(stopped);
    }
    reads.clear();
    for (TransferWaiter w : transfers) {
      w.future().completeExceptionally(stopped);
    }
    transfers.clear();
    for (SnapshotWaiter w : snapshotWaiters) {
      w.future().completeExceptionally(stopped);
    }
    snapshotWaiters.clear();
    stopSnapshotWriter();
    Task t;
    while ((t = inbox.poll()) != null) {
      t.abort(stopped);
    }
    closeQuietly();
    log.info("{}: stopped", config.id());
    terminated.complete(null);
  }

  /**
   * Lets a snapshot being written finish (bounded) before the stores close: its temp file must not
   * be written after the data directory is unlocked. An unfinished one is discarded at next start.
   */
  private void stopSnapshotWriter() {
    if (snapshotWriter == null) {
      return;
    }
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

  private void closeQuietly() {
    try {
      logStore.close();
    } catch (IOException | RuntimeException e) {
      log.warn("{}: closing the log store: {}", config.id(), e.toString());
    } finally {
      dataDirLock.close(); // last: nothing of ours touches the directory after this
    }
  }

  /** Role changes, membership changes, snapshots; fails requests the Ready made hopeless. */
  private void afterReady(Ready rd) {
    SoftState s = rd.softState();
    if (s != null && !s.equals(lastSoft)) {
      if (s.role() != lastSoft.role() || s.term() != lastSoft.term()
          || !Objects.equals(s.leaderId(), lastSoft.leaderId())) {
        log.info("{}: {} in term {}, leader {}", config.id(), s.role(), s.term(),
            s.leaderId() == null ? "unknown" : s.leaderId());
      }
      // Only a campaign raises this server's term while it is candidate or leader (a single
      // voter can go from follower to leader within one Ready, never showing as candidate).
      if ((s.role() == Role.CANDIDATE || s.role() == Role.LEADER) && s.term() > lastSoft.term()) {
        metrics.electionStarted();
      }
      if (s.leaderId() != null
          && (!s.leaderId().equals(lastSoft.leaderId()) || s.term() != lastSoft.term())) {
        metrics.leaderChanged();
      }
      if (lastSoft.role() == Role.LEADER && s.role() != Role.LEADER) {
        NodeException lost = notLeader(NodeException.Reason.INDETERMINATE,
            "leadership lost before the entry was applied: it may or may not commit");
        for (PendingProposal p : proposals.values()) {
          p.future().completeExceptionally(lost);
        }
        proposals.clear();
      }
      lastSoft = s;
    }
    Membership m = raft.membership();
    if (!m.equals(lastMembership)) {
      log.info("{}: membership is now {} (commit index {})", config.id(), m, raft.commitIndex());
      lastMembership = m;
    }
    logSnapshotIfNew(rd.snapshot() != null ? "installed from the leader" : "automatic");
    checkTransfers();
  }

  /** Completes transfer waiters once another leader is known; fails them if the core gave up. */
  private void checkTransfers() {
    if (transfers.isEmpty()) {
      return;
    }
    if (raft.role() != Role.LEADER && raft.leaderId() != null
        && !raft.leaderId().equals(config.id())) {
      for (TransferWaiter w : transfers) {
        w.future().complete(raft.leaderId());
      }
      transfers.clear();
    } else if (raft.role() == Role.LEADER && raft.status().transferTarget() == null) {
      // The core abandons a transfer after an election timeout without the target taking over.
      NodeException e = new NodeException(NodeException.Reason.TIMEOUT,
          "the leadership transfer was abandoned: the target did not take over within an "
              + "election timeout", config.id(), leaderAddress(config.id()));
      for (TransferWaiter w : transfers) {
        w.future().completeExceptionally(e);
      }
      transfers.clear();
    }
  }

  private void logSnapshotIfNew(String how) {
    SnapshotMeta snap = raft.snapshot();
    if (snap.index() != lastSnapshotIndex) {
      log.info("{}: snapshot {}@{} ({}); log now [{}, {}]", config.id(), snap.index(), snap.term(),
          how, logStore.firstIndex(), logStore.lastIndex());
      lastSnapshotIndex = snap.index();
    }
  }

  private void expire(long now) {
    while (!proposals.isEmpty()) {
      Map.Entry<Long, PendingProposal> e = proposals.firstEntry();
      // Deadlines grow with the index, except after a new term: scan until one is not due.
      if (now - e.getValue().deadline() < 0) {
        break;
      }
      proposals.pollFirstEntry();
      e.getValue().future().completeExceptionally(new NodeException(
          NodeException.Reason.INDETERMINATE, "no outcome for entry " + e.getKey() + " within "
              + config.requestTimeoutMillis() + " ms: it may or may not commit"));
    }
    Iterator<Map.Entry<Long, PendingRead>> it = reads.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, PendingRead> e = it.next();
      if (now - e.getValue().deadline() < 0) {
        break;
      }
      it.remove();
      e.getValue().future().completeExceptionally(notLeader(NodeException.Reason.UNAVAILABLE,
          "read not confirmed within " + config.requestTimeoutMillis() + " ms"));
    }
    Iterator<TransferWaiter> tw = transfers.iterator();
    while (tw.hasNext()) {
      TransferWaiter w = tw.next();
      if (now - w.deadline() >= 0) {
        tw.remove();
        w.future().completeExceptionally(new NodeException(NodeException.Reason.TIMEOUT,
            "leadership transfer did not finish within " + config.transferTimeoutMillis() + " ms",
            raft.leaderId(), leaderAddress(raft.leaderId())));
      }
    }
  }

  /**
   * The voter (other than this leader) with the highest match index among those heard from within
   * an election timeout; the core's own choice (null target) may pick a voter that is down.
   */
  private String liveTransferTarget() {
    if (raft.role() != Role.LEADER) {
      return null; // the core answers NOT_LEADER
    }
    String best = null;
    long bestMatch = -1;
    for (RaftStatus.PeerStatus p : raft.status().peers().values()) {
      if (p.voter() && !p.id().equals(config.id())
          && p.ticksSinceContact() < config.electionTicks() && p.matchIndex() > bestMatch) {
        best = p.id();
        bestMatch = p.matchIndex();
      }
    }
    if (best == null) {
      throw new NodeException(NodeException.Reason.UNAVAILABLE,
          "no other voter was heard from recently: nobody to hand leadership to",
          config.id(), leaderAddress(config.id()));
    }
    return best;
  }

  private NodeStatus buildStatus() {
    RaftStatus rs = raft.status();
    List<NodeStatus.PeerLag> peers = new ArrayList<>();
    for (RaftStatus.PeerStatus p : rs.peers().values()) {
      peers.add(new NodeStatus.PeerLag(p.id(), p.voter(), p.matchIndex(), p.nextIndex(),
          LogIndex.lag(p.matchIndex(), rs.lastIndex()), p.state(), p.recentActive(),
          p.ticksSinceContact() * config.tickMillis()));
    }
    return new NodeStatus(rs.id(), rs.role(), rs.term(), rs.leaderId(),
        leaderAddress(rs.leaderId()), rs.commitIndex(), handler.appliedIndex(),
        logStore.firstIndex(), logStore.lastIndex(), logStore.sizeBytes(), rs.snapshot().index(),
        rs.snapshot().term(), rs.membership(), rs.transferTarget(), peers, rs);
  }

  private void publishHeader() {
    header = new Header(config.id(), raft.role(), raft.term(), raft.leaderId(),
        leaderAddress(raft.leaderId()), raft.commitIndex(), raft.appliedIndex(), raft.membership());
    metrics.state(raft.role(), raft.term(), raft.commitIndex(), raft.appliedIndex(),
        logStore.firstIndex(), logStore.lastIndex(), logStore.sizeBytes(), raft.snapshot().index());
  }

  // ====================================================================== plumbing

  private String leaderAddress(String leaderId) {
    if (leaderId == null) {
      return null;
    }
    Member m = raft.membership().member(leaderId);
    return m == null ? null : m.address();
  }

  private NodeException notLeader(NodeException.Reason reason, String message) {
    String leader = raft.leaderId();
    return new NodeException(reason, message, leader, leaderAddress(leader));
  }

  private NodeException translate(RaftException e) {
    NodeException.Reason r;
    switch (e.reason()) {
      case NOT_LEADER:
        r = NodeException.Reason.NOT_LEADER;
        break;
      case TRANSFER_IN_PROGRESS:
        r = NodeException.Reason.TRANSFER_IN_PROGRESS;
        break;
      case MEMBERSHIP_CHANGE_IN_PROGRESS:
        r = NodeException.Reason.MEMBERSHIP_CHANGE_IN_PROGRESS;
        break;
      default:
        r = NodeException.Reason.INVALID_ARGUMENT;
        break;
    }
    String leader = e.leaderHint() != null ? e.leaderHint() : raft.leaderId();
    return new NodeException(r, e.getMessage(), leader, leaderAddress(leader));
  }

  private static long deadline(long afterNanos) {
    return System.nanoTime() + afterNanos;
  }

  /**
   * Queues a client task: a refusal of the core (RaftException) or a NodeException thrown by the
   * task fails {@code f}; anything else is fatal.
   */
  private void submit(CompletableFuture<?> f, Runnable body) {
    enqueue(new Task() {
      @Override
      public void run() {
        if (f.isDone()) {
          return;
        }
        try {
          body.run();
        } catch (RaftException e) {
          f.completeExceptionally(translate(e));
        } catch (NodeException e) {
          f.completeExceptionally(e);
        } catch (IllegalArgumentException e) {
          // an argument the core or the membership codec refused (e.g. an over-long address)
          f.completeExceptionally(new NodeException(NodeException.Reason.INVALID_ARGUMENT,
              String.valueOf(e.getMessage())));
        }
      }

      @Override
      public void abort(NodeException e) {
        f.completeExceptionally(e);
      }
    });
  }

  private void enqueue(Task task) {
    if (stopping) {
      task.abort(new NodeException(NodeException.Reason.STOPPED, "the node is stopped"));
      return;
    }
    inbox.add(task);
    if (stopping && inbox.remove(task)) {
      // Raced with shutdown after its final drain: nobody will run it.
      task.abort(new NodeException(NodeException.Reason.STOPPED, "the node is stopped"));
      return;
    }
    LockSupport.unpark(loop);
  }

  /** Matches applied entries and granted reads to the requests waiting for them (loop thread). */
  private final class Listener implements ApplyListener {
    @Override
    public void applied(Entry entry, byte[] result) {
      PendingProposal p = proposals.remove(entry.index());
      if (p == null) {
        return;
      }
      if (p.term() != entry.term()) {
        p.future().completeExceptionally(notLeader(NodeException.Reason.INDETERMINATE,
            "entry " + entry.index() + " was overwritten by a new leader's log"));
        return;
      }
      byte[] out = entry.type() == EntryType.CONFIG ? entry.data()
          : result == null ? new byte[0] : result;
      p.future().complete(out);
    }

    @Override
    public void snapshotRestored(SnapshotMeta meta) {
      metrics.snapshotInstalled();
      NodeException covered = notLeader(NodeException.Reason.INDETERMINATE,
          "a snapshot from the leader covered the entry: it may or may not have committed");
      while (!proposals.isEmpty() && proposals.firstKey() <= meta.index()) {
        proposals.pollFirstEntry().getValue().future().completeExceptionally(covered);
      }
    }

    @Override
    public void readReady(long requestId, long readIndex) {
      PendingRead r = reads.remove(requestId);
      if (r == null) {
        return;
      }
      try {
        r.future().complete(r.query().apply(sm));
      } catch (RuntimeException e) {
        r.future().completeExceptionally(e);
      }
    }

    @Override
    public void readFailed(long requestId) {
      PendingRead r = reads.remove(requestId);
      if (r != null) {
        r.future().completeExceptionally(notLeader(NodeException.Reason.UNAVAILABLE,
            "leadership could not be confirmed for the read"));
      }
    }
  }
}
