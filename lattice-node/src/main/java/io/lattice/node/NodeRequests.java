package io.lattice.node;

import io.lattice.errors.Reason;
import io.lattice.raft.EntryId;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.MembershipChange;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftException;
import io.lattice.raft.RaftStatus;
import io.lattice.raft.ReadMode;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What clients and operators can ask of a node: every method is thread-safe, queues a task for the
 * loop and returns a future that the loop completes (on its thread: callers must not block in
 * callbacks attached with {@code thenApply} and the like). A request the core refuses fails with a
 * {@link NodeException} whose reason says it had no effect; a proposal the core appended ends as
 * {@link PendingRequests} rules.
 *
 * <p><b>Back-pressure.</b> Every request is admitted before it is queued, against the node's
 * {@link LoadLimits}: client writes and reads share one bound on their number and on their
 * commands' bytes, from the moment they are queued until they are answered; admin requests have a
 * small bound of their own ({@link LoadLimits#MAX_ADMIN_REQUESTS}), so that {@code status} works
 * under a flood. Past a bound the request fails at once, on the caller's thread, with OVERLOADED
 * and a message naming the limit: it never reached the loop, so it had no effect.
 *
 * @param <S> the state machine, which reads run against
 */
public abstract class NodeRequests<S extends StateMachine> {
  private static final Logger log = LoggerFactory.getLogger(NodeRequests.class);

  final NodeConfig config;
  final S sm;
  final PendingRequests pending = new PendingRequests();
  final PendingRequests.Timeouts timeouts;
  private final long requestTimeoutNanos;
  private final long transferTimeoutNanos;
  /** Client writes and reads admitted and not yet answered (see the class comment). */
  private final Admission clientRequests;
  private final Admission adminRequests;
  Raft raft;
  private ReadyHandler handler;
  private DiskSpaceMonitor space;
  /** Read ids never repeat for this node, even across restarts (they start at a random point). */
  private long nextReadId;
  /** Where view queries and hashes run; by default on the loop, inline (the simulator's choice). */
  private volatile Executor queryExecutor = Runnable::run;
  private volatile Executor scanExecutor = Runnable::run;

  NodeRequests(NodeConfig config, S stateMachine, long firstReadId) {
    this.config = Objects.requireNonNull(config, "config");
    this.sm = Objects.requireNonNull(stateMachine, "stateMachine");
    this.nextReadId = firstReadId;
    this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis());
    this.transferTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.transferTimeoutMillis());
    LoadLimits limits = config.limits();
    this.clientRequests = new Admission(limits.maxPendingRequests(), limits.maxPendingBytes());
    this.adminRequests = new Admission(LoadLimits.MAX_ADMIN_REQUESTS, Long.MAX_VALUE);
    this.timeouts = new PendingRequests.Timeouts() {
      @Override
      public NodeException proposal(long index) {
        return new NodeException(Reason.INDETERMINATE, "no outcome for entry "
            + index + " within " + config.requestTimeoutMillis() + " ms: it may or may not commit");
      }

      @Override
      public NodeException read() {
        return notLeader(Reason.UNAVAILABLE,
            "read not confirmed within " + config.requestTimeoutMillis() + " ms");
      }

      @Override
      public NodeException transfer() {
        return new NodeException(Reason.TIMEOUT, "leadership transfer did not "
            + "finish within " + config.transferTimeoutMillis() + " ms", raft.leaderId(),
            leaderAddress(raft.leaderId()));
      }
    };
  }

  final void attach(Raft core, ReadyHandler readyHandler, DiskSpaceMonitor diskSpace) {
    this.raft = core;
    this.handler = readyHandler;
    this.space = diskSpace;
  }

  /** A leader on a full disk refuses what would grow its log (a follower answers NOT_LEADER). */
  private void checkDiskSpace() {
    if (raft.role() == Role.LEADER) {
      space.checkWritable();
    }
  }

  /** Queues {@code task} for the loop (or aborts it when the loop stopped). */
  abstract void enqueue(NodeLoop.Task task);

  /** A client request was refused by a back-pressure bound (for metrics). */
  abstract void refusedForLoad();

  /** Brings the core's tick count up to the clock. */
  abstract void catchUpTime();

  /** The loop clock's reading, in nanoseconds. */
  abstract long now();

  abstract NodeStatus buildStatus();

  /** Completes the snapshot requests the newest snapshot covers; begins one for the rest. */
  abstract void serveSnapshotWaiters();

  public String id() {
    return config.id();
  }

  /**
   * Sets where {@link #readView} queries run: {@code points} for {@link QueryLane#POINT}, {@code
   * scans} for {@link QueryLane#SCAN}. Each should be bounded (threads and queue): a task one
   * rejects fails its request with OVERLOADED. By default they run inline on the loop thread,
   * which only a deterministic test should want.
   */
  public void setQueryExecutors(Executor points, Executor scans) {
    this.queryExecutor = Objects.requireNonNull(points, "points");
    this.scanExecutor = Objects.requireNonNull(scans, "scans");
  }

  /** {@link #setQueryExecutors} with one executor for both lanes. */
  public void setQueryExecutor(Executor executor) {
    setQueryExecutors(executor, executor);
  }

  public NodeConfig config() {
    return config;
  }

  // ====================================================================== client API

  /**
   * Proposes a state-machine command.
   *
   * @return completes with the state machine's result once the entry is applied here; fails with
   *     NOT_LEADER, TRANSFER_IN_PROGRESS, REQUEST_TOO_LARGE, OVERLOADED, NO_SPACE or SHUTTING_DOWN
   *     when it had no effect, and with INDETERMINATE when it was appended but its outcome is
   *     unknown
   */
  public CompletableFuture<byte[]> propose(byte[] command) {
    Objects.requireNonNull(command, "command");
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    if (command.length > config.maxRequestBytes()) {
      f.completeExceptionally(new NodeException(Reason.REQUEST_TOO_LARGE,
          "request of " + command.length + " bytes exceeds the limit of "
              + config.maxRequestBytes()));
      return f;
    }
    submitClient(f, command.length, () -> {
      checkDiskSpace();
      EntryId id = raft.propose(command);
      pending.proposed(id.index(), id.term(), now() + requestTimeoutNanos, f);
    });
    return f;
  }

  /** {@link #read(ReadConsistency, Function)} with the core's mode; null means STALE. */
  public <T> CompletableFuture<T> read(ReadMode mode, Function<? super S, T> query) {
    return read(ReadConsistency.of(mode), query);
  }

  /**
   * Runs {@code query} against the state machine on the loop thread: at once for STALE; for
   * LINEARIZABLE/LEASE once the core granted a read index and this node applied up to it. The query
   * must be O(1) (or at least not grow with the data: use {@link #readView} for anything else) and
   * must not keep references to mutable state past its return.
   *
   * @return the query's result; fails with UNAVAILABLE (not granted or timed out), OVERLOADED or
   *     SHUTTING_DOWN
   */
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> read(ReadConsistency consistency,
      Function<? super S, T> query) {
    Objects.requireNonNull(query, "query");
    CompletableFuture<Object> f = new CompletableFuture<>();
    ReadMode mode = consistency.toReadMode();
    submitClient(f, 0, () -> {
      if (mode == null) {
        try {
          f.complete(query.apply(sm));
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        }
        return;
      }
      if (mode == ReadMode.LEASE) {
        // A lease is only as good as the tick count it is judged by: bring time up to date first.
        catchUpTime();
      }
      long id = nextReadId++;
      pending.read(id, now() + requestTimeoutNanos, query, f);
      raft.readIndex(id, mode);
    });
    return (CompletableFuture<T>) (CompletableFuture<?>) f;
  }

  /** A query against an immutable view of the state machine, run off the loop. */
  @FunctionalInterface
  public interface ViewQuery<V, T> {
    /**
     * @param view what the view function took from the state machine
     * @param appliedIndex the node's applied index when the view was taken (at least the read
     *     index for LINEARIZABLE and LEASE reads)
     */
    T run(V view, long appliedIndex);
  }

  /**
   * A read whose cost may grow with the data: on the loop thread, {@code viewOf} takes an immutable
   * view of the state machine at the right applied index (at once for STALE; for
   * LINEARIZABLE/LEASE once the core granted a read index and this node applied up to it), and
   * {@code query} then runs against that view on the query executor ({@link #setQueryExecutor}),
   * so that a long range or scan never delays the loop, nor writes.
   *
   * <p>Contract: {@code viewOf} is O(1) and returns something immutable (or at least never changed
   * by later applies) and safe to read from another thread; {@code query} may take as long as it
   * needs, on a thread of its own, and must not touch the live state machine.
   *
   * @return the query's result (completed on the query executor's thread); fails with UNAVAILABLE
   *     (not granted or timed out), OVERLOADED (too many queries queued) or SHUTTING_DOWN
   */
  public <V, T> CompletableFuture<T> readView(ReadConsistency consistency, QueryLane lane,
      Function<? super S, ? extends V> viewOf, ViewQuery<? super V, ? extends T> query) {
    Objects.requireNonNull(lane, "lane");
    Objects.requireNonNull(viewOf, "viewOf");
    Objects.requireNonNull(query, "query");
    CompletableFuture<T> f = new CompletableFuture<>();
    // runs on the loop when the read is served: O(1), then hands over to the query executor
    Function<S, Object> take = sm -> {
      V view = viewOf.apply(sm);
      long applied = handler.appliedIndex();
      offLoop(lane == QueryLane.SCAN ? scanExecutor : queryExecutor, f,
          () -> query.run(view, applied));
      return null;
    };
    read(consistency, take).whenComplete((x, t) -> {
      if (t != null) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  /** Runs {@code work} on {@code executor} and completes {@code f} with its outcome. */
  private <T> void offLoop(Executor executor, CompletableFuture<T> f,
      java.util.function.Supplier<? extends T> work) {
    try {
      executor.execute(() -> {
        try {
          f.complete(work.get());
        } catch (RuntimeException e) {
          f.completeExceptionally(e);
        } catch (Error e) {
          f.completeExceptionally(e); // the client gets an answer; the thread still dies of it
          throw e;
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new NodeException(Reason.OVERLOADED,
          "too many reads and hashes are running or queued on " + config.id()
              + ": back off and retry"));
    }
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
  public CompletableFuture<Membership> addMember(String id, String peerAddress,
      String clientAddress, boolean stayLearner) {
    return changeMembership(
        new MembershipChange.AddLearner(id, peerAddress, clientAddress, !stayLearner));
  }

  /** As {@link #addMember(String, String, String, boolean)}, the client address to be published. */
  public CompletableFuture<Membership> addMember(String id, String peerAddress,
      boolean stayLearner) {
    return addMember(id, peerAddress, "", stayLearner);
  }

  /**
   * Records member {@code id}'s client address (an address-only change: no vote or quorum changes,
   * but one CONFIG entry under the one-change-at-a-time rule); completes when applied. Leader only.
   */
  public CompletableFuture<Membership> setClientAddress(String id, String clientAddress) {
    return changeMembership(new MembershipChange.SetClientAddress(id, clientAddress));
  }

  /** Makes a learner a voter; completes when the change is applied. */
  public CompletableFuture<Membership> promoteMember(String id) {
    return changeMembership(new MembershipChange.Promote(id));
  }

  /**
   * Removes a member; completes when the change is applied. A leader asked to remove itself hands
   * leadership first to the most up-to-date voter it heard from recently (DESIGN §3) and then fails
   * the request with NOT_LEADER naming the new leader, where the removal is to be retried: the
   * removal is never proposed by a leader that is about to leave.
   */
  public CompletableFuture<Membership> removeMember(String id) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    submit(f, () -> {
      if (id.equals(config.id()) && raft.role() == Role.LEADER
          && raft.membership().voters().size() > 1) {
        String target = liveTransferTarget();
        raft.transferLeadership(target);
        log.info("{}: asked to remove itself: handing leadership to {} first (term {})",
            config.id(), target, raft.term());
        CompletableFuture<String> handedOff = new CompletableFuture<>();
        pending.transfer(now() + transferTimeoutNanos, handedOff);
        handedOff.whenComplete((leader, error) -> f.completeExceptionally(error != null ? error
            : new NodeException(Reason.NOT_LEADER, "handed leadership to " + leader
                + " before removing " + id + ": the removal is to be made there", leader,
                leaderAddress(leader))));
        return;
      }
      proposeChange(new MembershipChange.Remove(id), f);
    });
    return f.thenApply(Membership::decode);
  }

  private CompletableFuture<Membership> changeMembership(MembershipChange change) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    submit(f, () -> proposeChange(change, f));
    return f.thenApply(Membership::decode);
  }

  private void proposeChange(MembershipChange change, CompletableFuture<byte[]> f) {
    checkDiskSpace();
    EntryId id = raft.proposeMembership(change);
    log.info("{}: proposed membership change {} at {}", config.id(), change, id.index());
    pending.proposed(id.index(), id.term(), now() + requestTimeoutNanos, f);
  }

  /**
   * Hands leadership to {@code target}, or when null to the most up-to-date voter heard from within
   * an election timeout. Completes with the new leader's id once this node sees another leader;
   * fails with NOT_LEADER, INVALID_TRANSFER_TARGET (not a voter, or this node, or no live voter
   * to pick), TRANSFER_IN_PROGRESS, or TIMEOUT after the configured transfer timeout.
   */
  public CompletableFuture<String> transferLeadership(String target) {
    CompletableFuture<String> f = new CompletableFuture<>();
    submit(f, () -> {
      String t = target != null ? target : liveTransferTarget();
      raft.transferLeadership(t);
      log.info("{}: transferring leadership to {} (term {})", config.id(), t, raft.term());
      pending.transfer(now() + transferTimeoutNanos, f);
    });
    return f;
  }

  /**
   * Takes a snapshot of everything applied so far (unless the newest snapshot already covers it)
   * and completes with the newest snapshot once it is durable and the log is compacted.
   */
  public CompletableFuture<SnapshotMeta> snapshotNow() {
    CompletableFuture<SnapshotMeta> f = new CompletableFuture<>();
    submit(f, () -> {
      pending.snapshot(handler.appliedIndex(), f);
      serveSnapshotWaiters();
    });
    return f;
  }

  /**
   * The state machine's hash and the index it reflects (compare replicas at equal indexes). The
   * loop only takes {@link StateMachine#hasher()} (O(1)); the hash is computed in the {@link
   * QueryLane#SCAN} lane.
   */
  public CompletableFuture<RaftNode.StateHashResult> hash() {
    CompletableFuture<RaftNode.StateHashResult> f = new CompletableFuture<>();
    submit(f, () -> {
      java.util.function.LongSupplier hasher = sm.hasher();
      long applied = handler.appliedIndex();
      offLoop(scanExecutor, f, () -> new RaftNode.StateHashResult(hasher.getAsLong(), applied));
    });
    return f;
  }

  // ====================================================================== plumbing

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
          && p.ticksSinceContact() >= 0 && p.ticksSinceContact() < config.electionTicks()
          && p.matchIndex() > bestMatch) {
        best = p.id();
        bestMatch = p.matchIndex();
      }
    }
    if (best == null) {
      throw new NodeException(Reason.UNAVAILABLE,
          "no other voter was heard from recently: nobody to hand leadership to",
          config.id(), leaderAddress(config.id()));
    }
    return best;
  }

  /**
   * The leader's client address from the membership (where clients are sent: never its peer
   * address, which serves only the peer service); null when unknown, empty when not yet published.
   */
  final String leaderAddress(String leaderId) {
    if (leaderId == null) {
      return null;
    }
    Member m = raft.membership().member(leaderId);
    return m == null ? null : m.clientAddress();
  }

  final NodeException notLeader(Reason reason, String message) {
    String leader = raft.leaderId();
    return new NodeException(reason, message, leader, leaderAddress(leader));
  }

  /** The core's refusal as the client will see it: the same reason, with the leader named. */
  private NodeException translate(RaftException e) {
    String leader = e.leaderHint() != null ? e.leaderHint() : raft.leaderId();
    return new NodeException(e.reason(), e.getMessage(), leader, leaderAddress(leader));
  }

  /** Bytes admitted and pending now: the client requests' (for metrics; any thread). */
  final long pendingClientBytes() {
    return clientRequests.bytes();
  }

  /** Client requests admitted and not yet answered (for metrics; any thread). */
  final int pendingClientRequests() {
    return clientRequests.count();
  }

  /** {@link #queue} for a client request carrying {@code bytes} of command, if admitted. */
  private void submitClient(CompletableFuture<?> f, long bytes, Runnable body) {
    if (admit(clientRequests, f, bytes, "pending requests")) {
      queue(f, body);
    }
  }

  /**
   * Reserves room for {@code f} in {@code bound} until it completes; if there is none, fails it
   * with OVERLOADED (it had no effect) and returns false.
   */
  private boolean admit(Admission bound, CompletableFuture<?> f, long bytes, String what) {
    Admission.Refusal refusal = bound.tryAdmit(bytes);
    if (refusal == Admission.Refusal.NONE) {
      f.whenComplete((result, error) -> bound.release(bytes));
      return true;
    }
    refusedForLoad();
    f.completeExceptionally(new NodeException(Reason.OVERLOADED, refusal == Admission.Refusal.COUNT
        ? "too many " + what + " (limit " + bound.maxCount() + "); back off and retry"
        : "too many bytes in " + what + " (limit " + bound.maxBytes() + "); back off and retry"));
    return false;
  }

  /** Queues an admin request, if the admin bound admits it (see the class comment). */
  private void submit(CompletableFuture<?> f, Runnable body) {
    if (admit(adminRequests, f, 0, "pending admin requests")) {
      queue(f, body);
    }
  }

  /**
   * Queues a request: a refusal of the core (RaftException) or a NodeException thrown by the task
   * fails {@code f} (it had no effect); anything else is fatal.
   */
  private void queue(CompletableFuture<?> f, Runnable body) {
    enqueue(new NodeLoop.Task() {
      @Override
      public void run() {
        if (f.isDone()) {
          return;
        }
        try {
          body.run();
        } catch (RaftException e) {
          if (e.reason() == Reason.OVERLOADED) {
            refusedForLoad(); // the leader's bound on uncommitted bytes
          }
          f.completeExceptionally(translate(e));
        } catch (NodeException e) {
          f.completeExceptionally(e);
        } catch (IllegalArgumentException e) {
          // an argument the core or the membership codec refused (e.g. an over-long address)
          f.completeExceptionally(new NodeException(Reason.INVALID_ARGUMENT,
              String.valueOf(e.getMessage())));
        }
      }

      @Override
      public void abort(NodeException e) {
        f.completeExceptionally(e);
      }
    });
  }
}
