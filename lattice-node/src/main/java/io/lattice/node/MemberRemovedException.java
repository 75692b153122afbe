package io.lattice.node;

/**
 * This member was removed from the cluster: the leader refused its messages because the removal
 * is committed, or its data directory records that this happened before. Not a failure of the
 * node: the member's part in the cluster has ended, and it must not start again on this data
 * directory (to come back, it is added anew with an empty one).
 */
public final class MemberRemovedException extends RuntimeException {
  public MemberRemovedException(String message) {
    super(message, null, false, false); // an expected end: no stack trace to log
  }
}
