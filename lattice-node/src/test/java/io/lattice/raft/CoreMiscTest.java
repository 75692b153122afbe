package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.app;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.errors.Reason;
import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Status, repaired-log abstention, invariant checks, and the value types of the core. */
class CoreMiscTest {
  private static final String[] ABC = {"a", "b", "c"};

  @Test
  void statusOfLeaderAndFollower() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    cycle(r);
    r.step(ack(r, "b", 2));
    for (int i = 0; i < 3; i++) {
      r.tick();
    }
    RaftStatus s = r.status();
    assertThat(s.id()).isEqualTo("a");
    assertThat(s.role()).isEqualTo(Role.LEADER);
    assertThat(s.term()).isEqualTo(1);
    assertThat(s.leaderId()).isEqualTo("a");
    assertThat(s.commitIndex()).isEqualTo(2);
    assertThat(s.appliedIndex()).isEqualTo(1);
    assertThat(s.firstIndex()).isEqualTo(1);
    assertThat(s.lastIndex()).isEqualTo(2);
    assertThat(s.membership()).isEqualTo(Membership.ofVoterIds(ABC));
    assertThat(s.transferTarget()).isNull();
    RaftStatus.PeerStatus b = s.peers().get("b");
    assertThat(b).isEqualTo(new RaftStatus.PeerStatus("b", true, 2, 3, Progress.State.REPLICATE, true, 3));
    assertThat(s.peers().get("c").matchIndex()).isEqualTo(1);
    assertThat(s.peers().get("c").nextIndex()).isEqualTo(3);
    Raft f = core(plain("b"), ABC);
    assertThat(f.status().peers()).isEmpty();
    assertThat(f.status().role()).isEqualTo(Role.FOLLOWER);
    assertThat(f.id()).isEqualTo("b");
    assertThat(f.softState()).isEqualTo(new SoftState(Role.FOLLOWER, 0, null));
    assertThat(f.hardState()).isEqualTo(HardState.INITIAL);
  }

  @Test
  @DisplayName("two leaders in one term is an invariant violation")
  void twoLeadersInATerm() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    assertThatThrownBy(() -> r.step(app("b", "a", 1, 0, 0, List.of(), 0)))
        .isInstanceOf(InvariantViolation.class);
    assertThatThrownBy(() -> r.step(new Heartbeat("b", "a", 1, 0, 0)))
        .isInstanceOf(InvariantViolation.class);
    assertThatThrownBy(() -> r.step(new InstallSnapshot("b", "a", 1,
        new SnapshotMeta(1, 1, Membership.ofVoterIds(ABC))))).isInstanceOf(InvariantViolation.class);
  }

  @Test
  @DisplayName("a follower told to overwrite a committed entry stops (invariant violation)")
  void overwriteOfCommittedEntry() {
    Raft r = core(plain("b"), ABC);
    r.step(app("a", "b", 1, 0, 0, entries(1, 1), 2));
    cycle(r);
    assertThat(r.commitIndex()).isEqualTo(2);
    // a (buggy) leader of term 2 claims index 2 differs, with prev at 2 >= commit? use prev 1 < commit
    r.step(app("c", "b", 2, 1, 1, List.of(Entry.command(2, 2, null)), 0));
    // prev 1 is below the commit index: answered with the commit index, nothing overwritten
    assertThat(r.entry(2).term()).isEqualTo(1);
    assertThat(only(msgs(r), Message.AppendResponse.class)).singleElement()
        .satisfies(m -> assertThat(m.matchIndex()).isEqualTo(2));
  }

  @Test
  @DisplayName("§4 repair: a server that lost entries neither campaigns nor votes until caught up")
  void repairedServerAbstains() {
    Raft r = Network.core(plain("a"), new HardState(3, null, 4), entries(1, 1), ABC);
    for (int i = 0; i < 50; i++) {
      r.tick();
    }
    r.campaign();
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    r.step(new VoteRequest("b", "a", 4, 9, 3, false, false));
    assertThat(only(msgs(r), VoteResponse.class)).singleElement()
        .satisfies(v -> assertThat(v.granted()).isFalse());
    r.step(new VoteRequest("b", "a", 5, 9, 3, true, false));
    assertThat(only(msgs(r), VoteResponse.class)).singleElement()
        .satisfies(v -> assertThat(v.granted()).isFalse());
    // catching up: entries 3 and 4 arrive, but are not committed yet
    r.step(app("b", "a", 5, 2, 1, List.of(Entry.command(5, 3, null), Entry.command(5, 4, null)), 3));
    Ready rd = cycle(r);
    assertThat(r.hardState().noVoteBelow()).isEqualTo(4);
    r.step(new Heartbeat("b", "a", 5, 4, 0));
    rd = cycle(r);
    assertThat(r.hardState().noVoteBelow()).isZero();
    rd = cycle(r);
    assertThat(rd.hardState()).isEqualTo(new HardState(5, null, 0));
    r.step(new VoteRequest("c", "a", 6, 9, 5, false, false));
    assertThat(only(msgs(r), VoteResponse.class)).singleElement()
        .satisfies(v -> assertThat(v.granted()).isTrue());
  }

  @Test
  @DisplayName("a repaired server needs its caught-up entries durable, not just received")
  void repairedServerNeedsDurability() {
    Raft r = Network.core(plain("a"), new HardState(3, null, 2), entries(1), ABC);
    r.step(app("b", "a", 3, 1, 1, List.of(Entry.command(3, 2, null)), 2));
    Ready rd = r.ready();
    assertThat(r.commitIndex()).isEqualTo(2);
    assertThat(r.hardState().noVoteBelow()).isEqualTo(2);
    r.advance(rd);
    assertThat(r.hardState().noVoteBelow()).isZero();
  }

  @Test
  void entryLookup() {
    Raft r = Network.core(plain("a"), new HardState(1, null), entries(1, 1), ABC);
    assertThat(r.entry(0)).isNull();
    assertThat(r.entry(1)).isEqualTo(entries(1, 1).get(0));
    assertThat(r.entry(2)).isNotNull();
    assertThat(r.entry(3)).isNull();
    assertThat(r.firstIndex()).isEqualTo(1);
    assertThat(r.lastIndex()).isEqualTo(2);
    assertThat(r.snapshot()).isEqualTo(SnapshotMeta.initial(Membership.ofVoterIds(ABC)));
  }

  @Test
  void unknownMessagesToLeaderAreHarmless() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.step(new Message.TimeoutNow("b", "a", 1));
    r.step(new Message.ReadIndexResponse("b", "a", 1, 1, 1, true));
    r.step(new VoteResponse("b", "a", 1, false, true));
    r.step(new Message.HeartbeatResponse("zz", "a", 1, 1));
    assertThat(r.role()).isEqualTo(Role.LEADER);
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  void followerIgnoresLeaderOnlyMessages() {
    Raft r = core(plain("b"), ABC);
    r.step(new Heartbeat("a", "b", 1, 0, 0));
    cycle(r);
    r.step(new Message.AppendResponse("c", "b", 1, true, 1, 0, 0, 0));
    r.step(new Message.HeartbeatResponse("c", "b", 1, 1));
    r.step(new VoteResponse("c", "b", 1, false, true));
    assertThat(r.hasReady()).isFalse();
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
  }

  // ------------------------------------------------------------------ value types

  @ParameterizedTest
  @CsvSource({"0,NOOP", "1,COMMAND", "2,CONFIG"})
  void entryTypeCodes(int code, EntryType type) {
    assertThat(type.code()).isEqualTo(code);
    assertThat(EntryType.fromCode(code)).isEqualTo(type);
  }

  @Test
  void unknownEntryTypeCode() {
    assertThatThrownBy(() -> EntryType.fromCode(3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EntryType.fromCode(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entryValueSemantics() {
    Entry a = Entry.command(2, 5, new byte[] {1, 2});
    Entry b = Entry.command(2, 5, new byte[] {1, 2});
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Entry.command(2, 5, new byte[] {1, 3}));
    assertThat(a).isNotEqualTo(Entry.command(3, 5, new byte[] {1, 2}));
    assertThat(a).isNotEqualTo(Entry.command(2, 6, new byte[] {1, 2}));
    assertThat(a).isNotEqualTo(new Entry(2, 5, EntryType.NOOP, new byte[] {1, 2}));
    assertThat(a).isNotEqualTo("x");
    assertThat(a.size()).isEqualTo(26);
    assertThat(a.id()).isEqualTo(new EntryId(2, 5));
    assertThat(a.toString()).isEqualTo("Entry{5@2 COMMAND 2B}");
    assertThat(Entry.command(1, 1, null).data()).isEmpty();
    assertThat(Entry.noop(1, 1).type()).isEqualTo(EntryType.NOOP);
    assertThat(Entry.config(1, 1, Membership.ofVoterIds("a")).type()).isEqualTo(EntryType.CONFIG);
    assertThatThrownBy(() -> Entry.noop(1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Entry(1, 1, null, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void configValidation() {
    RaftConfig d = RaftConfig.defaults("n");
    assertThat(d.electionTicks()).isEqualTo(10);
    assertThat(d.heartbeatTicks()).isEqualTo(1);
    assertThat(d.preVote()).isTrue();
    assertThat(d.checkQuorum()).isTrue();
    assertThat(d.trailingEntries()).isEqualTo(1000);
    RaftConfig c = d.withElection(20, 4).withAppendLimits(3, 7, 99).withPreVote(false, true)
        .withPromoteGap(5).withLeaseDrift(3).withSnapshots(11, 13);
    assertThat(c).isEqualTo(new RaftConfig("n", 20, 4, 3, 7, 99, false, true, 5, 3, 11, 13));
    assertThatThrownBy(() -> d.withElection(5, 5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withElection(5, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(d.withElection(3, 2).electionTicks()).isEqualTo(3);
    assertThatThrownBy(() -> d.withAppendLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withAppendLimits(1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withAppendLimits(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(d.withAppendLimits(1, 1, 1).maxInflight()).isEqualTo(1);
    assertThatThrownBy(() -> d.withLeaseDrift(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withLeaseDrift(10)).isInstanceOf(IllegalArgumentException.class);
    assertThat(d.withLeaseDrift(9).leaseDriftTicks()).isEqualTo(9);
    assertThat(d.withLeaseDrift(0).leaseDriftTicks()).isZero();
    assertThatThrownBy(() -> d.withPromoteGap(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withSnapshots(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withSnapshots(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(d.withSnapshots(0, 1).snapshotTimeoutTicks()).isEqualTo(1);
    assertThat(d.trailingBytes()).isEqualTo(64L << 20);
    assertThat(d.withTrailingBytes(0).trailingBytes()).isZero();
    assertThat(d.withTrailingBytes(5).withSnapshots(7, 9).trailingBytes()).as("kept by withers")
        .isEqualTo(5);
    assertThatThrownBy(() -> d.withTrailingBytes(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(d.withPromoteGap(0).promoteGap()).isZero();
    assertThatThrownBy(() -> RaftConfig.defaults(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void otherValues() {
    assertThat(HardState.INITIAL).isEqualTo(new HardState(0, null, 0));
    assertThat(new HardState(3, "x")).isEqualTo(new HardState(3, "x", 0));
    RestoredState b = RestoredState.bootstrap(Membership.ofVoterIds("a"));
    assertThat(b.hardState()).isEqualTo(HardState.INITIAL);
    assertThat(b.snapshot()).isEqualTo(new SnapshotMeta(0, 0, Membership.ofVoterIds("a")));
    assertThat(b.entries()).isEmpty();
    assertThatThrownBy(() -> new RestoredState(null, b.snapshot(), List.of()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new RestoredState(HardState.INITIAL, null, List.of()))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new SnapshotMeta(1, 1, null)).isInstanceOf(NullPointerException.class);
    RaftException e = new RaftException(Reason.NOT_LEADER, "m", "b");
    assertThat(e.reason()).isEqualTo(Reason.NOT_LEADER);
    assertThat(e.leaderHint()).isEqualTo("b");
    assertThat(e.getMessage()).isEqualTo("m");
    assertThat(new MembershipException("x").reason())
        .isEqualTo(Reason.INVALID_MEMBERSHIP_CHANGE);
    assertThat(new InvariantViolation("boom")).isInstanceOf(IllegalStateException.class)
        .hasMessage("boom");
    assertThat(new AppendRequest("a", "b", 1, 0, 0, new java.util.ArrayList<>(entries(1)), 0)
        .entries()).isUnmodifiable();
    assertThatThrownBy(() -> new Raft(null, b, new Random(1))).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new Raft(plain("a"), b, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  @DisplayName("§5.1: a restart with a hard state older than the snapshot starts in the snapshot's term")
  void aHardStateBehindTheSnapshotIsRaisedToItsTerm() {
    Membership m = Membership.ofVoterIds("a", "b", "c");
    RestoredState lost = new RestoredState(HardState.INITIAL, new SnapshotMeta(50, 7, m), List.of());
    Raft r = new Raft(plain("a"), lost, new Random(1));
    assertThat(r.term()).isEqualTo(7);
    // persisted with the first Ready, with no vote in that term
    Ready rd = r.ready();
    assertThat(rd.hardState()).isNotNull();
    assertThat(rd.hardState().term()).isEqualTo(7);
    assertThat(rd.hardState().votedFor()).isNull();
    r.advance(rd);
    // and a vote request of an older term is refused as stale
    r.step(new VoteRequest("b", "a", 6, 60, 6, false, false));
    Ready after = r.ready();
    assertThat(after.messages()).allSatisfy(msg -> assertThat(msg).isInstanceOfSatisfying(
        VoteResponse.class, v -> assertThat(v.granted()).isFalse()));

    // entries after the snapshot count too; a newer hard state is kept as it is
    RestoredState withLog = new RestoredState(new HardState(3, "b"), new SnapshotMeta(50, 7, m),
        List.of(Entry.command(9, 51, new byte[] {1})));
    assertThat(new Raft(plain("a"), withLog, new Random(1)).term()).isEqualTo(9);
    RestoredState newer = new RestoredState(new HardState(12, "b"), new SnapshotMeta(50, 7, m),
        List.of());
    Raft kept = new Raft(plain("a"), newer, new Random(1));
    assertThat(kept.term()).isEqualTo(12);
    assertThat(kept.hasReady()).isFalse();
  }

  @Test
  void entryHashCodeDependsOnEveryField() {
    Entry a = Entry.command(2, 5, new byte[] {1, 2});
    assertThat(a.hashCode()).isEqualTo(
        java.util.Objects.hash(2L, 5L, EntryType.COMMAND) * 31 + java.util.Arrays.hashCode(new byte[] {1, 2}));
    assertThat(a.hashCode()).isNotEqualTo(Entry.command(2, 5, new byte[] {1, 3}).hashCode());
    assertThat(a.hashCode()).isNotEqualTo(Entry.command(3, 5, new byte[] {1, 2}).hashCode());
  }

  @Test
  void statusCountsTicksSinceContact() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    for (int i = 0; i < 4; i++) {
      r.tick();
    }
    r.step(ack(r, "b", 1));
    r.tick();
    r.tick();
    assertThat(r.status().peers().get("b").ticksSinceContact()).isEqualTo(2);
    assertThat(r.status().peers().get("c").ticksSinceContact()).isEqualTo(6);
  }

  @Test
  void statusSaysNeverForAMemberThatHasNotAnsweredThisLeader() {
    // Was the age of the leadership, which `lattice status` showed as "2.8s ago" for a member that
    // had never answered; -1 is "never" in the Status API and the CLI.
    Network net = Network.of(RaftConfig::defaults, ABC);
    net.isolate("c");
    net.elect("a");
    net.tickAndStabilize(10);
    assertThat(net.raft("a").status().peers().get("b").ticksSinceContact()).isBetween(0L, 2L);
    assertThat(net.raft("a").status().peers().get("c").ticksSinceContact()).isEqualTo(-1);
    net.heal();
    net.tickAndStabilize(4);
    assertThat(net.raft("a").status().peers().get("c").ticksSinceContact()).isBetween(0L, 2L);
  }

}
