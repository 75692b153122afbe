package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.TimeoutNow;
import io.lattice.raft.Message.VoteRequest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft dissertation §3.10: leadership transfer. */
class TransferPaperTest {
  private static final String[] ABC = {"a", "b", "c"};

  private static RaftException refusal(Runnable r) {
    try {
      r.run();
    } catch (RaftException e) {
      return e;
    }
    throw new AssertionError("no RaftException");
  }

  @Test
  @DisplayName("§3.10 an up-to-date target is sent TimeoutNow at once")
  void s3_10_upToDateTargetGetsTimeoutNow() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.transferLeadership("c");
    assertThat(r.status().transferTarget()).isEqualTo("c");
    assertThat(only(msgs(r), TimeoutNow.class)).containsExactly(new TimeoutNow("a", "c", 1));
    assertThat(r.role()).as("still leader until the target wins").isEqualTo(Role.LEADER);
  }

  @Test
  @DisplayName("§3.10 a lagging target is brought up to date first, then sent TimeoutNow")
  void s3_10_laggingTargetCaughtUpFirst() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    cycle(r);
    r.step(ack(r, "b", 2));
    cycle(r); // the new commit index goes out
    r.reportUnreachable("c"); // c lost the append: back to probing
    r.transferLeadership("c");
    List<Message> out = msgs(r);
    assertThat(only(out, TimeoutNow.class)).isEmpty();
    List<AppendRequest> apps = only(out, AppendRequest.class);
    assertThat(apps).singleElement().satisfies(a -> {
      assertThat(a.to()).isEqualTo("c");
      assertThat(a.entries()).extracting(Entry::index).containsExactly(2L);
    });
    r.step(ack(r, "c", 2));
    assertThat(only(msgs(r), TimeoutNow.class)).containsExactly(new TimeoutNow("a", "c", 1));
  }

  @Test
  @DisplayName("§3.10 only an ack that brings the target fully up to date triggers TimeoutNow")
  void s3_10_partialCatchUpIsNotEnough() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    r.propose(new byte[] {2});
    cycle(r);
    r.step(ack(r, "b", 3));
    r.transferLeadership("c");
    cycle(r);
    r.step(ack(r, "c", 2));
    assertThat(only(msgs(r), TimeoutNow.class)).isEmpty();
    r.step(ack(r, "b", 3)); // an ack from another server does not trigger it either
    assertThat(only(msgs(r), TimeoutNow.class)).isEmpty();
    r.step(ack(r, "c", 3));
    assertThat(only(msgs(r), TimeoutNow.class)).hasSize(1);
  }

  @Test
  @DisplayName("§3.10 proposals are refused while a transfer is in progress")
  void s3_10_proposalsRefusedDuringTransfer() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.transferLeadership("b");
    RaftException e = refusal(() -> r.propose(new byte[] {1}));
    assertThat(e.reason()).isEqualTo(Reason.TRANSFER_IN_PROGRESS);
    assertThat(e.leaderHint()).isEqualTo("a");
    assertThat(r.lastIndex()).isEqualTo(1);
  }

  @Test
  @DisplayName("§3.10 a transfer is aborted after an election timeout; proposals resume")
  void s3_10_transferAbortedAfterElectionTimeout() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.transferLeadership("b");
    for (int i = 0; i < 9; i++) {
      r.tick();
    }
    assertThat(r.status().transferTarget()).isEqualTo("b");
    r.tick();
    assertThat(r.status().transferTarget()).isNull();
    assertThat(r.propose(new byte[] {1})).isEqualTo(new EntryId(1, 2));
  }

  @Test
  @DisplayName("§3.10 the target campaigns at once, without pre-vote, and wins despite leader stickiness")
  void s3_10_targetElectedWithoutPreVoteDespiteStickiness() {
    Network net = Network.of(RaftConfig::defaults, ABC); // pre-vote and check-quorum on
    net.elect("a");
    net.tickAndStabilize(2);
    net.history.clear();
    net.raft("a").transferLeadership("c");
    net.stabilize();
    assertThat(net.leader().id()).isEqualTo("c");
    assertThat(net.raft("c").term()).isEqualTo(2);
    assertThat(net.raft("a").role()).isEqualTo(Role.FOLLOWER);
    List<VoteRequest> votes = net.history.stream()
        .filter(m -> m instanceof VoteRequest).map(m -> (VoteRequest) m).toList();
    assertThat(votes).isNotEmpty().allSatisfy(v -> {
      assertThat(v.preVote()).isFalse();
      assertThat(v.transfer()).isTrue();
      assertThat(v.from()).isEqualTo("c");
    });
    net.tickAndStabilize(2);
    assertThat(net.raft("b").leaderId()).isEqualTo("c");
  }

  @Test
  @DisplayName("§3.10 without the transfer flag, the same vote request is ignored by a follower with a live leader")
  void s3_10_stickinessWithoutTransferFlag() {
    Network net = Network.of(RaftConfig::defaults, ABC);
    net.elect("a");
    Raft b = net.raft("b");
    net.process("b");
    b.step(new VoteRequest("c", "b", 2, 10, 1, false, false));
    assertThat(b.term()).isEqualTo(1);
    assertThat(b.hasReady()).isFalse();
    b.step(new VoteRequest("c", "b", 2, 10, 1, false, true));
    assertThat(b.term()).isEqualTo(2);
    assertThat(b.hardState().votedFor()).isEqualTo("c");
  }

  @Test
  @DisplayName("§3.10 TimeoutNow from a newer term: the target adopts it and campaigns in the next")
  void s3_10_timeoutNowFromNewerTerm() {
    Raft r = core(RaftConfig.defaults("c"), ABC);
    r.step(new TimeoutNow("a", "c", 3));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    assertThat(r.term()).isEqualTo(4);
    assertThat(only(msgs(r), VoteRequest.class)).hasSize(2)
        .allSatisfy(v -> assertThat(v.transfer()).isTrue());
  }

  /** A follower of leader "a" in term 1 whose election timer then ran out: a pre-candidate. */
  private static Raft preCandidateOfTerm1(String self) {
    Raft r = core(RaftConfig.defaults(self), ABC); // pre-vote and check-quorum on
    r.step(new Message.Heartbeat("a", self, 1, 0, 0));
    cycle(r);
    for (int i = 0; i < 40 && r.role() == Role.FOLLOWER; i++) {
      r.tick();
    }
    assertThat(r.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(r.term()).as("a pre-candidate keeps its term (§9.6)").isEqualTo(1);
    cycle(r);
    return r;
  }

  @Test
  @DisplayName("§3.10 / §9.6 a pre-candidate that gets TimeoutNow from the leader of its term campaigns at once, without pre-vote")
  void s3_10_preCandidateObeysTimeoutNow() {
    // etcd's transfer campaign (campaignTransfer) skips pre-vote whatever the receiver's state: the
    // sender is the leader of the receiver's own term, so this is no partitioned disruptor.
    Raft c = preCandidateOfTerm1("c");
    c.step(new TimeoutNow("a", "c", 1));
    assertThat(c.role()).isEqualTo(Role.CANDIDATE);
    assertThat(c.term()).isEqualTo(2);
    assertThat(c.hardState().votedFor()).isEqualTo("c");
    assertThat(only(msgs(c), VoteRequest.class)).hasSize(2).allSatisfy(v -> {
      assertThat(v.term()).isEqualTo(2);
      assertThat(v.preVote()).isFalse();
      assertThat(v.transfer()).isTrue();
    });
  }

  @Test
  @DisplayName("§3.10 a candidate that gets TimeoutNow from the leader of its term campaigns again, in the next term, as a transfer")
  void s3_10_candidateObeysTimeoutNow() {
    // c timed out and campaigned in term 1 (no pre-vote), but b won term 1; b then hands off to c.
    Raft c = core(plain("c"), ABC);
    for (int i = 0; i < 40 && c.role() == Role.FOLLOWER; i++) {
      c.tick();
    }
    assertThat(c.role()).isEqualTo(Role.CANDIDATE);
    assertThat(c.term()).isEqualTo(1);
    cycle(c);
    c.step(new TimeoutNow("b", "c", 1));
    assertThat(c.role()).isEqualTo(Role.CANDIDATE);
    assertThat(c.term()).isEqualTo(2);
    assertThat(only(msgs(c), VoteRequest.class)).hasSize(2).allSatisfy(v -> {
      assertThat(v.term()).isEqualTo(2);
      assertThat(v.transfer()).isTrue();
    });
  }

  @Test
  @DisplayName("§3.10 / §5.1 a TimeoutNow from an older term is stale: (pre-)candidates and followers ignore it")
  void s3_10_staleTimeoutNowIgnored() {
    Raft pre = preCandidateOfTerm1("c");
    pre.step(new TimeoutNow("b", "c", 0));
    assertThat(pre.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(pre.term()).isEqualTo(1);
    assertThat(pre.hasReady()).isFalse();

    Raft cand = core(plain("c"), new HardState(4, null), List.of(), ABC);
    cand.campaign();
    assertThat(cand.term()).isEqualTo(5);
    cycle(cand);
    cand.step(new TimeoutNow("a", "c", 4)); // the leader of term 4 is no longer the leader
    assertThat(cand.role()).isEqualTo(Role.CANDIDATE);
    assertThat(cand.term()).isEqualTo(5);
    assertThat(cand.hasReady()).isFalse();

    Raft f = core(plain("c"), new HardState(4, null), List.of(), ABC);
    f.step(new TimeoutNow("a", "c", 3));
    assertThat(f.role()).isEqualTo(Role.FOLLOWER);
    assertThat(f.term()).isEqualTo(4);
    assertThat(f.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§3.10 a transfer to a server that became a pre-candidate completes instead of timing out")
  void s3_10_transferToPreCandidateCompletes() {
    Network net = Network.of(RaftConfig::defaults, ABC); // pre-vote and check-quorum on
    net.elect("a");
    net.tickAndStabilize(2);
    // c stops hearing from a and its timer runs out; b, which still hears a, ignores c's pre-votes.
    net.cut("a", "c");
    for (int i = 0; i < 40 && net.raft("c").role() == Role.FOLLOWER; i++) {
      net.tick("c", 1);
      net.stabilize();
    }
    assertThat(net.raft("c").role()).isEqualTo(Role.PRE_CANDIDATE);
    net.heal();
    net.raft("a").transferLeadership("c"); // c has every entry: TimeoutNow goes out at once
    net.stabilize();
    assertThat(net.leader().id()).isEqualTo("c");
    assertThat(net.raft("c").term()).isEqualTo(2);
    assertThat(net.raft("a").role()).isEqualTo(Role.FOLLOWER);
  }

  @Test
  @DisplayName("§3.10 invalid targets and non-leaders are refused")
  void s3_10_invalidTargets() {
    Membership m = Membership.ofVoterIds(ABC).apply(new MembershipChange.AddLearner("d", "", false));
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(m), new Random(1));
    Network.win(r);
    cycle(r);
    assertThat(refusal(() -> r.transferLeadership("a")).reason())
        .isEqualTo(Reason.INVALID_TRANSFER_TARGET);
    assertThat(refusal(() -> r.transferLeadership("d")).reason())
        .isEqualTo(Reason.INVALID_TRANSFER_TARGET);
    assertThat(refusal(() -> r.transferLeadership("zz")).reason())
        .isEqualTo(Reason.INVALID_TRANSFER_TARGET);
    assertThat(r.status().transferTarget()).isNull();
    Raft f = core(plain("b"), ABC);
    f.step(new Message.Heartbeat("a", "b", 1, 0, 0));
    RaftException e = refusal(() -> f.transferLeadership("c"));
    assertThat(e.reason()).isEqualTo(Reason.NOT_LEADER);
    assertThat(e.leaderHint()).isEqualTo("a");
    Raft single = core(plain("a"), "a");
    single.campaign();
    assertThat(refusal(() -> single.transferLeadership(null)).reason())
        .isEqualTo(Reason.INVALID_TRANSFER_TARGET);
  }

  @Test
  @DisplayName("§3.10 with no target named, the most up-to-date voter is chosen")
  void s3_10_mostUpToDateVoterChosen() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    cycle(r);
    r.step(ack(r, "c", 2));
    cycle(r);
    r.transferLeadership(null);
    assertThat(r.status().transferTarget()).isEqualTo("c");
    Raft r2 = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r2.propose(new byte[] {1});
    cycle(r2);
    r2.step(ack(r2, "b", 2));
    cycle(r2);
    r2.transferLeadership(null);
    assertThat(r2.status().transferTarget()).isEqualTo("b");
  }

  @Test
  @DisplayName("§3.10 with no target named, voters equally up to date: the lowest id is chosen")
  void s3_10_tieGoesToLowestId() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), "a", "d", "c", "b");
    r.transferLeadership(null);
    assertThat(r.status().transferTarget()).isEqualTo("b");
    assertThat(only(msgs(r), TimeoutNow.class)).containsExactly(new TimeoutNow("a", "b", 1));
  }

  @Test
  @DisplayName("§3.10 with no target named and every voter behind, the one chosen is caught up before TimeoutNow")
  void s3_10_chosenTargetCaughtUpFirst() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    r.propose(new byte[] {2});
    cycle(r);
    r.step(ack(r, "b", 2));
    r.step(ack(r, "c", 1));
    r.transferLeadership(null);
    assertThat(r.status().transferTarget()).isEqualTo("b");
    assertThat(only(msgs(r), TimeoutNow.class)).isEmpty();
    r.step(ack(r, "b", 3));
    assertThat(only(msgs(r), TimeoutNow.class)).containsExactly(new TimeoutNow("a", "b", 1));
  }

  @Test
  @DisplayName("§3.10 asking again for the same target changes nothing; a new target replaces it")
  void s3_10_repeatedTransfer() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.transferLeadership("b");
    cycle(r);
    for (int i = 0; i < 5; i++) {
      r.tick();
    }
    cycle(r);
    r.transferLeadership("b");
    assertThat(only(msgs(r), TimeoutNow.class)).as("no second TimeoutNow").isEmpty();
    for (int i = 0; i < 5; i++) {
      r.tick();
    }
    assertThat(r.status().transferTarget()).as("the timer was not restarted").isNull();
    r.transferLeadership("b");
    r.transferLeadership("c");
    assertThat(r.status().transferTarget()).isEqualTo("c");
    assertThat(only(msgs(r), TimeoutNow.class)).extracting(TimeoutNow::to).containsExactly("b", "c");
  }
}
