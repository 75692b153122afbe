package io.lattice.raft;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.ReadIndexResponse;
import io.lattice.raft.Message.TimeoutNow;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * One Raft server's consensus state machine. See the package documentation for the contract.
 *
 * <p>Not thread-safe by design: exactly one thread owns a core and everything it hands out.
 */
public final class Raft {
  private final RaftConfig cfg;
  private final String id;
  private final RandomGenerator random;
  private final RaftLog log;

  // Durable state (Figure 2), handed out through Ready.hardState.
  private long term;
  private String votedFor;
  private long noVoteBelow;

  private Role role = Role.FOLLOWER;
  private String leaderId;

  /** Ticks since this core was created: the only clock the core has. */
  private long now;
  /**
   * Restarted with a term: before the crash this server may have acknowledged a leader's heartbeat
   * that started a lease, and it no longer knows. Until an election timeout has passed it honours
   * that possible lease by ignoring disruptive votes (dissertation §6.4.1).
   */
  private final boolean mayHoldLease;
  /** Followers/candidates: ticks since the leader was last heard (or since the election began). */
  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  /** Candidate and pre-candidate: votes received in the current election. */
  private final Map<String, Boolean> votes = new HashMap<>();
  private boolean campaignIsTransfer;

  // Outputs since the last Ready.
  private final List<Message> outbox = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
  private HardState reportedHardState;
  private SoftState reportedSoftState;
  private boolean readyOutstanding;

  // Leader state (empty or idle while this server does not lead).
  private final Replicator repl;
  private final LeaderTransfer transfer = new LeaderTransfer();
  private final ReadOnly readOnly = new ReadOnly();
  /** Index of the no-op this leader appended at the start of its term. */
  private long termStartIndex;
  /** Appends (including empty ones spreading the commit index) to flush at the next Ready. */
  private boolean broadcastPending;

  public Raft(RaftConfig config, RestoredState restored, RandomGenerator random) {
    this.cfg = Objects.requireNonNull(config, "config");
    this.id = config.id();
    this.random = Objects.requireNonNull(random, "random");
    this.log = new RaftLog(restored.snapshot(), restored.entries());
    this.repl = new Replicator(id, config, log, outbox);
    HardState hs = restored.hardState();
    // The current term is never below a term in the log or snapshot (Figure 2: a server only
    // stores entries of terms it has seen). A lost or older hard state (a data directory restored
    // from a snapshot backup) would otherwise let this server vote, or win, in a term below its own
    // log's; start from that term instead, with no vote cast in it. The next Ready persists it.
    long floor = log.lastTerm();
    if (hs.term() < floor) {
      this.term = floor;
      this.votedFor = null;
    } else {
      this.term = hs.term();
      this.votedFor = hs.votedFor();
    }
    this.noVoteBelow = hs.noVoteBelow();
    this.mayHoldLease = term > LogIndex.NO_TERM;
    this.reportedHardState = hs;
    this.reportedSoftState = softState();
    resetElectionTimer();
  }

  // ---------------------------------------------------------------- observers

