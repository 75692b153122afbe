package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.app;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static io.lattice.raft.Network.win;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.errors.Reason;
import io.lattice.raft.MembershipChange.AddLearner;
import io.lattice.raft.MembershipChange.Promote;
import io.lattice.raft.MembershipChange.Remove;
import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.TimeoutNow;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft dissertation §4: single-server membership changes, learners, leader removal. */
class MembershipPaperTest {
  private static final String[] ABC = {"a", "b", "c"};
  private static final Membership M_ABC = Membership.ofVoterIds(ABC);

  private static Reason reasonOf(Runnable r) {
    try {
      r.run();
    } catch (RaftException e) {
      return e.reason();
    }
    throw new AssertionError("no RaftException");
  }

  @Test
  @DisplayName("§4.1 no membership change before the leader's no-op of its term commits")
  void s4_1_noChangeBeforeNoopCommits() {
    Raft r = core(plain("a"), ABC);
    win(r);
    assertThat(reasonOf(() -> r.proposeMembership(new AddLearner("d", "", false))))
        .isEqualTo(Reason.MEMBERSHIP_CHANGE_IN_PROGRESS);
    assertThat(r.lastIndex()).isEqualTo(1);
    assertThat(r.membership()).isEqualTo(M_ABC);
    cycle(r);
    r.step(ack(r, "b", 1));
    EntryId e = r.proposeMembership(new AddLearner("d", "", false));
    assertThat(e).isEqualTo(new EntryId(1, 2));
    assertThat(r.entry(2).type()).isEqualTo(EntryType.CONFIG);
    assertThat(Membership.decode(r.entry(2).data()).learners()).containsExactly("d");
  }

