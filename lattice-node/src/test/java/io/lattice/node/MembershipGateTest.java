package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Entry;
import io.lattice.raft.Membership;
import io.lattice.raft.Ready;
import io.lattice.raft.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who {@link MembershipGate} refuses as removed: only a leader, only a committed removal. */
class MembershipGateTest {
  private static final Membership ABC = Membership.ofVoterIds("a", "b", "c");
  private static final Membership AB = Membership.ofVoterIds("a", "b");

  private static Ready committing(Entry... entries) {
    return new Ready(null, null, null, List.of(), List.of(), List.of(entries), List.of());
  }

  @Test
  void aLeaderRefusesAMemberOnlyOnceItsRemovalIsCommitted() {
    MembershipGate gate = new MembershipGate(ABC);
    // The removal of c is appended (the newest membership), not yet committed.
    gate.publish(Role.LEADER, AB);
    assertThat(gate.refuses("c")).as("an uncommitted removal may still be lost").isFalse();
    gate.observe(committing(Entry.config(1, 5, AB)));
    gate.publish(Role.LEADER, AB);
    assertThat(gate.refuses("c")).isTrue();
    assertThat(gate.refuses("a")).isFalse();
    assertThat(gate.refuses("b")).isFalse();
    assertThat(gate.refuses("z")).as("never a member").isTrue();
  }

  @Test
  void aFollowerNeverRefusesItsLogMayLagOneThatAddedTheSender() {
    MembershipGate gate = new MembershipGate(AB);
    gate.publish(Role.FOLLOWER, AB);
    assertThat(gate.refuses("c")).isFalse();
    gate.publish(Role.PRE_CANDIDATE, AB);
    assertThat(gate.refuses("c")).isFalse();
  }

  @Test
  void aMemberAddedAgainIsTakenAtOnce() {
    MembershipGate gate = new MembershipGate(AB);
    gate.publish(Role.LEADER, AB);
    assertThat(gate.refuses("c")).isTrue();
    gate.publish(Role.LEADER, ABC); // c added again, not yet committed
    assertThat(gate.refuses("c")).isFalse();
  }
}
