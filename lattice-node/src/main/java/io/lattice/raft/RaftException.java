package io.lattice.raft;

/**
 * Why the core refused an input. Thrown synchronously by {@link Raft#propose},
 * {@link Raft#proposeMembership} and {@link Raft#transferLeadership}; nothing was changed.
 */
public class RaftException extends RuntimeException {
  /** Machine-readable reason, mapped once to client-facing errors at the API edge. */
  public enum Reason {
    /** This server is not the leader; {@link #leaderHint()} names the leader if known. */
    NOT_LEADER,
    /** A leadership transfer is in flight: proposals are refused until it ends. */
    TRANSFER_IN_PROGRESS,
    /** Another membership change has not committed yet, or this term's no-op has not. */
    MEMBERSHIP_CHANGE_IN_PROGRESS,
    /** The membership change does not apply to the current configuration. */
    INVALID_MEMBERSHIP_CHANGE,
    /** The transfer target is not a voter, or is this server. */
    INVALID_TRANSFER_TARGET
  }

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
