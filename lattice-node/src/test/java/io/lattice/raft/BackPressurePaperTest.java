package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.plain;
import static io.lattice.raft.Network.win;
import static io.lattice.raft.ReplicationPaperTest.stableLeader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.errors.Reason;
import io.lattice.raft.Message.AppendRequest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The leader's bound on uncommitted commands ({@link RaftConfig#maxUncommittedBytes()}), after
 * etcd-io/raft's TestUncommittedEntryLimit: past it a proposal is refused with OVERLOADED and
 * changes nothing; one command is always accepted when nothing is uncommitted; commitment frees
 * exactly what it commits; a role change starts from zero.
 */
class BackPressurePaperTest {
  private static final String[] ABC = {"a", "b", "c"};
  /** Commands of this many payload bytes cost 50 bytes each ({@link Entry#size()} adds 24). */
  private static final int DATA = 26;
  private static final long COST = DATA + 24;

  private static RaftConfig bounded(long maxBytes) {
    return plain("a").withMaxUncommittedBytes(maxBytes);
  }

  private static byte[] cmd(int bytes) {
    return new byte[bytes];
  }

  /** Majority acknowledgement of everything up to {@code index} by "b", then the leader's Ready. */
  private static void commitTo(Raft r, long index) {
    cycle(r); // the leader's own entries become stable
    r.step(ack(r, "b", index));
    cycle(r);
    assertThat(r.commitIndex()).isEqualTo(index);
  }

  @Test
  @DisplayName("proposals are accepted up to the bound, exactly; past it OVERLOADED, nothing changed")
  void refusedPastTheBound() {
    Raft r = stableLeader(bounded(2 * COST), ABC);
    r.propose(cmd(DATA));
    r.propose(cmd(DATA)); // exactly at the bound: accepted
    assertThat(r.uncommittedBytes()).isEqualTo(2 * COST);
    long last = r.lastIndex();
    assertThatThrownBy(() -> r.propose(cmd(0)))
        .isInstanceOfSatisfying(RaftException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
          assertThat(e.leaderHint()).isEqualTo("a");
          assertThat(e.getMessage()).contains("uncommitted").contains("limit of " + 2 * COST);
        });
    assertThat(r.lastIndex()).isEqualTo(last);
    assertThat(r.uncommittedBytes()).isEqualTo(2 * COST);
    Ready rd = cycle(r);
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(2L, 3L);
  }

  @Test
  @DisplayName("one byte over the bound is refused when something is uncommitted")
  void oneByteOver() {
    Raft r = stableLeader(bounded(2 * COST), ABC);
    r.propose(cmd(DATA));
    assertThatThrownBy(() -> r.propose(cmd(DATA + 1)))
        .isInstanceOfSatisfying(RaftException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.OVERLOADED));
    assertThat(r.uncommittedBytes()).isEqualTo(COST);
  }

  @Test
  @DisplayName("a command larger than the bound goes through when nothing is uncommitted")
  void oneLargeCommandAlwaysFits() {
    Raft r = stableLeader(bounded(COST), ABC);
    EntryId big = r.propose(cmd(10 * DATA));
    assertThat(r.uncommittedBytes()).isEqualTo(10 * DATA + 24);
    assertThatThrownBy(() -> r.propose(cmd(0))).isInstanceOf(RaftException.class);
    commitTo(r, big.index());
    assertThat(r.uncommittedBytes()).isZero();
    r.propose(cmd(10 * DATA));
  }

  @Test
  @DisplayName("commitment frees exactly the commands it commits")
  void commitFreesWhatCommits() {
    Raft r = stableLeader(bounded(3 * COST), ABC);
    EntryId first = r.propose(cmd(DATA));
    cycle(r);
    r.propose(cmd(DATA));
    r.propose(cmd(DATA));
    assertThatThrownBy(() -> r.propose(cmd(0))).isInstanceOf(RaftException.class);
    commitTo(r, first.index());
    assertThat(r.uncommittedBytes()).isEqualTo(2 * COST);
    r.propose(cmd(DATA));
    commitTo(r, r.lastIndex());
    assertThat(r.uncommittedBytes()).isZero();
  }

  @Test
  @DisplayName("membership changes are neither counted nor refused by the bound")
  void membershipIsNotCounted() {
    Raft r = stableLeader(bounded(COST), ABC);
    r.propose(cmd(DATA));
    r.proposeMembership(new MembershipChange.AddLearner("d", "d:1", false));
    assertThat(r.uncommittedBytes()).isEqualTo(COST);
    commitTo(r, r.lastIndex());
    assertThat(r.uncommittedBytes()).isZero();
  }

  @Test
  @DisplayName("a leader that steps down forgets the count; a follower has none")
  void roleChangeResets() {
    Raft r = stableLeader(bounded(COST), ABC);
    r.propose(cmd(DATA));
    cycle(r);
    r.step(new AppendRequest("b", "a", 2, 0, 0, java.util.List.of(), 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.uncommittedBytes()).isZero();
    assertThatThrownBy(() -> r.propose(cmd(0)))
        .isInstanceOfSatisfying(RaftException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_LEADER));
  }

  @Test
  @DisplayName("a new leader starts from zero: the tail it inherits commits without being counted")
  void inheritedTailIsNotCounted() {
    // Entries 1-2 of term 1 were never committed; the new leader of term 2 counts only its own.
    Raft r = core(bounded(2 * COST), new HardState(1, null), entries(1, 1), ABC);
    win(r);
    assertThat(r.uncommittedBytes()).isZero();
    EntryId own = r.propose(cmd(DATA));
    assertThat(r.uncommittedBytes()).isEqualTo(COST);
    commitTo(r, own.index()); // commits the inherited tail and the no-op with it
    assertThat(r.uncommittedBytes()).isZero();
    r.propose(cmd(DATA));
    r.propose(cmd(DATA));
    assertThat(r.uncommittedBytes()).isEqualTo(2 * COST);
  }

  @Test
  @DisplayName("the bound is configured, validated and defaults to 64 MiB")
  void configuration() {
    RaftConfig d = RaftConfig.defaults("a");
    assertThat(d.maxUncommittedBytes()).isEqualTo(64L << 20)
        .isEqualTo(RaftConfig.DEFAULT_MAX_UNCOMMITTED_BYTES);
    assertThat(d.withMaxUncommittedBytes(5).maxUncommittedBytes()).isEqualTo(5);
    assertThat(d.withMaxUncommittedBytes(5).withElection(20, 2).maxUncommittedBytes())
        .isEqualTo(5);
    assertThatThrownBy(() -> d.withMaxUncommittedBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new RaftConfig("n", 20, 4, 3, 7, 99, false, true, 5, 3, 11, 13)
        .maxUncommittedBytes()).isEqualTo(RaftConfig.DEFAULT_MAX_UNCOMMITTED_BYTES);
  }
}
