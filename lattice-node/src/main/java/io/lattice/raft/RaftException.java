package io.lattice.raft;

import io.lattice.errors.Reason;

/**
 * Why the core refused an input. Thrown synchronously by {@link Raft#propose},
 * {@link Raft#proposeMembership} and {@link Raft#transferLeadership}; nothing was changed. The
 * {@link Reason} is the one the client receives (NOT_LEADER, TRANSFER_IN_PROGRESS,
 * MEMBERSHIP_CHANGE_IN_PROGRESS, INVALID_MEMBERSHIP_CHANGE, INVALID_TRANSFER_TARGET, OVERLOADED).
 */
public class RaftException extends RuntimeException {
  private final Reason reason;
  private final String leaderHint;

  public RaftException(Reason reason, String message, String leaderHint) {
    super(message);
    this.reason = reason;
    this.leaderHint = leaderHint;
  }

  public Reason reason() {
    return reason;
  }

  /** The leader's id if this server knows it, else null. */
  public String leaderHint() {
    return leaderHint;
  }
}
