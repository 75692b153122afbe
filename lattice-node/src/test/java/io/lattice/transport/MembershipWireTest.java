package io.lattice.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import java.util.List;
import org.junit.jupiter.api.Test;

class MembershipWireTest {
  @Test
  void bothAddressesRoundTrip() throws Exception {
    Membership m = new Membership(new java.util.TreeMap<>(java.util.Map.of(
        "n1", Member.voter("n1", "h:7101", "h:7001"),
        "n2", Member.learner("n2", "h:7102", "", true),
        "n3", Member.learner("n3", "h:7103", "h:7003", false))));
    byte[] bytes = MembershipWire.toWire(m).toByteArray();
    assertThat(MembershipWire.fromWire(io.lattice.proto.v1.Membership.parseFrom(bytes)))
        .isEqualTo(m);
  }

  /**
   * A membership sent by a member from before two listeners: each Member has an id (field 1) and
   * one address (field 2), the one peers dialled. It decodes with that address as the peer address.
   */
  @Test
  void aMemberWithTheOldSingleAddressDecodesItAsThePeerAddress() throws Exception {
    byte[] member = {0x0a, 2, 'n', '1', 0x12, 4, 'h', ':', '7', '1'};
    byte[] membership = new byte[member.length + 2];
    membership[0] = 0x0a; // voters, field 1, length-delimited
    membership[1] = (byte) member.length;
    System.arraycopy(member, 0, membership, 2, member.length);
    Membership m = MembershipWire.fromWire(io.lattice.proto.v1.Membership.parseFrom(membership));
    assertThat(m.members().values()).containsExactly(Member.voter("n1", "h:71", ""));
    assertThat(List.copyOf(m.voters())).containsExactly("n1");
  }
}
