package io.lattice.raft;

/**
 * One single-server change (dissertation §4.1): only one may be in flight at a time, which keeps
 * every old and new majority overlapping without joint consensus.
 */
public sealed interface MembershipChange {
  String id();

  /**
   * Adds a new server as a learner; with {@code autoPromote} the leader promotes it when caught up.
   *
   * @param peerAddress where the other members dial it (required by the API, not by the core)
   * @param clientAddress where clients reach it; may be empty (published later)
   */
  record AddLearner(String id, String peerAddress, String clientAddress, boolean autoPromote)
      implements MembershipChange {
    public AddLearner {
      clientAddress = clientAddress == null ? "" : clientAddress;
    }

    /** A new learner whose client address is not known yet. */
    public AddLearner(String id, String peerAddress, boolean autoPromote) {
      this(id, peerAddress, "", autoPromote);
    }
  }

  /** Makes a learner a voter. */
  record Promote(String id) implements MembershipChange {}

  /** Removes a server (voter or learner). Removing the leader makes it hand off after the commit. */
  record Remove(String id) implements MembershipChange {}

  /**
   * Records a member's client address, the way etcd publishes a member's client URLs through the log
   * after it starts. The voters and learners stay exactly the same, so no quorum changes; it is still
   * a CONFIG entry and so obeys the one-change-at-a-time rule like every other change (the leader
   * refuses it with MEMBERSHIP_CHANGE_IN_PROGRESS while another change is uncommitted).
   */
  record SetClientAddress(String id, String clientAddress) implements MembershipChange {
    public SetClientAddress {
      clientAddress = clientAddress == null ? "" : clientAddress;
    }
  }
}
