package io.lattice.node;

import io.lattice.errors.Reason;

/**
 * Why a request to a {@link RaftNode} failed. The {@link Reason} is the one the client receives,
 * unchanged (the API edge only picks its gRPC status code, DESIGN §5), so it must say exactly what
 * happened: {@link Reason#INDETERMINATE} for anything that reached the log and may still commit,
 * {@link Reason#SHUTTING_DOWN} only for a request that never reached the core.
 */
public final class NodeException extends RuntimeException {
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