  @Test
  @DisplayName("§4.1 only one membership change may be uncommitted at a time")
  void s4_1_oneChangeAtATime() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.proposeMembership(new AddLearner("d", "", false));
    assertThat(reasonOf(() -> r.proposeMembership(new AddLearner("e", "", false))))
        .isEqualTo(Reason.MEMBERSHIP_CHANGE_IN_PROGRESS);
    assertThat(r.lastIndex()).isEqualTo(2);
    r.propose(new byte[] {1}); // ordinary proposals are still fine
    cycle(r);
    r.step(ack(r, "b", 2));
    assertThat(r.commitIndex()).isEqualTo(2);
    r.proposeMembership(new AddLearner("e", "", false));
    assertThat(r.membership().learners()).containsExactly("d", "e");
  }

  @Test
  @DisplayName("§4.1 an invalid change is refused and nothing is appended")
  void s4_1_invalidChangeRefused() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    assertThat(reasonOf(() -> r.proposeMembership(new AddLearner("b", "", false))))
        .isEqualTo(Reason.INVALID_MEMBERSHIP_CHANGE);
    assertThat(reasonOf(() -> r.proposeMembership(new Promote("a"))))
        .isEqualTo(Reason.INVALID_MEMBERSHIP_CHANGE);
    assertThat(reasonOf(() -> r.proposeMembership(new Remove("zz"))))
        .isEqualTo(Reason.INVALID_MEMBERSHIP_CHANGE);
    assertThat(reasonOf(() -> r.proposeMembership(new AddLearner("", "", false))))
        .isEqualTo(Reason.INVALID_MEMBERSHIP_CHANGE);
    assertThat(r.lastIndex()).isEqualTo(1);
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§4.1 only the leader accepts changes; followers name the leader")
  void s4_1_notLeader() {
    Raft r = core(plain("a"), ABC);
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    RaftException e = null;
    try {
      r.proposeMembership(new AddLearner("d", "", false));
    } catch (RaftException x) {
      e = x;
    }
    assertThat(e).isNotNull();
    assertThat(e.reason()).isEqualTo(Reason.NOT_LEADER);
    assertThat(e.leaderHint()).isEqualTo("b");
    assertThatThrownBy(() -> r.propose(new byte[0])).isInstanceOf(RaftException.class);
  }

  @Test
  @DisplayName("§4.1 the leader uses a new configuration as soon as it is appended")
  void s4_1_leaderConfigTakesEffectOnAppend() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.proposeMembership(new AddLearner("d", "10.0.0.4:1", true));
    assertThat(r.membership().learners()).containsExactly("d");
    assertThat(r.status().peers()).containsKey("d");
    assertThat(r.status().peers().get("d").voter()).isFalse();
    List<AppendRequest> apps = only(msgs(r), AppendRequest.class);
    assertThat(apps).extracting(AppendRequest::to).contains("b", "c", "d");
  }

  @Test
  @DisplayName("§4.1 a follower uses a configuration on append, and reverts when it is truncated")
  void s4_1_followerConfigTakesEffectOnAppendAndRevertsOnTruncation() {
    Raft r = core(plain("a"), ABC);
    Membership withD = M_ABC.apply(new AddLearner("d", "", false));
    r.step(app("b", "a", 1, 0, 0, List.of(Entry.noop(1, 1), Entry.config(1, 2, withD)), 1));
    assertThat(r.commitIndex()).isEqualTo(1);
    assertThat(r.membership()).as("uncommitted, yet in force").isEqualTo(withD);
    cycle(r);
    // a new leader (term 2) never had index 2: it overwrites it
    r.step(app("c", "a", 2, 1, 1, List.of(Entry.noop(2, 2)), 1));
    assertThat(r.entry(2).type()).isEqualTo(EntryType.NOOP);
    assertThat(r.membership()).isEqualTo(M_ABC);
  }

  @Test
  @DisplayName("§4.1 a new leader uses the newest configuration in its log, committed or not")
  void s4_1_newLeaderUsesUncommittedConfig() {
    Membership withD = M_ABC.apply(new AddLearner("d", "", false));
    Raft r = Network.core(plain("a"), new HardState(1, null),
        List.of(Entry.noop(1, 1), Entry.config(1, 2, withD)), ABC);
    win(r);
    assertThat(r.status().peers()).containsKeys("b", "c", "d");
    assertThat(only(msgs(r), AppendRequest.class)).extracting(AppendRequest::to)
        .containsExactlyInAnyOrder("b", "c", "d");
  }

  @Test
  @DisplayName("§4.2.1 a learner is not asked to vote and its vote does not count")
  void s4_2_1_learnerDoesNotVote() {
    Membership m = M_ABC.apply(new AddLearner("d", "", true));
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(m), new Random(1));
    r.campaign();
    List<VoteRequest> reqs = only(msgs(r), VoteRequest.class);
    assertThat(reqs).extracting(VoteRequest::to).containsExactly("b", "c");
    r.step(new VoteResponse("d", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    r.step(new VoteResponse("b", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.LEADER);
  }

  @Test
  @DisplayName("§4.2.1 a learner does not count toward commitment")
  void s4_2_1_learnerDoesNotCountTowardCommit() {
    Membership m = M_ABC.apply(new AddLearner("d", "", false));
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(m), new Random(1));
    win(r);
    cycle(r);
    r.step(ack(r, "d", 1));
    assertThat(r.commitIndex()).isZero();
    r.step(ack(r, "c", 1));
    assertThat(r.commitIndex()).isEqualTo(1);
  }

  @Test
  @DisplayName("§4.2.1 a learner is also not needed for check-quorum, reads or leases")
  void s4_2_1_learnerNotPartOfQuorums() {
    Membership m = Membership.ofVoterIds("a", "b").apply(new AddLearner("d", "", false));
    Raft r = new Raft(plain("a").withPreVote(false, true), RestoredState.bootstrap(m), new Random(1));
    win(r);
    cycle(r);
    r.step(ack(r, "b", 1));
    cycle(r);
    r.readIndex(7, ReadMode.LINEARIZABLE);
    List<Heartbeat> hbs = only(msgs(r), Heartbeat.class);
    Heartbeat toD = hbs.stream().filter(h -> h.to().equals("d")).findFirst().orElseThrow();
    r.step(new Message.HeartbeatResponse("d", "a", 1, toD.readSeq()));
    assertThat(cycle(r).readStates()).as("a learner's ack confirms nothing").isEmpty();
    r.step(new Message.HeartbeatResponse("b", "a", 1, toD.readSeq()));
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(7, 1, true));
  }

  /** Leader a of {a,b,c} plus a joining server d (added with the given flag). */
  private static Network withJoiner(RaftConfig dCfg, boolean autoPromote, long promoteGap) {
    Network net = Network.of(id -> plain(id).withPromoteGap(promoteGap), ABC);
    net.elect("a");
    net.addJoiner("d", dCfg);
    net.raft("a").proposeMembership(new AddLearner("d", "127.0.0.1:7004", autoPromote));
    net.stabilize();
    return net;
  }

  @Test
  @DisplayName("§4.2.1 a caught-up learner with auto-promote becomes a voter")
  void s4_2_1_learnerAutoPromoted() {
    Network net = withJoiner(plain("d"), true, 64);
    Raft a = net.raft("a");
    assertThat(a.membership().learners()).containsExactly("d");
    assertThat(net.raft("d").membership().learners()).containsExactly("d");
    assertThat(net.raft("d").commitIndex()).isEqualTo(2);
    net.tickAndStabilize(1); // promotion is considered on the heartbeat tick
    assertThat(a.membership().voters()).containsExactly("a", "b", "c", "d");
    assertThat(a.lastIndex()).isEqualTo(3);
    assertThat(a.commitIndex()).isEqualTo(3);
    net.tickAndStabilize(1);
    assertThat(net.raft("d").membership().voters()).contains("d");
    assertThat(a.membership().voters()).hasSize(4);
    assertThat(a.lastIndex()).as("promoted once only").isEqualTo(3);
    // a voter now: d can campaign and count
    net.raft("d").campaign();
    net.stabilize();
    assertThat(net.leader().id()).isEqualTo("d");
  }

  @Test
  @DisplayName("§4.2.1 a learner added to stay a learner is never promoted")
  void s4_2_1_stayLearnerNotPromoted() {
    Network net = withJoiner(plain("d"), false, 64);
    net.tickAndStabilize(30);
    assertThat(net.raft("a").membership().learners()).containsExactly("d");
    assertThat(net.raft("a").lastIndex()).isEqualTo(2);
    // it can still be promoted by hand
    net.raft("a").proposeMembership(new Promote("d"));
    net.stabilize();
    assertThat(net.raft("d").membership().isVoter("d")).isTrue();
  }

  @Test
  @DisplayName("§4.2.1 a learner is promoted only once within promoteGap of the leader's log")
  void s4_2_1_promotionWaitsForPromoteGap() {
    Network net = withJoiner(plain("d"), true, 2);
    net.dropIf(m -> m.to().equals("d") && m instanceof AppendRequest);
    for (int i = 0; i < 3; i++) {
      net.propose("a", "p" + i);
    }
    Raft a = net.raft("a");
    assertThat(a.status().peers().get("d").matchIndex()).isEqualTo(2);
    assertThat(a.lastIndex()).isEqualTo(5); // d is 3 behind: more than the gap of 2
    net.tickAndStabilize(3);
    assertThat(a.membership().learners()).containsExactly("d");
    net.heal();
    net.tickAndStabilize(3);
    assertThat(a.membership().voters()).contains("d");
  }

  @Test
  @DisplayName("§4.2.1 a learner exactly promoteGap behind is promoted")
  void s4_2_1_promotionAtExactlyTheGap() {
    Network net = withJoiner(plain("d"), true, 2);
    net.dropIf(m -> m.to().equals("d") && m instanceof AppendRequest);
    net.propose("a", "p0");
    net.propose("a", "p1");
    assertThat(net.raft("a").status().peers().get("d").matchIndex()).isEqualTo(2);
    net.tickAndStabilize(1);
    assertThat(net.raft("a").membership().voters()).contains("d");
  }

  @Test
  @DisplayName("§4.2.2 a removed leader steps down once the change commits and hands off via TimeoutNow")
  void s4_2_2_removedLeaderHandsOff() {
    Network net = Network.plain(ABC);
    net.elect("a");
    Raft a = net.raft("a");
    a.proposeMembership(new Remove("a"));
    assertThat(a.role()).as("still leads until the removal commits").isEqualTo(Role.LEADER);
    assertThat(a.membership().voters()).containsExactly("b", "c");
    net.process("a");
    net.deliverAll(); // the config reaches b and c
    net.process("b");
    net.process("c");
    net.deliverAll(); // their acks: committed by the new majority {b, c}
    assertThat(a.commitIndex()).isEqualTo(2);
    assertThat(a.role()).isEqualTo(Role.FOLLOWER);
    Ready rd = net.process("a");
    List<TimeoutNow> tn = only(rd.messages(), TimeoutNow.class);
    assertThat(tn).hasSize(1);
    assertThat(tn.get(0).to()).isIn("b", "c");
    assertThat(only(rd.messages(), AppendRequest.class))
        .as("followers learn the commit before the leader goes")
        .isNotEmpty()
        .allSatisfy(m -> assertThat(m.commit()).isEqualTo(2));
    net.stabilize();
    Raft leader = net.leader();
    assertThat(leader.id()).isEqualTo(tn.get(0).to());
    assertThat(leader.term()).isEqualTo(2);
    assertThat(leader.membership().contains("a")).isFalse();
  }

  @Test
  @DisplayName("§4.2.2 a removed leader keeps leading (without counting itself) until the commit")
  void s4_2_2_removedLeaderDoesNotCountItself() {
    Raft a = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    a.proposeMembership(new Remove("a"));
    cycle(a);
    a.step(ack(a, "b", 2));
    assertThat(a.commitIndex()).as("a's own copy does not count").isEqualTo(1);
    assertThat(a.role()).isEqualTo(Role.LEADER);
    a.step(ack(a, "c", 2));
    assertThat(a.commitIndex()).isEqualTo(2);
    assertThat(a.role()).isEqualTo(Role.FOLLOWER);
    assertThat(a.leaderId()).isNull();
    List<TimeoutNow> tn = only(msgs(a), TimeoutNow.class);
    assertThat(tn).singleElement().satisfies(t -> assertThat(t.to()).isEqualTo("b"));
    a.campaign();
    assertThat(a.role()).as("not a voter any more").isEqualTo(Role.FOLLOWER);
  }

  private static final String[] ABCD = {"a", "b", "c", "d"};

  @Test
  @DisplayName("§4.2.2 / §3.10 a removed leader brings its successor up to date before it sends TimeoutNow")
  void s4_2_2_removedLeaderCatchesSuccessorUpFirst() {
    Raft a = ReplicationPaperTest.stableLeader(plain("a"), ABCD);
    a.proposeMembership(new Remove("a")); // index 2; the new voters are b, c, d
    cycle(a);
    a.propose(new byte[] {7}); // index 3, in flight to everyone
    cycle(a);
    a.step(ack(a, "b", 2));
    a.step(ack(a, "c", 2)); // b and c make a majority of {b, c, d}: the removal commits
    assertThat(a.commitIndex()).isEqualTo(2);
    // b and c are equally far (ties go to the lowest id), but neither has entry 3: a TimeoutNow
    // now would make b campaign without it, and 3 would be lost. a hands off once b has it.
    assertThat(a.status().transferTarget()).isEqualTo("b");
    assertThat(a.role()).isEqualTo(Role.LEADER);
    assertThat(only(msgs(a), TimeoutNow.class)).isEmpty();
    a.step(ack(a, "c", 3)); // not the target: still nothing
    assertThat(only(msgs(a), TimeoutNow.class)).isEmpty();
    a.step(ack(a, "b", 3));
    List<Message> out = msgs(a);
    assertThat(only(out, TimeoutNow.class)).containsExactly(new TimeoutNow("a", "b", 1));
    assertThat(a.role()).as("steps down once TimeoutNow is out").isEqualTo(Role.FOLLOWER);
    assertThat(only(out, AppendRequest.class)).as("followers learn the commit first")
        .isNotEmpty().allSatisfy(m -> assertThat(m.commit()).isEqualTo(3));
  }

  @Test
  @DisplayName("§4.2.2 a removed leader hands off to the most up-to-date voter, not to one that lags")
  void s4_2_2_removedLeaderPicksTheUpToDateVoter() {
    Raft a = ReplicationPaperTest.stableLeader(plain("a"), ABCD);
    a.proposeMembership(new Remove("a"));
    cycle(a);
    a.step(ack(a, "c", 2));
    a.step(ack(a, "d", 2)); // b lags behind at 1
    assertThat(a.role()).isEqualTo(Role.FOLLOWER);
    assertThat(only(msgs(a), TimeoutNow.class)).containsExactly(new TimeoutNow("a", "c", 1));
  }

  @Test
  @DisplayName("§4.2.2 a removed leader whose successor never catches up steps down after an election timeout")
  void s4_2_2_removedLeaderStepsDownWhenHandOffTimesOut() {
    Raft a = ReplicationPaperTest.stableLeader(plain("a"), ABCD);
    a.proposeMembership(new Remove("a"));
    cycle(a);
    a.propose(new byte[] {7});
    cycle(a);
    a.step(ack(a, "b", 2));
    a.step(ack(a, "c", 2));
    assertThat(a.status().transferTarget()).isEqualTo("b");
    for (int i = 0; i < 9; i++) {
      a.tick();
    }
    assertThat(a.role()).isEqualTo(Role.LEADER);
    a.tick();
    assertThat(a.role()).isEqualTo(Role.FOLLOWER);
    assertThat(a.status().transferTarget()).isNull();
    assertThat(only(msgs(a), TimeoutNow.class)).isEmpty();
  }

  @Test
  @DisplayName("§4.2 a removed follower gets nothing more from the leader")
  void s4_2_removedFollowerForgotten() {
    Network net = Network.plain(ABC);
    net.elect("a");
    net.raft("a").proposeMembership(new Remove("c"));
    net.stabilize();
    assertThat(net.raft("a").status().peers()).containsOnlyKeys("b");
    net.history.clear();
    net.propose("a", "x");
    net.tickAndStabilize(2);
    assertThat(net.history).noneMatch(m -> m.to().equals("c"));
    assertThat(net.raft("a").commitIndex()).isEqualTo(3);
  }

  @Test
  @DisplayName("§3.10 / §4.1 membership changes are refused while leadership is being transferred")
  void s4_1_noChangeDuringTransfer() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.proposeMembership(new AddLearner("d", "", false));
    cycle(r);
    r.step(ack(r, "b", 2));
    r.step(ack(r, "c", 2));
    cycle(r);
    r.transferLeadership("b");
    assertThat(reasonOf(() -> r.proposeMembership(new Remove("b"))))
        .isEqualTo(Reason.TRANSFER_IN_PROGRESS);
  }

  @Test
  @DisplayName("§4.2.1 a bootstrap learner is promoted as soon as the leader's no-op commits")
  void s4_2_1_promotionRightAfterNoop() {
    Membership m = M_ABC.apply(new AddLearner("d", "", true));
    Network net = new Network();
    long seed = 1;
    for (String id : List.of("a", "b", "c", "d")) {
      net.nodes.put(id, new Network.Node(id, plain(id), seed++, m));
    }
    net.elect("a");
    assertThat(net.raft("a").commitIndex()).isEqualTo(1);
    net.tickAndStabilize(1);
    assertThat(net.raft("a").membership().voters()).contains("d");
  }

  @Test
  @DisplayName("§4.2.1 no promotion while another change is uncommitted or a transfer runs")
  void s4_2_1_noPromotionDuringOtherChangeOrTransfer() {
    Network net = withJoiner(plain("d"), true, 64);
    Raft a = net.raft("a");
    net.dropIf(m -> m instanceof AppendRequest && !m.to().equals("d"));
    a.proposeMembership(new AddLearner("e", "", false));
    net.stabilize();
    net.tickAndStabilize(2);
    assertThat(a.membership().learners()).containsExactly("d", "e");
    net.heal();
    a.transferLeadership("b");
    net.dropIf(m -> m instanceof Message.TimeoutNow);
    net.tickAndStabilize(2);
    assertThat(a.commitIndex()).isEqualTo(a.lastIndex());
    assertThat(a.status().peers().get("d").state()).isEqualTo(Progress.State.REPLICATE);
    assertThat(a.membership().learners()).contains("d");
    net.heal();
    net.tickAndStabilize(10); // the transfer times out; promotion follows
    assertThat(a.role()).isEqualTo(Role.LEADER);
    assertThat(a.membership().voters()).contains("d");
  }

  @Test
  @DisplayName("§4.2.1 a learner that is being probed (not replicating) is not promoted")
  void s4_2_1_noPromotionWhileProbing() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.proposeMembership(new AddLearner("d", "", true));
    cycle(r);
    r.step(ack(r, "b", 2));
    r.step(ack(r, "d", 2));
    cycle(r);
    r.reportUnreachable("d");
    r.tick();
    cycle(r);
    assertThat(r.membership().learners()).containsExactly("d");
  }

}
