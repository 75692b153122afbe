package io.lattice.raft;

/**
 * One single-server change (dissertation §4.1): only one may be in flight at a time, which keeps
 * every old and new majority overlapping without joint consensus.
 */
public sealed interface MembershipChange {
  String id();

  /** Adds a new server as a learner; with {@code autoPromote} the leader promotes it when caught up. */
  record AddLearner(String id, String address, boolean autoPromote) implements MembershipChange {}

  /** Makes a learner a voter. */
  record Promote(String id) implements MembershipChange {}

  /** Removes a server (voter or learner). Removing the leader makes it hand off after the commit. */
  record Remove(String id) implements MembershipChange {}
}
