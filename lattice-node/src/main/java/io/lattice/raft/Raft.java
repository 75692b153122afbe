package io.lattice.raft;

import io.lattice.errors.Reason;
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
  private int heartbeatElapsed;
  /** The election timer and the votes of the campaign under way. */
  private final Election election;

  // Outputs since the last Ready.
  private final List<Message> outbox = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
  private HardState reportedHardState;
  private SoftState reportedSoftState;
  private boolean readyOutstanding;
  /** Committed entries are held back (the driver is restoring a snapshot); see {@link #holdApply}. */
  private boolean applyHeld;

  /** What this server does while it leads; idle (nothing tracked, nothing pending) otherwise. */
  private final Leader leader;
  /** What it does with the appends, heartbeats and snapshots of the leader it follows. */
  private final Follower follower;
  /** Its clients' linearizable reads while it does not lead, batched into rounds to the leader. */
  private final FollowerReads followerReads;

  public Raft(RaftConfig config, RestoredState restored, RandomGenerator random) {
    this.cfg = Objects.requireNonNull(config, "config");
    this.id = config.id();
    this.log = new RaftLog(restored.snapshot(), restored.entries());
    log.trimToWindow(config.trailingEntries(), config.trailingBytes()); // the store may hold more
    this.election = new Election(id, config, Objects.requireNonNull(random, "random"), log, outbox);
    this.leader = new Leader(id, config, log, outbox, readStates);
    this.follower = new Follower(id, log, outbox);
    this.followerReads = new FollowerReads(id, outbox, readStates);
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

  /**
   * Bytes of commands this leader appended and has not committed yet (0 unless leader): the
   * quantity {@link RaftConfig#maxUncommittedBytes()} bounds.
   */
  public long uncommittedBytes() {
    return role == Role.LEADER ? leader.uncommittedBytes() : 0;
  }

  /** Whether a read served now by lease would be safe (for tests and status). */
  public boolean leaseValid() {
    return role == Role.LEADER && leader.leaseValid();
  }

  public RaftStatus status() {
    Map<String, RaftStatus.PeerStatus> peers = role == Role.LEADER ? leader.peers() : Map.of();
    return new RaftStatus(id, role, term, leaderId, log.committed(), log.applied(),
        log.firstIndex(), log.lastIndex(), log.snapshot(), log.membership(),
        leader.transferTarget(), peers);
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
    election.tick();
    followerReads.tick(cfg.electionTicks());
    if (promotable() && election.timedOut()) {
      startElection(cfg.preVote(), false);
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    election.tick();
    if (leader.tick(now)) {
      becomeFollower(term, null);
      return;
    }
    if (election.timeoutPassed()) {
      election.restartCount();
      if (cfg.checkQuorum()) {
        if (!leader.quorumActive()) {
          becomeFollower(term, null); // §6.2: cannot reach a majority, stop acting as leader
          return;
        }
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      leader.heartbeat();
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
   * @throws RaftException NOT_LEADER, TRANSFER_IN_PROGRESS, or OVERLOADED when the leader's
   *     uncommitted commands would pass {@link RaftConfig#maxUncommittedBytes()}; nothing changed
   */
  public EntryId propose(byte[] command) {
    checkLeader();
    return leader.propose(command);
  }

  /**
   * Appends a single-server membership change (dissertation §4.1). Only one may be uncommitted at
   * a time, and none before this leader's no-op has committed (§4.1, the bug fix of 2015).
   *
   * @throws RaftException NOT_LEADER, TRANSFER_IN_PROGRESS, MEMBERSHIP_CHANGE_IN_PROGRESS or
   *     INVALID_MEMBERSHIP_CHANGE; nothing changed
   */
  public EntryId proposeMembership(MembershipChange change) {
    checkLeader();
    return leader.proposeMembership(change);
  }

  /**
   * Asks for a read index (dissertation §6.4). The answer arrives as a {@link ReadState} with the
   * same {@code requestId} in a later Ready. A follower asks the leader for every read waiting at
   * it in one round trip ({@link FollowerReads}) and delivers the leader's answer; with no known
   * leader, or when the leader changes or the round goes unanswered, the answer is "not granted".
   * Request ids must be unique (across restarts too: they name the rounds).
   */
  public void readIndex(long requestId, ReadMode mode) {
    if (role != Role.LEADER) {
      followerReads.request(requestId, leaderId);
      return;
    }
    leader.readIndex(requestId, mode);
  }

  /**
   * Hands leadership to {@code target}, or with null to the most up-to-date voter (§3.10): the
   * leader stops accepting proposals, brings the target's log up to date and sends it TimeoutNow.
   * Gives up after an election timeout.
   *
   * @throws RaftException NOT_LEADER or INVALID_TRANSFER_TARGET
   */
  public void transferLeadership(String target) {
    checkLeader();
    if (leader.transferLeadership(target)) {
      becomeFollower(term, null);
    }
  }

  /** The transport could not reach {@code peer}: stop pipelining to it until it answers again. */
  public void reportUnreachable(String peer) {
    if (role == Role.LEADER) {
      leader.reportUnreachable(peer);
    }
  }

  /** The transport finished sending a snapshot to {@code peer}, successfully or not. */
  public void reportSnapshot(String peer, boolean success) {
    if (role == Role.LEADER) {
      leader.reportSnapshot(peer, success);
    }
  }

  /**
   * Holds back (or, with false, lets out again) the committed entries of later Readies: while held,
   * a Ready carries no {@code committedEntries} and the core's applied index stays where it is,
   * while everything else goes on (appends are persisted and acknowledged, commits advance,
   * heartbeats and votes are answered). The driver holds them while it restores the state machine
   * from a snapshot off its loop thread, and lets them out once the restored state is in place:
   * an entry after the snapshot must not be applied to the state from before it.
   */
  public void holdApply(boolean hold) {
    applyHeld = hold;
  }

  /** Whether committed entries are held back ({@link #holdApply}). */
  public boolean applyHeld() {
    return applyHeld;
  }

  /**
   * The metadata for a snapshot of the state machine at {@code index} (at most the applied index):
   * its term and the membership in force there.
   */
  public SnapshotMeta snapshotMetaAt(long index) {
    return log.snapshotMetaAt(index);
  }

  /**
   * Records that a snapshot described by {@code meta} is durable, and drops log entries it covers
   * except a trailing window for slow followers (see {@link RaftConfig#trailingBytes()}).
   *
   * @return the index up to which storage may delete entries as well
   */
  public long compact(SnapshotMeta meta) {
    return log.compact(meta, cfg.trailingEntries(), cfg.trailingBytes());
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
      Message answer = StaleTerm.answer(m, id, term, cfg.checkQuorum() || cfg.preVote());
      if (answer != null) {
        outbox.add(answer);
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
        || leader.broadcastPending()
        || (role != Role.LEADER && followerReads.roundDue())
        || !hardState().equals(reportedHardState)
        || !softState().equals(reportedSoftState)
        || log.pendingSnapshot() != null
        || log.stable() < log.lastIndex()
        || (!applyHeld && log.hasNextCommitted());
  }

  /**
   * Collects the outputs since the last call. Must be followed by {@link #advance(Ready)} before
   * any other call to ready().
   */
  public Ready ready() {
    if (readyOutstanding) {
      throw new IllegalStateException("ready() called again before advance()");
    }
    if (role == Role.LEADER) {
      leader.flush();
    } else {
      followerReads.flush(leaderId, term);
    }
    HardState hs = hardState();
    SoftState ss = softState();
    // §10.2.1: a leader's appends may leave while its own write is in flight, but never from a
    // Ready whose hard state (the term they carry) is not durable yet.
    int early = role == Role.LEADER && hs.equals(reportedHardState) && log.pendingSnapshot() == null
        ? leader.putAppendsFirst(outbox) : 0;
    Ready rd = new Ready(
        ss.equals(reportedSoftState) ? null : ss,
        hs.equals(reportedHardState) ? null : hs,
        log.pendingSnapshot(),
        log.unstableEntries(),
        outbox,
        committedToApply(),
        readStates,
        early);
    reportedHardState = hs;
    reportedSoftState = ss;
    outbox.clear();
    readStates.clear();
    readyOutstanding = true;
    return rd;
  }

  /**
   * The committed entries a Ready hands out: none while they are held ({@link #holdApply}) or
   * while a snapshot is pending (as in etcd-raft, whose {@code nextCommittedEnts} returns nothing
   * while a snapshot is being installed): the Ready that installs a snapshot carries no entries
   * to apply after it, so that a driver restoring it off its loop can hold the rest back before
   * any is handed out. They come in the next Ready.
   */
  private List<Entry> committedToApply() {
    return applyHeld || log.pendingSnapshot() != null ? List.of() : log.nextCommitted();
  }

  /**
   * Tells the core that {@code rd} was fully handled: persisted, sent and applied. This is how the
   * core learns that its own copy of {@code rd.entries()} is durable: a leader counts itself in
   * the commit quorum only for entries reported here (acknowledgements stepped in before, while
   * its write was in flight, count the followers only).
   */
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
    if (role == Role.LEADER && leader.maybeCommit()) { // our own entries just became durable
      becomeFollower(term, null);
    }
  }

  // ---------------------------------------------------------------- roles

  private void becomeFollower(long newTerm, String leader) {
    boolean wasLeader = role == Role.LEADER;
    if (newTerm != term || !Objects.equals(leader, leaderId) || role != Role.FOLLOWER) {
      followerReads.abandon(); // the round's answer can no longer come
    }
    if (newTerm != term) {
      term = newTerm;
      votedFor = null;
    }
    role = Role.FOLLOWER;
    leaderId = leader;
    election.clearVotes();
    election.resetTimer();
    if (wasLeader) {
      this.leader.stepDown(); // followers whose reads it held learn it by timing out
    }
  }

  private void startElection(boolean pre, boolean transfer) {
    followerReads.abandon();
    leaderId = null;
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
    if (election.begin(voteTerm, pre, transfer)) {
      electionWon(pre);
    }
  }

  private void electionWon(boolean pre) {
    if (pre) {
      startElection(false, election.isTransfer());
    } else {
      becomeLeader();
    }
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leaderId = id;
    election.clearVotes();
    election.restartCount();
    heartbeatElapsed = 0;
    leader.start(term, now);
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
        && ((leaderId != null && !election.timeoutPassed())
            || (mayHoldLease && now < cfg.electionTicks()));
  }

  // ---------------------------------------------------------------- votes

  private void handleVoteRequest(VoteRequest vr) {
    VoteResponse answer = election.answer(vr, term, votedFor, leaderId, mayVote());
    if (answer.granted() && !vr.preVote()) {
      votedFor = vr.from(); // durable before the answer goes out: both are in the same Ready
      election.restartCount();
    }
    outbox.add(answer);
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
      Quorum.VoteResult result = election.record(vr, role == Role.PRE_CANDIDATE);
      if (result == Quorum.VoteResult.WON) {
        electionWon(role == Role.PRE_CANDIDATE);
      } else if (result == Quorum.VoteResult.LOST) {
        becomeFollower(term, null);
      }
    } else if (m instanceof ReadIndexResponse r) {
      followerReads.onResponse(r);
    }
  }

  // ---------------------------------------------------------------- follower

  private void stepFollower(Message m) {
    if (m instanceof AppendRequest a) {
      heardFromLeader(a.from());
      follower.onAppend(a, term);
    } else if (m instanceof Heartbeat h) {
      heardFromLeader(h.from());
      follower.onHeartbeat(h, term);
    } else if (m instanceof InstallSnapshot s) {
      heardFromLeader(s.from());
      follower.onSnapshot(s, term);
    } else if (m instanceof TimeoutNow) {
      if (promotable()) {
        startElection(false, true); // §3.10: skip pre-vote; voters waive leader stickiness
      }
    } else if (m instanceof ReadIndexResponse r) {
      followerReads.onResponse(r);
    } else if (m instanceof ReadIndexRequest r) {
      // Forwarded to us by a follower that thought we lead: say no, it retries elsewhere.
      outbox.add(new ReadIndexResponse(id, r.from(), term, r.requestId(), LogIndex.NONE, false));
    }
  }

  private void heardFromLeader(String leader) {
    election.restartCount();
    leaderId = leader;
  }

  // ---------------------------------------------------------------- leader

  private void checkLeader() {
    if (role != Role.LEADER) {
      throw new RaftException(Reason.NOT_LEADER, "not the leader", leaderId);
    }
  }

  private void stepLeader(Message m) {
    if (m instanceof AppendResponse r) {
      if (leader.onAppendResponse(r)) {
        becomeFollower(term, null);
      }
    } else if (m instanceof HeartbeatResponse r) {
      leader.onHeartbeatResponse(r);
    } else if (m instanceof ReadIndexRequest r) {
      leader.onReadIndexRequest(r);
    } else if (m instanceof AppendRequest || m instanceof Heartbeat || m instanceof InstallSnapshot) {
      throw new InvariantViolation("two leaders in term " + term + ": " + id + " and " + m.from());
    }
  }
}
