package io.lattice.transport;

import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import java.util.TreeMap;

/** Converts a core {@link Membership} to and from its wire form (three disjoint member lists). */
public final class MembershipWire {
  private MembershipWire() {}

  public static io.lattice.proto.v1.Membership toWire(Membership m) {
    io.lattice.proto.v1.Membership.Builder b = io.lattice.proto.v1.Membership.newBuilder();
    for (Member member : m.members().values()) {
      io.lattice.proto.v1.Member w = io.lattice.proto.v1.Member.newBuilder()
          .setId(member.id()).setAddress(member.address()).build();
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
      members.put(v.getId(), Member.voter(v.getId(), v.getAddress()));
    }
    for (io.lattice.proto.v1.Member l : w.getLearnersList()) {
      members.put(l.getId(), Member.learner(l.getId(), l.getAddress(), false));
    }
    for (io.lattice.proto.v1.Member l : w.getAutoPromoteLearnersList()) {
      members.put(l.getId(), Member.learner(l.getId(), l.getAddress(), true));
    }
    return new Membership(members);
  }
}
