package io.lattice.raft;

import io.lattice.errors.Reason;
import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.ReadIndexResponse;
import io.lattice.raft.Message.TimeoutNow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Raft} core does while it leads: proposals, commitment (§5.3, §5.4.2), reads and
 * leases (§6.4), leadership transfer (§3.10), membership changes and the removed leader's hand-off
 * (dissertation §4), on top of {@link Replicator}, {@link ReadOnly} and {@link LeaderTransfer}.
 *
 * <p>The core owns the role, the term and the election timers; it calls {@link #start} when it
 * wins a term and {@link #stepDown} when it stops leading, and calls everything else only in
 * between. A method that returns {@code true} reports that this leader must step down now (its
 * removal committed and it handed off, or it gave up handing off): the core then does so before
 * anything else happens.
 *
 * <p>Invariants: outside [start, stepDown] nothing is tracked and nothing is pending; every
 * message it makes carries the term it leads in; entries are only appended at the end of the
 * log and only in that term; nothing commits that is not of that term (Figure 8).
 */
final class Leader {
  private final String id;
  private final RaftConfig cfg;
  private final RaftLog log;
  private final List<Message> outbox;
  private final List<ReadState> readStates;
  private final Replicator repl;
  private final LeaderTransfer transfer = new LeaderTransfer();
  private final ReadOnly readOnly = new ReadOnly();
  private long term;
  /** The core's clock: set at the start and at each tick. */
  private long now;
  /** Index of the no-op this leader appended at the start of its term. */
  private long termStartIndex;
  /** Appends (including empty ones spreading the commit index) to flush at the next Ready. */
  private boolean broadcastPending;
  /**
   * Bytes ({@link Entry#size()}) of the commands this leader appended in its term that have not
   * committed yet: what {@link RaftConfig#maxUncommittedBytes()} bounds. Exact, not an estimate:
   * every command appended after {@link #termStartIndex} is this leader's own and is counted once
   * when proposed and taken off once when it commits; the uncommitted tail it inherited from
   * earlier terms, the no-op and membership entries are never counted. Zero outside a term.
   */
  private long uncommittedBytes;

  Leader(String id, RaftConfig cfg, RaftLog log, List<Message> outbox, List<ReadState> readStates) {
    this.id = id;
    this.cfg = cfg;
    this.log = log;
    this.outbox = outbox;
    this.readStates = readStates;
    this.repl = new Replicator(id, cfg, log, outbox);
  }

  /** Leadership of {@code leaderTerm} begins at tick {@code now}. */
  void start(long leaderTerm, long nowTick) {
    term = leaderTerm;
    now = nowTick;
    transfer.newTerm();
    readOnly.becomeLeader();
    repl.becomeLeader(term);
    uncommittedBytes = 0;
    // Dissertation §6.4 / §4.1: a no-op commits this term's first entry, which lets the leader
    // learn the commit index and makes membership changes safe.
    Entry noop = Entry.noop(term, LogIndex.next(log.lastIndex()));
    termStartIndex = noop.index();
    append(noop);
  }

  /** Leadership ended. Reads cannot be confirmed any more; local callers learn it now. */
  void stepDown() {
    repl.stepDown();
    transfer.abort();
    broadcastPending = false;
    uncommittedBytes = 0;
    for (ReadOnly.Read r : readOnly.stepDown()) {
      if (r.origin().equals(id)) {
        readStates.add(new ReadState(r.requestId(), LogIndex.NONE, false));
      }
    }
  }

  // ---------------------------------------------------------------- observers

  String transferTarget() {
    return transfer.target();
  }

  Map<String, RaftStatus.PeerStatus> peers() {
    return repl.status(now);
  }

  boolean leaseValid() {
    return cfg.checkQuorum() // without it followers vote for anyone at once: no lease is safe
        && transfer.leaseSafe()
        && committedInCurrentTerm()
        && readOnly.leaseHeld(now, cfg.electionTicks() - cfg.leaseDriftTicks());
  }

  /** Bytes of this leader's commands not committed yet (see {@link #uncommittedBytes}). */
  long uncommittedBytes() {
    return uncommittedBytes;
  }

  /** Appends or a heartbeat round wait for the next Ready. */
  boolean broadcastPending() {
    return broadcastPending || readOnly.roundPending();
  }

  // ---------------------------------------------------------------- time

  /** A tick, the core's clock now reading {@code nowTick}: snapshot and transfer timeouts. */
  boolean tick(long nowTick) {
    now = nowTick;
    repl.tick();
    // §3.10: a transfer gives up after an election timeout; proposals are accepted again. §4.2.2: a
    // removed leader does not stay on without a successor.
    return transfer.tick(cfg.electionTicks()) && removalCommitted();
  }

  /** The end of a check-quorum period (§6.2): whether a majority was heard from in it. */
  boolean quorumActive() {
    return repl.quorumActive(log.membership().voters());
  }

  /** A heartbeat interval passed. */
  void heartbeat() {
    repl.heartbeatTick(); // an unanswered probe may be retried
    broadcastHeartbeat();
    maybeAutoPromote();
  }

  // ---------------------------------------------------------------- proposals

  EntryId propose(byte[] command) {
    checkNoTransfer();
    Entry e = Entry.command(term, LogIndex.next(log.lastIndex()), command);
    long size = e.size();
    // Always accept when nothing is uncommitted, so that one command larger than the bound can go.
    if (uncommittedBytes > 0 && size > cfg.maxUncommittedBytes() - uncommittedBytes) {
      throw new RaftException(Reason.OVERLOADED, "too many uncommitted bytes at the leader: "
          + uncommittedBytes + " bytes wait for a majority and this command of " + size
          + " would pass the limit of " + cfg.maxUncommittedBytes() + "; retry later", id);
    }
    append(e);
    uncommittedBytes += size;
    return e.id();
  }

  EntryId proposeMembership(MembershipChange change) {
    checkNoTransfer();
    if (log.committed() < termStartIndex) {
      throw new RaftException(Reason.MEMBERSHIP_CHANGE_IN_PROGRESS,
          "the leader has not committed the first entry of its term yet", id);
    }
    if (log.lastConfigIndex() > log.committed()) {
      throw new RaftException(Reason.MEMBERSHIP_CHANGE_IN_PROGRESS,
          "membership change at index " + log.lastConfigIndex() + " has not committed yet", id);
    }
    Membership next = log.membership().apply(change);
    Entry e = Entry.config(term, LogIndex.next(log.lastIndex()), next);
    append(e);
    // Track exactly the members of the configuration in force; a target that left is dropped.
    repl.sync();
    if (transfer.target() != null && !log.membership().isVoter(transfer.target())) {
      transfer.abort();
    }
    return e.id();
  }

  private void checkNoTransfer() {
    if (transfer.target() != null) {
      throw new RaftException(Reason.TRANSFER_IN_PROGRESS,
          "leadership is being transferred to " + transfer.target(), id);
    }
  }

  private void append(Entry e) {
    log.append(e);
    broadcastPending = true; // batching: one append per follower at the next Ready
  }

  /** Dissertation §4.2.1: promote a caught-up learner that asked for it, one at a time. */
  private void maybeAutoPromote() {
    if (transfer.target() != null || log.committed() < termStartIndex
        || log.lastConfigIndex() > log.committed()) {
      return;
    }
    String learner = repl.promotableLearner();
    if (learner != null) {
      proposeMembership(new MembershipChange.Promote(learner));
    }
  }

  // ---------------------------------------------------------------- transfer

  /** See {@link Raft#transferLeadership}. */
  boolean transferLeadership(String target) {
    String t = target != null ? target : repl.mostUpToDateVoter();
    LeaderTransfer.checkTarget(t, id, log.membership());
    return !t.equals(transfer.target()) && beginTransfer(t);
  }

  /** Starts handing off to voter {@code t}: TimeoutNow once its log matches ours to the last index. */
  private boolean beginTransfer(String t) {
    transfer.begin(t);
    readOnly.dropLease();
    if (repl.match(t) == log.lastIndex()) {
      return sendTimeoutNow(t);
    }
    repl.sendAppend(t, false);
    return false;
  }

  /**
   * §3.10: {@code target}'s log matches ours to the last index; it may campaign now. A leader whose
   * removal committed (§4.2.2) steps down with it, after followers learned the commit.
   */
  private boolean sendTimeoutNow(String target) {
    boolean leaving = removalCommitted();
    if (leaving) {
      flush();
    }
    outbox.add(new TimeoutNow(id, target, term));
    return leaving;
  }

  /** This leader is no voter in the configuration in force, and that configuration committed. */
  private boolean removalCommitted() {
    return !log.membership().isVoter(id) && log.committed() >= log.lastConfigIndex();
  }

  /**
   * Dissertation §4.2.2: a leader removed from the configuration steps down once that commits,
   * handing off to the most up-to-date voter (§3.10). A successor that lacks some of our entries is
   * caught up first, so that no TimeoutNow makes a voter campaign without entries we hold; the
   * leader steps down when it sends TimeoutNow, or when the transfer gives up.
   */
  private boolean handOffAfterRemoval() {
    if (transfer.target() != null) {
      return false; // already handing off
    }
    String successor = repl.mostUpToDateVoter();
    if (successor != null && repl.match(successor) < log.lastIndex()) {
      return beginTransfer(successor);
    } else if (successor != null) {
      return sendTimeoutNow(successor);
    }
    flush();
    return true;
  }

  // ---------------------------------------------------------------- replication

  void reportUnreachable(String peer) {
    Progress pr = repl.progress(peer);
    if (pr != null && pr.state() == Progress.State.REPLICATE) {
      pr.becomeProbe();
    }
  }

  void reportSnapshot(String peer, boolean success) {
    Progress pr = repl.progress(peer);
    if (pr == null || pr.state() != Progress.State.SNAPSHOT) {
      return;
    }
    if (!success) {
      pr.becomeSnapshot(LogIndex.NONE); // forget the snapshot: probing resumes after match
    }
    pr.becomeProbe();
  }

  boolean onAppendResponse(AppendResponse r) {
    Progress pr = repl.progress(r.from());
    if (pr == null) {
      return false;
    }
    pr.contact(now);
    if (!r.success()) {
      repl.rejected(pr, r);
      return false;
    }
    if (repl.acknowledged(pr, r.matchIndex())) {
      if (maybeCommit()) {
        return true;
      }
      if (r.from().equals(transfer.target()) && pr.match() == log.lastIndex()
          && sendTimeoutNow(r.from())) {
        return true;
      }
    }
    repl.sendAppendsWhileOpen(r.from());
    return false;
  }

  void onHeartbeatResponse(HeartbeatResponse r) {
    Progress pr = repl.progress(r.from());
    if (pr == null) {
      return;
    }
    pr.contact(now);
    readOnly.ack(r.from(), r.readSeq());
    confirmRounds();
    repl.heartbeatAnswered(r.from(), pr);
  }

  /**
   * Commits the highest index stored on a majority of voters, but only if it is of the current term
   * (§5.4.2, Figure 8): entries of earlier terms commit indirectly, with it.
   */
  boolean maybeCommit() {
    // This leader's own match index is its stable index, never its last: its appends may have
    // left before its own write of them was durable (see putAppendsFirst).
    long candidate = Quorum.majorityValue(log.membership().voters(),
        v -> v.equals(id) ? log.stable() : repl.match(v));
    if (candidate <= log.committed() || log.term(candidate) != term) {
      return false;
    }
    releaseUncommitted(log.committed(), candidate);
    log.commitTo(candidate);
    broadcastPending = true; // spread the new commit index
    if (committedInCurrentTerm()) {
      readOnly.takeAwaitingTermStart().forEach(r -> read(r, ReadMode.LINEARIZABLE));
    }
    return removalCommitted() && handOffAfterRemoval();
  }

  /** Takes the commands in ({@code from}, {@code to}] that {@link #propose} counted off the bound. */
  private void releaseUncommitted(long from, long to) {
    for (long i = Math.max(from, termStartIndex) + 1; i <= to; i++) {
      Entry e = log.entry(i);
      if (e.type() == EntryType.COMMAND) {
        uncommittedBytes -= e.size();
      }
    }
  }

  /**
   * Dissertation §10.2.1: the leader may write to its disk in parallel with replicating to its
   * followers. Moves this leader's appends (of its term) to the front of {@code outbox}, keeping
   * the order within each part, and returns how many there are: the Ready may send those before
   * its persist. Safe because the leader counts itself towards a majority only for entries the
   * core reported durable ({@link #maybeCommit} uses the log's stable index), and an append asks,
   * it does not answer: nothing of a follower's and no other message of this leader's moves.
   */
  int putAppendsFirst(List<Message> outbox) {
    List<Message> appends = new ArrayList<>();
    List<Message> rest = new ArrayList<>();
    for (Message m : outbox) {
      boolean own = m instanceof AppendRequest a && a.from().equals(id) && a.term() == term;
      (own ? appends : rest).add(m);
    }
    outbox.clear();
    outbox.addAll(appends);
    outbox.addAll(rest);
    return appends.size();
  }

  /** Sends the heartbeat round and appends that wait for this Ready. */
  void flush() {
    if (readOnly.roundPending()) {
      broadcastHeartbeat();
    }
    if (broadcastPending) {
      broadcastPending = false;
      repl.broadcastAppends();
    }
  }

  private void broadcastHeartbeat() {
    // Only rounds sent outside a transfer may start a lease.
    long round = readOnly.startRound(now, transfer.target() == null);
    repl.sendHeartbeats(round);
    confirmRounds(); // a cluster of one confirms its own round
  }

  // ---------------------------------------------------------------- reads

  void readIndex(long requestId, ReadMode mode) {
    read(new ReadOnly.Read(requestId, id, LogIndex.NONE), mode);
  }

  void onReadIndexRequest(ReadIndexRequest r) {
    if (log.membership().contains(r.from())) {
      read(new ReadOnly.Read(r.requestId(), r.from(), LogIndex.NONE), ReadMode.LINEARIZABLE);
    }
  }

  private void read(ReadOnly.Read read, ReadMode mode) {
    if (!committedInCurrentTerm()) {
      // §6.4: until its no-op commits, the leader does not know the commit index.
      readOnly.awaitTermStart(read);
      return;
    }
    long index = log.committed();
    if (mode == ReadMode.LEASE && leaseValid()) {
      answer(read, index);
      return;
    }
    readOnly.awaitNextRound(read.at(index));
  }

  /** Serves reads and extends the lease up to the newest round a majority acknowledged. */
  private void confirmRounds() {
    for (ReadOnly.Read r : readOnly.confirm(log.membership().voters(), id)) {
      answer(r, r.index());
    }
  }

  private void answer(ReadOnly.Read r, long index) {
    if (r.origin().equals(id)) {
      readStates.add(new ReadState(r.requestId(), index, true));
    } else {
      outbox.add(new ReadIndexResponse(id, r.origin(), term, r.requestId(), index, true));
    }
  }

  private boolean committedInCurrentTerm() {
    return log.committed() >= termStartIndex;
  }
}
