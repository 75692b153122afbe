package io.lattice.raft;

import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A {@link Raft} core's elections (Raft §5.2) with pre-vote (dissertation §9.6): the election timer
 * and its randomized timeout, the votes of the campaign under way, and the voter's side (whether a
 * vote request is granted).
 *
 * <p>The core owns the role, the term and the vote it cast; it tells this class when a campaign
 * begins and when it ends, and records a granted vote itself. This class never changes the term.
 *
 * <p>Invariants: the votes held are those of the current campaign only (cleared when one begins
 * and when the core changes role); a campaign counts this server's own vote first; every vote
 * request it sends carries this server's last log index and term at the time it was sent.
 */
final class Election {
  private final String id;
  private final RaftConfig cfg;
  private final RandomGenerator random;
  private final RaftLog log;
  private final List<Message> outbox;

  /** Votes received in the current campaign (pre-vote or real), this server's own included. */
  private final Map<String, Boolean> votes = new HashMap<>();
  /** The campaign under way was started by a leadership transfer (§3.10). */
  private boolean transfer;
  /**
   * Ticks since the timer was last reset: for followers and candidates since the leader was last
   * heard (or the campaign began); for a leader since its check-quorum period began (§6.2).
   */
  private int elapsed;
  private int randomizedTimeout;

  Election(String id, RaftConfig cfg, RandomGenerator random, RaftLog log, List<Message> outbox) {
    this.id = id;
    this.cfg = cfg;
    this.random = random;
    this.log = log;
    this.outbox = outbox;
    resetTimer();
  }

  // ---------------------------------------------------------------- the timer

  void tick() {
    elapsed++;
  }

  /** A follower or candidate has waited its randomized timeout: it may campaign. */
  boolean timedOut() {
    return elapsed >= randomizedTimeout;
  }

  /** A whole (non-randomized) election timeout has passed since the last reset. */
  boolean timeoutPassed() {
    return elapsed >= cfg.electionTicks();
  }

  /** Restarts the timer with a fresh random timeout in [electionTicks, 2 * electionTicks). */
  void resetTimer() {
    elapsed = 0;
    randomizedTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
  }

  /** Restarts the count without drawing a new timeout (a leader heard, a vote granted). */
  void restartCount() {
    elapsed = 0;
  }

  // ---------------------------------------------------------------- the candidate's side

  /**
   * Begins a campaign for {@code voteTerm}: counts this server's own vote and asks every other
   * voter. The core has already taken the role (and for a real vote the term and its own vote).
   *
   * @return whether the campaign is won at once (this server is the only voter); no request is
   *     sent then
   */
  boolean begin(long voteTerm, boolean preVote, boolean isTransfer) {
    transfer = isTransfer;
    votes.clear();
    resetTimer();
    votes.put(id, true);
    if (Quorum.tally(log.membership().voters(), votes) == Quorum.VoteResult.WON) {
      return true;
    }
    for (String v : log.membership().voters()) {
      if (!v.equals(id)) {
        outbox.add(new VoteRequest(id, v, voteTerm, log.lastIndex(), log.lastTerm(), preVote,
            isTransfer));
      }
    }
    return false;
  }

  /** Whether the campaign under way was started by a leadership transfer. */
  boolean isTransfer() {
    return transfer;
  }

  /**
   * Counts {@code vr} (the first answer of each voter counts) and tallies the campaign; an answer
   * of the other kind (a pre-vote answer in a real campaign, or the reverse) counts for nothing.
   */
  Quorum.VoteResult record(VoteResponse vr, boolean preCampaign) {
    if (vr.preVote() != preCampaign) {
      return Quorum.VoteResult.PENDING;
    }
    votes.putIfAbsent(vr.from(), vr.granted());
    return Quorum.tally(log.membership().voters(), votes);
  }

  /** The campaign is over (the core changed role). */
  void clearVotes() {
    votes.clear();
  }

  // ---------------------------------------------------------------- the voter's side

  /**
   * The answer to {@code vr}, a request of this server's {@code term} (or, for a pre-vote, of a
   * later one). Granted (§5.2, §5.4.1) when this server may vote ({@code mayVote}), has not given
   * its vote in the term to someone else nor knows a leader of it (a pre-vote of a later term
   * changes nothing here, so any may be granted), and the candidate's log is at least as up to date
   * as its own. A granted real vote must be recorded by the core before the response goes out (the
   * Ready persists it first).
   */
  VoteResponse answer(VoteRequest vr, long term, String votedFor, String leaderId,
      boolean mayVote) {
    boolean canVote = vr.from().equals(votedFor)
        || (votedFor == null && leaderId == null)
        || (vr.preVote() && vr.term() > term);
    boolean grant = canVote && mayVote && log.isUpToDate(vr.lastLogIndex(), vr.lastLogTerm());
    return grant
        ? new VoteResponse(id, vr.from(), vr.term(), vr.preVote(), true)
        : new VoteResponse(id, vr.from(), term, vr.preVote(), false);
  }
}
