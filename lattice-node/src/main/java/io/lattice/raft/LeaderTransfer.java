package io.lattice.raft;

import io.lattice.errors.Reason;

/**
 * A leader's handing off of leadership to another voter (dissertation §3.10): while a transfer
 * runs the leader accepts no proposals, brings the target's log up to date and then sends it
 * TimeoutNow; it gives up after an election timeout.
 *
 * <p>Invariants: at most one target at a time, and it is a voter other than the leader (checked by
 * {@link #checkTarget} before {@link #begin}); once a transfer began in a term, no lease is safe
 * for the rest of that term, even after the transfer ended, because a TimeoutNow may still arrive
 * and voters waive leader stickiness for it ({@link #leaseSafe}).
 */
final class LeaderTransfer {
  private String target;
  private int elapsed;
  private boolean begunThisTerm;

  /** The voter being handed leadership, or null when no transfer runs. */
  String target() {
    return target;
  }

  /**
   * Refuses a target that cannot take over.
   *
   * @throws RaftException INVALID_TRANSFER_TARGET
   */
  static void checkTarget(String target, String self, Membership membership) {
    if (target == null) {
      throw new RaftException(Reason.INVALID_TRANSFER_TARGET,
          "there is no other voter to transfer leadership to", self);
    }
    if (target.equals(self)) {
      throw new RaftException(Reason.INVALID_TRANSFER_TARGET,
          self + " is already the leader", self);
    }
    if (!membership.isVoter(target)) {
      throw new RaftException(Reason.INVALID_TRANSFER_TARGET,
          target + " is not a voting member", self);
    }
  }

  /** Starts a transfer to {@code voter}, replacing any other, with a fresh timer. */
  void begin(String voter) {
    target = voter;
    elapsed = 0;
    begunThisTerm = true;
  }

  /**
   * Counts a leader tick.
   *
   * @return true when the transfer just gave up: an election timeout passed without a new leader
   */
  boolean tick(int electionTicks) {
    if (target != null && ++elapsed >= electionTicks) {
      target = null;
      return true;
    }
    return false;
  }

  /** The transfer ends without a handoff (the target left the configuration, or we lead no more). */
  void abort() {
    target = null;
  }

  /** A new term of leadership: nothing was transferred in it yet. */
  void newTerm() {
    target = null;
    begunThisTerm = false;
  }

  /** Whether a lease may be trusted as far as transfers go: none runs, none ran this term. */
  boolean leaseSafe() {
    return target == null && !begunThisTerm;
  }
}
