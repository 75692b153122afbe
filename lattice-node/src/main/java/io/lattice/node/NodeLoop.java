package io.lattice.node;

import io.lattice.errors.Reason;
import io.lattice.raft.Entry;
import io.lattice.raft.LogIndex;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.RaftStatus;
import io.lattice.raft.Ready;
import io.lattice.raft.RestoredState;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import io.lattice.raft.SoftState;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's event loop as a unit: the Raft core, its {@link ReadyHandler}, the stores and the
 * state machine, driven one {@link #step()} at a time, with time from an injected {@link
 * NodeClock}. {@link RaftNode} runs it on a thread of its own; the deterministic simulator calls
 * {@link #step()} itself, with a virtual clock, so that what is simulated is what runs.
 *
 * <p><b>One step</b>, in this order:
 *
 * <ol>
 *   <li><b>time</b>: the core is ticked for every tick due by the clock — before anything is read
 *       or answered, so that a loop that stalled (a slow fsync, a long apply, a GC pause) never
 *       serves a lease read from a tick count that predates the stall;
 *   <li><b>inbox</b>: queued tasks run (peer messages, proposals, reads, admin requests), at most
 *       {@link #MAX_TASKS_PER_STEP}, so a flood cannot starve ticks; a LEASE read brings time up to
 *       date again before it asks the core;
 *   <li><b>Ready</b>: every Ready is handled (a leader's appends, persist, send, apply, advance;
 *       see {@link ReadyHandler}): all proposals taken in the step share one append and one fsync;
 *   <li><b>requests</b>: role and snapshot changes end the requests they make hopeless, and timed-out
 *       ones end (see {@link PendingRequests} for the outcome rule); the {@link RaftNode.Header} is
 *       published.
 * </ol>
 *
 * <p><b>Bounded queues.</b> Client and admin requests are admitted by {@link NodeRequests} before
 * they are queued. Peer messages are admitted here against {@link LoadLimits#maxInboxBytes()}:
 * past it a message is dropped at once and counted ({@link NodeMetrics#peerMessageDropped}), never
 * blocking the transport's thread; Raft tolerates the loss, as the sender retries (a heartbeat
 * or append goes again, a vote request at the next election). Snapshot deliveries and the
 * transport's reports on snapshots it sent are not dropped: there is one per transfer.
 *
 * <p><b>Restores.</b> With {@link #setRestoreExecutor}, a snapshot installed from the leader is
 * read and decoded on that executor while the loop goes on (persisting and acknowledging appends,
 * answering heartbeats and requests); entries after it are applied, and reads served, only once
 * the restored state is swapped in on the loop (see {@link ReadyHandler#restoreInBackground}).
 * These off-loop jobs, and the snapshots written on the snapshot executor, are {@link
 * SnapshotJobs}' part: their results come back to the loop through the inbox, as tasks.
 *
 * <p><b>Threads.</b> The request methods ({@link NodeRequests}) and the {@link PeerInbox} methods
 * may be called from any thread: they queue a task and call the waker. {@link #step()} and {@link
 * #stop} must be called by one thread at a time (the loop's owner); futures complete on it.
 *
 * <p><b>Failure.</b> Any exception out of {@link #step()} (a storage failure, an invariant
 * violation of the core, a state machine that threw) means the node must stop: the owner calls
 * {@link #stop} and the process recovers from disk. Nothing of a failed Ready was acknowledged.
 *
 * @param <S> the state machine, which reads run against
 */
public final class NodeLoop<S extends StateMachine> extends NodeRequests<S> implements PeerInbox {
  private static final Logger log = LoggerFactory.getLogger(NodeLoop.class);
  /** Most inbox tasks run in one step before the Ready is handled (one append, one fsync). */
  static final int MAX_TASKS_PER_STEP = 4096;

  private final NodeMetrics metrics;
  private final NodeClock clock;
  private final long tickNanos;
  private final NodeStorage storage;
  private final ReadyHandler handler;
  /** Snapshot writes and restores off the loop, their results queued back to the inbox. */
  private final SnapshotJobs snapshots;
  private final DiskSpaceMonitor space;
  private final ConcurrentLinkedQueue<Task> inbox = new ConcurrentLinkedQueue<>();
  /** Peer messages queued in {@link #inbox} (by bytes only: there is no bound on their number). */
  private final PeerAdmission peerMessages;
  private volatile Runnable waker = () -> {};
  private volatile boolean stopped;
  private volatile RaftNode.Header header;

  // ---- owned by the loop's thread
  private long nextTick;
  private SoftState lastSoft;
  private Membership lastMembership;
  private final MembershipGate gate;

  /** A unit of work for the loop; {@link #abort} ends its request when it will never run. */
  interface Task {
    void run();

    default void abort(NodeException e) {}
  }

  /**
   * Recovers the core and the state machine from {@code storage} and builds the loop (the first
   * step ticks from now).
   *
   * @param transports builds the peer transport, given this loop as the inbox it delivers to
   * @param random the core's randomness (election jitter) and the seed of read ids
   * @param snapshotExecutor where snapshots are written while the loop goes on; null writes them
   *     synchronously inside the step
   */
  public NodeLoop(NodeConfig config, NodeStorage storage, S stateMachine,
      Function<PeerInbox, Transport> transports, NodeMetrics metrics, NodeClock clock,
      RandomGenerator random, Executor snapshotExecutor) throws IOException {
    this(config, storage, stateMachine, stateMachine, transports, metrics, clock, random,
        snapshotExecutor);
  }

  /**
   * As the other constructor, but entries are applied through {@code applyVia}, which must pass
   * them on to {@code stateMachine} (tests wrap it to inject faults in the middle of applying).
   */
  public NodeLoop(NodeConfig config, NodeStorage storage, S stateMachine, StateMachine applyVia,
      Function<PeerInbox, Transport> transports, NodeMetrics metrics, NodeClock clock,
      RandomGenerator random, Executor snapshotExecutor) throws IOException {
    this(config, config.raftConfig(), storage, stateMachine, applyVia, transports, metrics, clock,
        random, snapshotExecutor);
  }

  /**
   * As the other constructors, but the core is tuned by {@code raftConfig} rather than {@link
   * NodeConfig#raftConfig()}: tests set what the node configuration does not (pipelining and
   * append limits, the promotion gap, the snapshot timeout). The settings both have must agree.
   */
  public NodeLoop(NodeConfig config, RaftConfig raftConfig, NodeStorage storage, S stateMachine,
      StateMachine applyVia, Function<PeerInbox, Transport> transports, NodeMetrics metrics,
      NodeClock clock, RandomGenerator random, Executor snapshotExecutor) throws IOException {
    super(config, stateMachine, random.nextLong());
    RaftConfig c = config.raftConfig();
    if (!raftConfig.id().equals(c.id()) || raftConfig.electionTicks() != c.electionTicks()
        || raftConfig.heartbeatTicks() != c.heartbeatTicks()
        || raftConfig.leaseDriftTicks() != c.leaseDriftTicks()
        || raftConfig.trailingEntries() != c.trailingEntries()) {
      throw new IllegalArgumentException("core configuration " + raftConfig
          + " disagrees with the node configuration's " + c);
    }
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.storage = Objects.requireNonNull(storage, "storage");
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
    this.peerMessages = new PeerAdmission(config.limits().maxInboxBytes(), metrics);
    RestoredState restored =
        RaftRecovery.recover(storage, stateMachine, config.bootstrapMembership());
    Raft core = new Raft(raftConfig, restored, random);
    log.info("{}: recovered from {}: term {}, voted for {}, snapshot {}@{}, log [{}, {}], "
            + "membership {}{}",
        config.id(), config.dataDir(), restored.hardState().term(), restored.hardState().votedFor(),
        restored.snapshot().index(), restored.snapshot().term(), storage.log().firstIndex(),
        storage.log().lastIndex(), core.membership(),
        restored.snapshot().index() == LogIndex.NONE && restored.entries().isEmpty()
            ? (config.join() ? " (fresh, joining a running cluster)" : " (fresh, bootstrap)")
            : "");
    this.space = new DiskSpaceMonitor(config.id(), storage, config.diskReserveBytes(),
        clock::nanoTime, metrics);
    space.checkAtStart(config.dataDir());
    Transport transport = Objects.requireNonNull(transports.apply(this), "transport");
    // The state machine as the handler sees it: applyVia, with its captures timed.
    CaptureTimer captureTimer = new CaptureTimer(applyVia, clock, metrics);
    this.snapshots = new SnapshotJobs(config.id(), core, storage, captureTimer, metrics, pending,
        snapshotExecutor, this::enqueue);
    this.handler = new ReadyHandler(core, storage, captureTimer, transport, new Listener(),
        config.snapshotPolicy(), snapshots.backgroundWriter(), space);
    snapshots.attach(handler);
    attach(core, handler, space);
    this.nextTick = clock.nanoTime() + tickNanos;
    this.lastSoft = core.softState();
    this.lastMembership = core.membership();
    this.gate = new MembershipGate(core.snapshot().membership());
    publishHeader();
  }

  /**
   * Sets where restores from snapshots installed from the leader run: off the loop, on {@code
   * executor} (one at a time suffices: a newer snapshot cancels the restore under way, which then
   * stops at its next read), the restored state swapped in on the loop when it is complete; see
   * {@link ReadyHandler#restoreInBackground} for what the loop does meanwhile. Null (the default):
   * inside the step that installs the snapshot. Set it before the first step.
   */
  public void setRestoreExecutor(Executor executor) {
    snapshots.restoreOn(executor);
  }

  /** Called whenever a task is queued (the owner wakes its thread). */
  public void setWaker(Runnable waker) {
    this.waker = Objects.requireNonNull(waker, "waker");
  }

  /** The latest published role/term/leader/indexes; may lag the core by one step. */
  public RaftNode.Header header() {
    return header;
  }

  /** Whether tasks are queued (the owner should step again before it waits). */
  public boolean hasQueuedTasks() {
    return !inbox.isEmpty();
  }

  /** Whether the loop was stopped; it then runs nothing more. */
  public boolean isStopped() {
    return stopped;
  }

  /** The core (for checks by its owner and by tests; only on the loop's thread). */
  public Raft raft() {
    return raft;
  }

  /** The state machine (only on the loop's thread). */
  public S stateMachine() {
    return sm;
  }

  /** The index of the last entry applied to the state machine (only on the loop's thread). */
  public long appliedIndex() {
    return handler.appliedIndex();
  }

  // ====================================================================== the step

  /**
   * Runs one iteration of the loop (see the class comment).
   *
   * @return nanoseconds until the next tick is due (0 if one is due already): how long the owner
   *     may wait when no task is queued
   * @throws RuntimeException a fatal error: the owner must {@link #stop} the loop
   */
  public long step() {
    if (stopped) {
      return tickNanos;
    }
    catchUpTime();
    Task t;
    int ran = 0;
    while (!stopped && ran < MAX_TASKS_PER_STEP && (t = inbox.poll()) != null) {
      t.run();
      ran++;
    }
    while (raft.hasReady()) {
      Ready rd = raft.ready();
      handler.handle(rd);
      afterReady(rd);
    }
    handler.maybeSnapshot(); // a snapshot retried after its back-off, on an idle node too
    pending.expire(clock.nanoTime(), timeouts);
    checkTransfers();
    publishHeader();
    return Math.max(0, nextTick - clock.nanoTime());
  }

  /**
   * Ticks the core for every tick due by the clock. A stall is caught up on (never skipped: a
   * leader whose ticks fall behind would hold its lease too long), but with at most enough ticks
   * for every timer to expire.
   */
  @Override
  void catchUpTime() {
    long now = clock.nanoTime();
    if (now - nextTick < 0) {
      return;
    }
    long due = (now - nextTick) / tickNanos + 1;
    long n = Math.min(due, 2L * config.electionTicks() + 1);
    for (long i = 0; i < n; i++) {
      raft.tick();
    }
    nextTick += due * tickNanos;
  }

  @Override
  long now() {
    return clock.nanoTime();
  }

  @Override
  void refusedForLoad() {
    metrics.requestRefused();
  }

  /**
   * Stops the loop for good: appended proposals end INDETERMINATE, everything else pending or
   * queued with SHUTTING_DOWN. Idempotent. The owner closes the stores afterwards.
   *
   * @param cause the fatal error, or null for a shutdown
   */
  public void stop(Throwable cause) {
    if (stopped) {
      return;
    }
    stopped = true;
    String why = cause == null ? "the node is shutting down" : "the node stopped after a fatal error";
    NodeException stoppedError = new NodeException(Reason.SHUTTING_DOWN, why);
    pending.stopped(notLeader(Reason.INDETERMINATE, why
        + " after the entry was appended: it may or may not commit"), stoppedError);
    Task t;
    while ((t = inbox.poll()) != null) {
      t.abort(stoppedError);
    }
  }

  @Override
  void enqueue(Task task) {
    if (stopped) {
      task.abort(new NodeException(Reason.SHUTTING_DOWN, "the node is stopped"));
      return;
    }
    inbox.add(task);
    if (stopped && inbox.remove(task)) {
      // Raced with stop after its final drain: nobody will run it.
      task.abort(new NodeException(Reason.SHUTTING_DOWN, "the node is stopped"));
      return;
    }
    waker.run();
  }

  // ====================================================================== PeerInbox

  @Override
  public void deliver(Message message) {
    enqueuePeer(message, () -> {
      if (!space.refuses(message)) { // a full disk takes no new entries (DiskSpaceMonitor)
        raft.step(message);
      }
    });
  }

  /** Queues a peer task costing about {@code message}'s bytes, or drops it past the inbox bound. */
  private void enqueuePeer(Message message, Runnable body) {
    Task t = peerMessages.admit(message, body);
    if (t != null) {
      enqueue(t);
    }
  }

  /** Bytes of peer messages queued now (for metrics and tests; any thread). */
  long queuedPeerBytes() {
    return peerMessages.bytes();
  }

  @Override
  public void deliverSnapshot(Message.InstallSnapshot message, byte[] data) {
    enqueue(() -> {
      if (!space.noSpace()) { // a full disk cannot take it either: the leader retries later
        handler.deliverSnapshot(message, data);
      }
    });
  }

  @Override
  public void deliverSnapshot(Message.InstallSnapshot message, SnapshotStore.Staged staged) {
    // If the loop stopped the staged file stays behind as a temp file, deleted at the next start.
    enqueue(() -> {
      if (space.noSpace()) { // a full disk cannot take it: the leader retries later
        storage.snapshots().discard(staged);
      } else {
        handler.deliverSnapshot(message, staged);
      }
    });
  }

  @Override
  public void unreachable(String peer) {
    // A hint that only pauses pipelining: dropping it under load is harmless.
    enqueuePeer(null, () -> raft.reportUnreachable(peer));
  }

  @Override
  public void snapshotSent(String peer, boolean success) {
    enqueue(() -> raft.reportSnapshot(peer, success));
  }

  @Override
  public boolean refusesAsRemoved(String peer) {
    return gate.refuses(peer);
  }

  @Override
  public void removedFromCluster(String by, String message) {
    enqueue(() -> {
      throw new MemberRemovedException("member " + config.id() + " has been permanently removed "
          + "from the cluster (the leader " + by + " said: " + message + ")");
    });
  }

  @Override
  public void snapshotDamaged(SnapshotStore.Source source) {
    enqueue(() -> handler.snapshotDamaged(source));
  }

  // ====================================================================== after a Ready

  /** Role changes, membership changes, snapshots; ends requests the Ready made hopeless. */
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
        pending.leadershipLost(notLeader(Reason.INDETERMINATE,
            "leadership lost before the entry was applied: it may or may not commit"));
      }
      lastSoft = s;
    }
    gate.observe(rd);
    Membership m = raft.membership();
    if (!m.equals(lastMembership)) {
      log.info("{}: membership is now {} (commit index {})", config.id(), m, raft.commitIndex());
      lastMembership = m;
    }
    snapshots.logSnapshotIfNew(rd.snapshot() != null ? "installed from the leader" : "automatic");
    checkTransfers();
  }

  /** Ends transfer waiters once another leader is known; fails them if the core gave up. */
  private void checkTransfers() {
    if (!pending.hasTransfers()) {
      return;
    }
    if (raft.role() != Role.LEADER && raft.leaderId() != null
        && !raft.leaderId().equals(config.id())) {
      pending.transfersDone(raft.leaderId());
    } else if (raft.role() == Role.LEADER && raft.status().transferTarget() == null) {
      // The core abandons a transfer after an election timeout without the target taking over.
      pending.transfersFailed(new NodeException(Reason.TIMEOUT,
          "the leadership transfer was abandoned: the target did not take over within an "
              + "election timeout", config.id(), leaderAddress(config.id())));
    }
  }

  // ====================================================================== snapshots

  @Override
  void serveSnapshotWaiters() {
    snapshots.serveSnapshotWaiters();
  }

  // ====================================================================== status

  @Override
  NodeStatus buildStatus() {
    RaftStatus rs = raft.status();
    List<NodeStatus.PeerLag> peers = new ArrayList<>();
    for (RaftStatus.PeerStatus p : rs.peers().values()) {
      peers.add(new NodeStatus.PeerLag(p.id(), p.voter(), p.matchIndex(), p.nextIndex(),
          LogIndex.lag(p.matchIndex(), rs.lastIndex()), p.state(), p.recentActive(),
          p.ticksSinceContact() < 0 ? -1 : p.ticksSinceContact() * config.tickMillis()));
    }
    return new NodeStatus(rs.id(), rs.role(), rs.term(), rs.leaderId(),
        leaderAddress(rs.leaderId()), rs.commitIndex(), handler.appliedIndex(),
        storage.log().firstIndex(), storage.log().lastIndex(), storage.log().sizeBytes(),
        rs.snapshot().index(), rs.snapshot().term(), rs.membership(), rs.transferTarget(), peers,
        rs, space.alarms(), space.freeBytes());
  }

  private void publishHeader() {
    space.noSpace(); // keeps the alarm and its metrics current on an idle node (cached reading)
    header = new RaftNode.Header(config.id(), raft.role(), raft.term(), raft.leaderId(),
        leaderAddress(raft.leaderId()), raft.commitIndex(), handler.appliedIndex(),
        raft.membership());
    gate.publish(raft.role(), raft.membership());
    metrics.state(raft.role(), raft.term(), raft.commitIndex(), handler.appliedIndex(),
        storage.log().firstIndex(), storage.log().lastIndex(), storage.log().sizeBytes(),
        raft.snapshot().index());
    metrics.load(pendingClientRequests(), pendingClientBytes(), queuedPeerBytes(),
        raft.uncommittedBytes());
  }

  /** Matches applied entries and granted reads to the requests waiting for them (loop thread). */
  private final class Listener implements ApplyListener {
    @Override
    public void applied(Entry entry, byte[] result) {
      pending.applied(entry, result,
          message -> notLeader(Reason.INDETERMINATE, message));
    }

    @Override
    public boolean awaits(long index) {
      return pending.awaits(index);
    }

    @Override
    public void snapshotRestored(SnapshotMeta meta) {
      metrics.snapshotInstalled();
      pending.coveredBySnapshot(meta.index(), notLeader(Reason.INDETERMINATE,
          "a snapshot from the leader covered the entry: it may or may not have committed"));
    }

    @Override
    public void readReady(long requestId, long readIndex) {
      pending.readGranted(requestId, sm);
    }

    @Override
    public void snapshotFailed(SnapshotMeta meta, IOException cause) {
      pending.snapshotsFailed(new NodeException(Reason.NO_SPACE, "snapshot " + meta.index()
          + " could not be written: " + cause.getMessage() + " (the disk of member " + config.id()
          + " is full; nothing was lost)"));
    }

    @Override
    public void readFailed(long requestId) {
      pending.readFailed(requestId, notLeader(Reason.UNAVAILABLE,
          "leadership could not be confirmed for the read"));
    }
  }
}
