package io.lattice.transport;

import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import java.util.TreeMap;

/**
 * Converts a core {@link Membership} to and from its wire form (three disjoint member lists, each
 * member with its peer address in field 2, the field that held its only address before members had
 * two listeners, and its client address in field 3, empty when a sender knew none).
 */
public final class MembershipWire {
  private MembershipWire() {}

  public static io.lattice.proto.v1.Membership toWire(Membership m) {
    io.lattice.proto.v1.Membership.Builder b = io.lattice.proto.v1.Membership.newBuilder();
    for (Member member : m.members().values()) {
      io.lattice.proto.v1.Member w = io.lattice.proto.v1.Member.newBuilder()
          .setId(member.id()).setPeerAddress(member.peerAddress())
          .setClientAddress(member.clientAddress()).build();
      if (member.voter()) {
        b.addVoters(w);
      } else if (member.autoPromote()) {
        b.addAutoPromoteLearners(w);
      } else {
        b.addLearners(w);
      }
    }
    return b.build();
  }

  public static Membership fromWire(io.lattice.proto.v1.Membership w) {
    TreeMap<String, Member> members = new TreeMap<>();
    for (io.lattice.proto.v1.Member v : w.getVotersList()) {
      members.put(v.getId(), Member.voter(v.getId(), v.getPeerAddress(), v.getClientAddress()));
    }
    for (io.lattice.proto.v1.Member l : w.getLearnersList()) {
      members.put(l.getId(), Member.learner(l.getId(), l.getPeerAddress(), l.getClientAddress(), false));
    }
    for (io.lattice.proto.v1.Member l : w.getAutoPromoteLearnersList()) {
      members.put(l.getId(), Member.learner(l.getId(), l.getPeerAddress(), l.getClientAddress(), true));
    }
    return new Membership(members);
  }
}