  public String id() {
    return id;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  public String leaderId() {
    return leaderId;
  }

  public long commitIndex() {
    return log.committed();
  }

  public long appliedIndex() {
    return log.applied();
  }

  public long firstIndex() {
    return log.firstIndex();
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  public Membership membership() {
    return log.membership();
  }

  public SnapshotMeta snapshot() {
    return log.snapshot();
  }

  /** The entry at {@code index} if the in-memory log still holds it, else null. */
  public Entry entry(long index) {
    return index >= log.firstIndex() && index <= log.lastIndex() ? log.entry(index) : null;
  }

  public HardState hardState() {
    return new HardState(term, votedFor, noVoteBelow);
  }

  public SoftState softState() {
    return new SoftState(role, term, leaderId);
  }

  /** Whether a read served now by lease would be safe (for tests and status). */
  public boolean leaseValid() {
    return role == Role.LEADER
        && cfg.checkQuorum() // without it followers vote for anyone at once: no lease is safe
        && transfer.leaseSafe()
        && committedInCurrentTerm()
        && readOnly.leaseHeld(now, cfg.electionTicks() - cfg.leaseDriftTicks());
  }

  public RaftStatus status() {
    Map<String, RaftStatus.PeerStatus> peers = role == Role.LEADER ? repl.status(now) : Map.of();
    return new RaftStatus(id, role, term, leaderId, log.committed(), log.applied(),
        log.firstIndex(), log.lastIndex(), log.snapshot(), log.membership(), transfer.target(),
        peers);
  }

  // ---------------------------------------------------------------- inputs

  /** Advances the core's clock by one tick: drives election timeouts and heartbeats. */
  public void tick() {
    now++;
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      startElection(cfg.preVote(), false);
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    repl.tick();
    if (transfer.tick(cfg.electionTicks())) { // §3.10: gave up; proposals are accepted again
      if (removalCommitted()) {
        becomeFollower(term, null); // §4.2.2: a removed leader does not stay on without a successor
        return;
      }
    }
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (cfg.checkQuorum()) {
        if (!repl.quorumActive(log.membership().voters())) {
          becomeFollower(term, null); // §6.2: cannot reach a majority, stop acting as leader
          return;
        }
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      repl.heartbeatTick();
      broadcastHeartbeat();
      maybeAutoPromote();
    }
  }

  /** Starts an election now, as if the election timeout had elapsed (if this server may). */
  public void campaign() {
    if (role != Role.LEADER && promotable()) {
      startElection(cfg.preVote(), false);
    }
  }

  /**
   * Appends a command to the log.
   *
   * @return where the entry landed: it committed iff the entry applied at that index has that term
   * @throws RaftException NOT_LEADER or TRANSFER_IN_PROGRESS; nothing changed
   */
  public EntryId propose(byte[] command) {
    checkCanPropose();
    Entry e = Entry.command(term, LogIndex.next(log.lastIndex()), command);
    appendAsLeader(e);
    return e.id();
  }

  /**
   * Appends a single-server membership change (dissertation §4.1). Only one may be uncommitted at
   * a time, and none before this leader's no-op has committed (§4.1, the bug fix of 2015).
   *
   * @throws RaftException NOT_LEADER, TRANSFER_IN_PROGRESS, MEMBERSHIP_CHANGE_IN_PROGRESS or
   *     INVALID_MEMBERSHIP_CHANGE; nothing changed
   */
  public EntryId proposeMembership(MembershipChange change) {
    checkCanPropose();
    if (log.committed() < termStartIndex) {
      throw new RaftException(RaftException.Reason.MEMBERSHIP_CHANGE_IN_PROGRESS,
          "the leader has not committed the first entry of its term yet", id);
    }
    if (log.lastConfigIndex() > log.committed()) {
      throw new RaftException(RaftException.Reason.MEMBERSHIP_CHANGE_IN_PROGRESS,
          "membership change at index " + log.lastConfigIndex() + " has not committed yet", id);
    }
    Membership next = log.membership().apply(change);
    Entry e = Entry.config(term, LogIndex.next(log.lastIndex()), next);
    appendAsLeader(e);
    syncProgressWithMembership();
    return e.id();
  }

  /**
   * Asks for a read index (dissertation §6.4). The answer arrives as a {@link ReadState} with the
   * same {@code requestId} in a later Ready. A follower forwards the request to the leader and
   * delivers the leader's answer; with no known leader the answer is "not granted".
   */
  public void readIndex(long requestId, ReadMode mode) {
    if (role != Role.LEADER) {
      if (leaderId != null) {
        outbox.add(new ReadIndexRequest(id, leaderId, term, requestId));
      } else {
        readStates.add(new ReadState(requestId, LogIndex.NONE, false));
      }
      return;
    }
    leaderRead(new ReadOnly.Read(requestId, id, LogIndex.NONE), mode);
  }

  /**
   * Hands leadership to {@code target}, or with null to the most up-to-date voter (§3.10): the
   * leader stops accepting proposals, brings the target's log up to date and sends it TimeoutNow.
   * Gives up after an election timeout.
   *
   * @throws RaftException NOT_LEADER or INVALID_TRANSFER_TARGET
   */
  public void transferLeadership(String target) {
    if (role != Role.LEADER) {
      throw new RaftException(RaftException.Reason.NOT_LEADER, "not the leader", leaderId);
    }
    String t = target != null ? target : repl.mostUpToDateVoter();
    LeaderTransfer.checkTarget(t, id, log.membership());
    if (!t.equals(transfer.target())) {
      beginTransfer(t);
    }
  }

  /** Starts handing off to voter {@code t}: TimeoutNow once its log matches ours to the last index. */
  private void beginTransfer(String t) {
    transfer.begin(t);
    readOnly.dropLease();
    if (repl.match(t) == log.lastIndex()) {
      sendTimeoutNow(t);
    } else {
      repl.sendAppend(t, false);
    }
  }

  /** The transport could not reach {@code peer}: stop pipelining to it until it answers again. */
  public void reportUnreachable(String peer) {
    Progress pr = repl.progress(peer);
    if (role == Role.LEADER && pr != null && pr.state() == Progress.State.REPLICATE) {
      pr.becomeProbe();
    }
  }

  /** The transport finished sending a snapshot to {@code peer}, successfully or not. */
  public void reportSnapshot(String peer, boolean success) {
    Progress pr = repl.progress(peer);
    if (role != Role.LEADER || pr == null || pr.state() != Progress.State.SNAPSHOT) {
      return;
    }
    if (!success) {
      pr.becomeSnapshot(LogIndex.NONE); // forget the snapshot: probing resumes after match
    }
    pr.becomeProbe();
  }

  /**
   * The metadata for a snapshot of the state machine at {@code index} (at most the applied index):
   * its term and the membership in force there.
   */
  public SnapshotMeta snapshotMetaAt(long index) {
    if (index > log.applied() || index < log.snapshot().index()) {
      throw new IllegalArgumentException("snapshot index " + index + " outside ["
          + log.snapshot().index() + ", applied " + log.applied() + "]");
    }
    long t = log.term(index);
    if (t == RaftLog.UNAVAILABLE) {
      throw new IllegalArgumentException("term of index " + index + " is not known");
    }
    return new SnapshotMeta(index, t, log.membershipAt(index));
  }

  /**
   * Records that a snapshot described by {@code meta} is durable, and drops log entries it covers
   * except a trailing window kept for slow followers.
   *
   * @return the index up to which storage may delete entries as well
   */
  public long compact(SnapshotMeta meta) {
    return log.compact(meta, cfg.trailingEntries());
  }

  /** Processes a message from another server. Messages for other servers are ignored. */
  public void step(Message m) {
    if (!id.equals(m.to())) {
      return;
    }
    if (m.term() > term) {
      if (m instanceof VoteRequest vr && !vr.transfer() && inLease()) {
        // §6 / §9.6: a server that hears from a live leader ignores would-be disruptors.
        return;
      }
      if (m instanceof VoteRequest vr && vr.preVote()) {
        // A pre-vote changes no state; answered below.
      } else if (m instanceof VoteResponse vr && vr.preVote() && vr.granted()) {
        // Granted pre-votes carry the term we would campaign in.
      } else if (m instanceof AppendRequest || m instanceof Heartbeat
          || m instanceof InstallSnapshot) {
        becomeFollower(m.term(), m.from());
      } else {
        becomeFollower(m.term(), null);
      }
    } else if (m.term() < term) {
      if ((cfg.checkQuorum() || cfg.preVote())
          && (m instanceof AppendRequest || m instanceof Heartbeat)) {
        // A stale leader (e.g. after a partition) learns the new term and steps down.
        outbox.add(new AppendResponse(id, m.from(), term, false, 0, 0, 0, 0));
      } else if (m instanceof VoteRequest vr && vr.preVote()) {
        outbox.add(new VoteResponse(id, m.from(), term, true, false));
      }
      return;
    }

    if (m instanceof VoteRequest vr) {
      handleVoteRequest(vr);
      return;
    }
    switch (role) {
      case LEADER -> stepLeader(m);
      case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
      case FOLLOWER -> stepFollower(m);
    }
  }

  // ---------------------------------------------------------------- Ready

  public boolean hasReady() {
    return !outbox.isEmpty()
        || !readStates.isEmpty()
        || broadcastPending
        || readOnly.roundPending()
        || !hardState().equals(reportedHardState)
        || !softState().equals(reportedSoftState)
        || log.pendingSnapshot() != null
        || log.stable() < log.lastIndex()
        || log.hasNextCommitted();
  }

  /**
   * Collects the outputs since the last call. Must be followed by {@link #advance(Ready)} before
   * any other call to ready().
   */
  public Ready ready() {
    if (readyOutstanding) {
      throw new IllegalStateException("ready() called again before advance()");
    }
    flushBroadcasts();
    HardState hs = hardState();
    SoftState ss = softState();
    Ready rd = new Ready(
        ss.equals(reportedSoftState) ? null : ss,
        hs.equals(reportedHardState) ? null : hs,
        log.pendingSnapshot(),
        log.unstableEntries(),
        outbox,
        log.nextCommitted(),
        readStates);
    reportedHardState = hs;
    reportedSoftState = ss;
    outbox.clear();
    readStates.clear();
    readyOutstanding = true;
    return rd;
  }

  /** Tells the core that {@code rd} was fully handled: persisted, sent and applied. */
  public void advance(Ready rd) {
    readyOutstanding = false;
    if (rd.snapshot() != null) {
      log.snapshotStable(rd.snapshot());
    }
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      log.stableTo(last.index(), last.term());
    }
    if (!rd.committedEntries().isEmpty()) {
      log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).index());
    }
    if (noVoteBelow != LogIndex.NONE && log.stable() >= noVoteBelow
        && log.committed() >= noVoteBelow) {
      noVoteBelow = LogIndex.NONE; // caught up past what the repair dropped: may vote again
    }
    if (role == Role.LEADER) {
      maybeCommit(); // our own entries just became durable
    }
  }

  // ---------------------------------------------------------------- roles

  private void becomeFollower(long newTerm, String leader) {
    boolean wasLeader = role == Role.LEADER;
    if (newTerm != term) {
      term = newTerm;
      votedFor = null;
    }
    role = Role.FOLLOWER;
    leaderId = leader;
    votes.clear();
    resetElectionTimer();
    if (wasLeader) {
      leaveLeadership();
    }
  }

  private void leaveLeadership() {
    repl.stepDown();
    transfer.abort();
    broadcastPending = false;
    // Reads cannot be confirmed any more; local callers learn it now, followers by timing out.
    for (ReadOnly.Read r : readOnly.stepDown()) {
      if (r.origin().equals(id)) {
        readStates.add(new ReadState(r.requestId(), LogIndex.NONE, false));
      }
    }
  }

  private void startElection(boolean pre, boolean transfer) {
    campaignIsTransfer = transfer;
    votes.clear();
    leaderId = null;
    resetElectionTimer();
    long voteTerm;
    if (pre) {
      role = Role.PRE_CANDIDATE; // §9.6: no term change until a majority would vote for us
      voteTerm = term + 1;
    } else {
      role = Role.CANDIDATE;
      term = term + 1; // §5.2: increment currentTerm, vote for self
      votedFor = id;
      voteTerm = term;
    }
    votes.put(id, true);
    if (Quorum.tally(log.membership().voters(), votes) == Quorum.VoteResult.WON) {
      electionWon(pre);
      return;
    }
    for (String v : log.membership().voters()) {
      if (!v.equals(id)) {
        outbox.add(new VoteRequest(id, v, voteTerm, log.lastIndex(), log.lastTerm(), pre, transfer));
      }
    }
  }

  private void electionWon(boolean pre) {
    if (pre) {
      startElection(false, campaignIsTransfer);
    } else {
      becomeLeader();
    }
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leaderId = id;
    votes.clear();
    electionElapsed = 0;
    heartbeatElapsed = 0;
    transfer.newTerm();
    readOnly.becomeLeader();
    repl.becomeLeader(term, now);
    // Dissertation §6.4 / §4.1: a no-op commits this term's first entry, which lets the leader
    // learn the commit index and makes membership changes safe.
    Entry noop = Entry.noop(term, LogIndex.next(log.lastIndex()));
    termStartIndex = noop.index();
    appendAsLeader(noop);
  }

  /** Tracks exactly the members of the configuration in force; a target that left is dropped. */
  private void syncProgressWithMembership() {
    repl.sync(now);
    if (transfer.target() != null && !log.membership().isVoter(transfer.target())) {
      transfer.abort();
    }
  }

  private boolean promotable() {
    return log.membership().isVoter(id) && mayVote();
  }

  /** A repaired server abstains until its log is back past what the repair dropped. */
  private boolean mayVote() {
    return noVoteBelow == LogIndex.NONE;
  }

  private boolean inLease() {
    return cfg.checkQuorum()
        && ((leaderId != null && electionElapsed < cfg.electionTicks())
            || (mayHoldLease && now < cfg.electionTicks()));
  }

  private void resetElectionTimer() {
    electionElapsed = 0;
    randomizedElectionTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
  }

  // ---------------------------------------------------------------- votes

  private void handleVoteRequest(VoteRequest vr) {
    boolean canVote = vr.from().equals(votedFor)
        || (votedFor == null && leaderId == null)
        || (vr.preVote() && vr.term() > term);
    boolean grant = canVote && mayVote() && log.isUpToDate(vr.lastLogIndex(), vr.lastLogTerm());
    if (grant) {
      outbox.add(new VoteResponse(id, vr.from(), vr.term(), vr.preVote(), true));
      if (!vr.preVote()) {
        votedFor = vr.from();
        electionElapsed = 0;
      }
    } else {
      outbox.add(new VoteResponse(id, vr.from(), term, vr.preVote(), false));
    }
  }

  private void stepCandidate(Message m) {
    if (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof InstallSnapshot
        || m instanceof TimeoutNow) {
      // §5.2: a leader of this term exists. A TimeoutNow of this term comes from that leader, which
      // hands off to us (§3.10): a transfer campaign, as a follower's. One from an older term was
      // dropped by step(); one from a newer term made us a follower of that term there.
      becomeFollower(term, m.from());
      stepFollower(m);
    } else if (m instanceof VoteResponse vr) {
      boolean relevant = vr.preVote() == (role == Role.PRE_CANDIDATE);
      if (!relevant) {
        return;
      }
      votes.putIfAbsent(vr.from(), vr.granted());
      Quorum.VoteResult result = Quorum.tally(log.membership().voters(), votes);
      if (result == Quorum.VoteResult.WON) {
        electionWon(role == Role.PRE_CANDIDATE);
      } else if (result == Quorum.VoteResult.LOST) {
        becomeFollower(term, null);
      }
    } else if (m instanceof ReadIndexResponse r) {
      readStates.add(new ReadState(r.requestId(), r.index(), r.granted()));
    }
  }

  // ---------------------------------------------------------------- follower

  private void stepFollower(Message m) {
    if (m instanceof AppendRequest a) {
      heardFromLeader(a.from());
      handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      heardFromLeader(h.from());
      log.commitTo(Math.min(h.commit(), log.lastIndex()));
      outbox.add(new HeartbeatResponse(id, h.from(), term, h.readSeq()));
    } else if (m instanceof InstallSnapshot s) {
      heardFromLeader(s.from());
      handleSnapshot(s);
    } else if (m instanceof TimeoutNow) {
      if (promotable()) {
        startElection(false, true); // §3.10: skip pre-vote; voters waive leader stickiness
      }
    } else if (m instanceof ReadIndexResponse r) {
      readStates.add(new ReadState(r.requestId(), r.index(), r.granted()));
    } else if (m instanceof ReadIndexRequest r) {
      // Forwarded to us by a follower that thought we lead: say no, it retries elsewhere.
      outbox.add(new ReadIndexResponse(id, r.from(), term, r.requestId(), LogIndex.NONE, false));
    }
  }

  private void heardFromLeader(String leader) {
    electionElapsed = 0;
    leaderId = leader;
  }

  private void handleAppend(AppendRequest a) {
    if (a.prevLogIndex() < log.committed()) {
      outbox.add(new AppendResponse(id, a.from(), term, true, log.committed(), 0, 0, 0));
      return;
    }
    long lastNew = log.maybeAppend(a.prevLogIndex(), a.prevLogTerm(), a.entries());
    if (lastNew >= 0) {
      log.commitTo(Math.min(a.commit(), lastNew));
      outbox.add(new AppendResponse(id, a.from(), term, true, lastNew, 0, 0, 0));
      return;
    }
    long hint = log.findConflictByTerm(Math.min(a.prevLogIndex(), log.lastIndex()), a.prevLogTerm());
    long hintTerm = Math.max(LogIndex.NO_TERM, log.term(hint));
    outbox.add(new AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), hint, hintTerm));
  }

  private void handleSnapshot(InstallSnapshot s) {
    SnapshotMeta meta = s.snapshot();
    long match;
    if (meta.index() <= log.committed()) {
      match = log.committed();
    } else if (log.matchTerm(meta.index(), meta.term())) {
      log.commitTo(meta.index()); // we already hold the snapshot's last entry: just fast-forward
      match = meta.index();
    } else {
      log.restore(meta);
      match = meta.index();
    }
    outbox.add(new AppendResponse(id, s.from(), term, true, match, 0, 0, 0));
  }

  // ---------------------------------------------------------------- leader

  private void checkCanPropose() {
    if (role != Role.LEADER) {
      throw new RaftException(RaftException.Reason.NOT_LEADER, "not the leader", leaderId);
    }
    if (transfer.target() != null) {
      throw new RaftException(RaftException.Reason.TRANSFER_IN_PROGRESS,
          "leadership is being transferred to " + transfer.target(), id);
    }
  }

  private void appendAsLeader(Entry e) {
    log.append(e);
    broadcastPending = true; // batching: one append per follower at the next Ready
  }

  private void stepLeader(Message m) {
    if (m instanceof AppendResponse r) {
      handleAppendResponse(r);
    } else if (m instanceof HeartbeatResponse r) {
      handleHeartbeatResponse(r);
    } else if (m instanceof ReadIndexRequest r) {
      if (log.membership().contains(r.from())) {
        leaderRead(new ReadOnly.Read(r.requestId(), r.from(), LogIndex.NONE), ReadMode.LINEARIZABLE);
      }
    } else if (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof InstallSnapshot) {
      throw new InvariantViolation("two leaders in term " + term + ": " + id + " and " + m.from());
    }
  }

  private void handleAppendResponse(AppendResponse r) {
    Progress pr = repl.progress(r.from());
    if (pr == null) {
      return;
    }
    pr.contact(now);
    if (!r.success()) {
      repl.rejected(pr, r);
      return;
    }
    if (repl.acknowledged(pr, r.matchIndex())) {
      maybeCommit();
      if (r.from().equals(transfer.target()) && pr.match() == log.lastIndex()) {
        sendTimeoutNow(r.from());
        if (role != Role.LEADER) {
          return;
        }
      }
    }
    repl.sendAppendsWhileOpen(r.from());
  }

  private void handleHeartbeatResponse(HeartbeatResponse r) {
    Progress pr = repl.progress(r.from());
    if (pr == null) {
      return;
    }
    pr.contact(now);
    readOnly.ack(r.from(), r.readSeq());
    confirmRounds();
    repl.heartbeatAnswered(r.from(), pr);
  }

  /** Serves reads and extends the lease up to the newest round a majority acknowledged. */
  private void confirmRounds() {
    for (ReadOnly.Read r : readOnly.confirm(log.membership().voters(), id)) {
      answerRead(r, r.index());
    }
  }

  private void leaderRead(ReadOnly.Read read, ReadMode mode) {
    if (!committedInCurrentTerm()) {
      // §6.4: until its no-op commits, the leader does not know the commit index.
      readOnly.awaitTermStart(read);
      return;
    }
    long index = log.committed();
    if (mode == ReadMode.LEASE && leaseValid()) {
      answerRead(read, index);
      return;
    }
    readOnly.awaitNextRound(read.at(index));
  }

  private void answerRead(ReadOnly.Read r, long index) {
    if (r.origin().equals(id)) {
      readStates.add(new ReadState(r.requestId(), index, true));
    } else {
      outbox.add(new ReadIndexResponse(id, r.origin(), term, r.requestId(), index, true));
    }
  }

  private boolean committedInCurrentTerm() {
    return role == Role.LEADER && log.committed() >= termStartIndex;
  }

  /**
   * Commits the highest index stored on a majority of voters, but only if it is of the current term
   * (§5.4.2, Figure 8): entries of earlier terms commit indirectly, with it.
   */
  private void maybeCommit() {
    long candidate = Quorum.majorityValue(log.membership().voters(),
        v -> v.equals(id) ? log.stable() : repl.match(v));
    if (candidate <= log.committed() || log.term(candidate) != term) {
      return;
    }
    log.commitTo(candidate);
    broadcastPending = true; // spread the new commit index
    if (committedInCurrentTerm()) {
      readOnly.takeAwaitingTermStart().forEach(r -> leaderRead(r, ReadMode.LINEARIZABLE));
    }
    if (removalCommitted()) {
      handOffAfterRemoval();
    }
  }

  /**
   * Dissertation §4.2.2: a leader removed from the configuration steps down once that commits,
   * handing off to the most up-to-date voter (§3.10). A successor that lacks some of our entries is
   * caught up first, so that no TimeoutNow makes a voter campaign without entries we hold; the
   * leader steps down when it sends TimeoutNow, or when the transfer gives up.
   */
  private void handOffAfterRemoval() {
    if (transfer.target() != null) {
      return; // already handing off
    }
    String successor = repl.mostUpToDateVoter();
    if (successor != null && repl.match(successor) < log.lastIndex()) {
      beginTransfer(successor);
    } else if (successor != null) {
      sendTimeoutNow(successor);
    } else {
      flushBroadcasts();
      becomeFollower(term, null);
    }
  }

  /**
   * §3.10: {@code target}'s log matches ours to the last index; it may campaign now. A leader whose
   * removal committed (§4.2.2) steps down with it, after followers learned the commit.
   */
  private void sendTimeoutNow(String target) {
    boolean leaving = removalCommitted();
    if (leaving) {
      flushBroadcasts();
    }
    outbox.add(new TimeoutNow(id, target, term));
    if (leaving) {
      becomeFollower(term, null);
    }
  }

  /** This leader is no voter in the configuration in force, and that configuration committed. */
  private boolean removalCommitted() {
    return !log.membership().isVoter(id) && log.committed() >= log.lastConfigIndex();
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

  private void broadcastHeartbeat() {
    // Only rounds sent outside a transfer may start a lease.
    long round = readOnly.startRound(now, transfer.target() == null);
    repl.sendHeartbeats(round);
    confirmRounds(); // a cluster of one confirms its own round
  }

  private void flushBroadcasts() {
    if (role != Role.LEADER) {
      broadcastPending = false;
      readOnly.cancelPendingRound();
      return;
    }
    if (readOnly.roundPending()) {
      broadcastHeartbeat();
    }
    if (broadcastPending) {
      broadcastPending = false;
      repl.broadcastAppends();
    }
  }
}
