package io.lattice.node;

/**
 * Why a request to a {@link RaftNode} failed: the reason is machine-readable, and mapped once to
 * client-facing errors at the API edge (DESIGN §5). {@link Reason#INDETERMINATE} is its own outcome:
 * the write may or may not have happened, never a plain failure.
 */
public final class NodeException extends RuntimeException {
  public enum Reason {
    /** This node is not the leader; {@link #leaderId()} and {@link #leaderAddress()} name it if known. */
    NOT_LEADER,
    /**
     * The outcome of a write is unknown: leadership was lost, the entry was overwritten, a snapshot
     * from the leader covered it, or it timed out. With a client session a retry is safe.
     */
    INDETERMINATE,
    /** A leadership transfer is in flight; retry shortly (on the new leader). */
    TRANSFER_IN_PROGRESS,
    /** Another membership change (or this term's no-op) has not committed yet; retry shortly. */
    MEMBERSHIP_CHANGE_IN_PROGRESS,
    /** The request is invalid here: a bad membership change or transfer target, or too large. */
    INVALID_ARGUMENT,
    /** A read could not be confirmed (no leader, or leadership could not be confirmed in time). */
    UNAVAILABLE,
    /** The operation did not finish in time (a leadership transfer). */
    TIMEOUT,
    /** The node is shutting down or stopped after a fatal error. */
    STOPPED
  }

  private final Reason reason;
  private final String leaderId;
  private final String leaderAddress;

  public NodeException(Reason reason, String message, String leaderId, String leaderAddress) {
    super(message);
    this.reason = reason;
    this.leaderId = leaderId;
    this.leaderAddress = leaderAddress;
  }

  public NodeException(Reason reason, String message) {
    this(reason, message, null, null);
  }

  public Reason reason() {
    return reason;
  }

  /** The leader's id if known, else null. */
  public String leaderId() {
    return leaderId;
  }

  /** The leader's address from the membership if known, else null. */
  public String leaderAddress() {
    return leaderAddress;
  }

  @Override
  public String toString() {
    return "NodeException[" + reason + (leaderId == null ? "" : ", leader=" + leaderId + "@"
        + leaderAddress) + "]: " + getMessage();
  }
}
