package io.lattice.raft;

import io.lattice.errors.Reason;

/** A membership change that cannot be applied to the current configuration. */
public final class MembershipException extends RaftException {
  public MembershipException(String message) {
    super(Reason.INVALID_MEMBERSHIP_CHANGE, message, null);
  }
}
