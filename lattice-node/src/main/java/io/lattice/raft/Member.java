package io.lattice.raft;

import java.util.Objects;

/**
 * One server of a {@link Membership}. The core reads only the id and the flags; the addresses are
 * carried so that every server learns how to reach the others from the log itself.
 *
 * <p>A member has two addresses because it has two listeners: peers dial its {@code peerAddress}
 * (the Raft service only), clients are sent to its {@code clientAddress} (KV and Cluster: the
 * address in NOT_LEADER hints). The peer address is fixed when the member is added (or bootstrapped
 * from the initial cluster); the client address may be empty until the leader publishes it with a
 * {@link MembershipChange.SetClientAddress} (see that change for why this does not touch quorums).
 *
 * @param voter whether it votes and counts toward commit; otherwise a learner
 * @param autoPromote for a learner: promote it to voter once it has caught up (dissertation §4.2.1)
 */
public record Member(String id, String peerAddress, String clientAddress, boolean voter,
    boolean autoPromote) {
  public Member {
    Objects.requireNonNull(id, "id");
    peerAddress = peerAddress == null ? "" : peerAddress;
    clientAddress = clientAddress == null ? "" : clientAddress;
    if (id.isEmpty()) {
      throw new IllegalArgumentException("member id must not be empty");
    }
    if (voter) {
      autoPromote = false;
    }
  }

  /** A member whose client address is not known (yet). */
  public Member(String id, String peerAddress, boolean voter, boolean autoPromote) {
    this(id, peerAddress, "", voter, autoPromote);
  }

  public static Member voter(String id, String peerAddress) {
    return new Member(id, peerAddress, "", true, false);
  }

  public static Member voter(String id, String peerAddress, String clientAddress) {
    return new Member(id, peerAddress, clientAddress, true, false);
  }

  public static Member learner(String id, String peerAddress, boolean autoPromote) {
    return new Member(id, peerAddress, "", false, autoPromote);
  }

  public static Member learner(String id, String peerAddress, String clientAddress,
      boolean autoPromote) {
    return new Member(id, peerAddress, clientAddress, false, autoPromote);
  }

  Member promoted() {
    return new Member(id, peerAddress, clientAddress, true, false);
  }

  /** This member with another client address; nothing else changes. */
  public Member withClientAddress(String address) {
    return new Member(id, peerAddress, address, voter, autoPromote);
  }
}
