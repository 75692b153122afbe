package io.lattice.raft;

import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft dissertation §9.6 (pre-vote) and §6.2 (check-quorum, leader stickiness). */
class PreVotePaperTest {
  private static final String[] ABC = {"a", "b", "c"};

  private static RaftConfig preVoteOnly(String id) {
    return plain(id).withPreVote(true, false);
  }

  private static Raft preCandidate(RaftConfig cfg) {
    Raft r = core(cfg, ABC);
    for (int i = 0; i < 20 && r.role() == Role.FOLLOWER; i++) {
      r.tick();
    }
    assertThat(r.role()).isEqualTo(Role.PRE_CANDIDATE);
    return r;
  }

  @Test
  @DisplayName("§9.6 a pre-candidate does not increase its term nor vote, and asks for term + 1")
  void s9_6_preCandidateKeepsTerm() {
    Raft r = preCandidate(RaftConfig.defaults("a"));
    assertThat(r.term()).isZero();
    assertThat(r.leaderId()).isNull();
    Ready rd = cycle(r);
    assertThat(rd.hardState()).as("nothing durable changes").isNull();
    assertThat(rd.softState()).isEqualTo(new SoftState(Role.PRE_CANDIDATE, 0, null));
    List<VoteRequest> reqs = only(rd.messages(), VoteRequest.class);
    assertThat(reqs).containsExactly(
        new VoteRequest("a", "b", 1, 0, 0, true, false), new VoteRequest("a", "c", 1, 0, 0, true, false));
  }

  @Test
  @DisplayName("§9.6 with a majority of pre-votes the pre-candidate starts the real election")
  void s9_6_preVoteWonStartsElection() {
    Raft r = preCandidate(preVoteOnly("a"));
    cycle(r);
    r.step(new VoteResponse("b", "a", 1, true, true));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    assertThat(r.term()).isEqualTo(1);
    Ready rd = cycle(r);
    assertThat(rd.hardState()).isEqualTo(new HardState(1, "a"));
    assertThat(only(rd.messages(), VoteRequest.class)).allSatisfy(v -> {
      assertThat(v.preVote()).isFalse();
      assertThat(v.term()).isEqualTo(1);
    });
    r.step(new VoteResponse("c", "a", 1, true, true)); // a late pre-vote: not a vote
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    r.step(new VoteResponse("c", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.LEADER);
  }

  @Test
  @DisplayName("§9.6 a pre-candidate rejected by a majority returns to follower in the same term")
  void s9_6_preVoteLost() {
    Raft r = preCandidate(preVoteOnly("a"));
    cycle(r);
    r.step(new VoteResponse("b", "a", 0, true, false));
    assertThat(r.role()).isEqualTo(Role.PRE_CANDIDATE);
    r.step(new VoteResponse("c", "a", 0, true, false));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isZero();
  }

  @Test
  @DisplayName("§9.6 a pre-vote rejection from a higher term makes the pre-candidate follow that term")
  void s9_6_preVoteRejectionWithHigherTerm() {
    Raft r = preCandidate(preVoteOnly("a"));
    cycle(r);
    r.step(new VoteResponse("b", "a", 5, true, false));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(5);
  }

  @Test
  @DisplayName("§9.6 a pre-candidate hearing from the leader of its term follows it")
  void s9_6_preCandidateFollowsLeader() {
    Raft r = core(preVoteOnly("a"), ABC);
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    for (int i = 0; i < 20 && r.role() == Role.FOLLOWER; i++) {
      r.tick();
    }
    assertThat(r.role()).isEqualTo(Role.PRE_CANDIDATE);
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.leaderId()).isEqualTo("b");
    assertThat(r.term()).isEqualTo(1);
  }

  @Test
  @DisplayName("§9.6 granting a pre-vote changes nothing on the voter")
  void s9_6_preVoteGrantChangesNothing() {
    Raft r = core(preVoteOnly("b"), ABC);
    r.step(new VoteRequest("a", "b", 1, 0, 0, true, false));
    Ready rd = cycle(r);
    assertThat(only(rd.messages(), VoteResponse.class))
        .containsExactly(new VoteResponse("b", "a", 1, true, true));
    assertThat(rd.hardState()).isNull();
    assertThat(r.term()).isZero();
    assertThat(r.hardState().votedFor()).isNull();
    // it can still really vote for someone else
    r.step(new VoteRequest("c", "b", 1, 0, 0, false, false));
    assertThat(only(msgs(r), VoteResponse.class))
        .containsExactly(new VoteResponse("b", "c", 1, false, true));
  }

  @Test
  @DisplayName("§9.6 / §5.4.1 a pre-vote is refused to a candidate with a less up-to-date log")
  void s9_6_preVoteNeedsUpToDateLog() {
    Raft r = Network.core(preVoteOnly("b"), new HardState(2, null), entries(1, 2), ABC);
    r.step(new VoteRequest("a", "b", 3, 1, 1, true, false));
    assertThat(only(msgs(r), VoteResponse.class))
        .containsExactly(new VoteResponse("b", "a", 2, true, false));
    assertThat(r.term()).isEqualTo(2);
  }

  @Test
  @DisplayName("§9.6 a partitioned server rejoining does not disrupt a stable leader")
  void s9_6_rejoiningServerDoesNotDisrupt() {
    Network net = Network.of(RaftConfig::defaults, ABC);
    net.elect("a");
    net.isolate("c");
    net.tickAndStabilize(100);
    assertThat(net.raft("c").term()).as("pre-votes never raise the term").isEqualTo(1);
    assertThat(net.raft("c").role()).isIn(Role.FOLLOWER, Role.PRE_CANDIDATE);
    net.propose("a", "x");
    net.heal();
    net.tickAndStabilize(20);
    assertThat(net.leader().id()).isEqualTo("a");
    assertThat(net.raft("a").term()).isEqualTo(1);
    assertThat(net.raft("c").leaderId()).isEqualTo("a");
    assertThat(net.raft("c").commitIndex()).isEqualTo(2);
  }

  @Test
  @DisplayName("§9.6 (contrast) without pre-vote the rejoining server's higher term deposes the leader")
  void s9_6_withoutPreVoteTheLeaderIsDisrupted() {
    Network net = Network.of(id -> plain(id).withPreVote(false, true), ABC);
    net.elect("a");
    net.isolate("c");
    net.tickAndStabilize(100);
    assertThat(net.raft("c").term()).isGreaterThan(2);
    net.heal();
    net.tickAndStabilize(1);
    assertThat(net.raft("a").term()).as("the leader learned c's term").isGreaterThan(1);
  }

  @Test
  @DisplayName("§6.2 check-quorum: a leader that hears from no majority for an election timeout steps down")
  void s6_2_checkQuorumStepDown() {
    Network net = Network.of(RaftConfig::defaults, ABC);
    net.elect("a");
    net.isolate("a");
    // The acks of the election count for the first period; the second finds nobody.
    net.tick("a", 19);
    assertThat(net.raft("a").role()).isEqualTo(Role.LEADER);
    net.tick("a", 1);
    assertThat(net.raft("a").role()).isEqualTo(Role.FOLLOWER);
    assertThat(net.raft("a").leaderId()).isNull();
    assertThat(net.raft("a").term()).isEqualTo(1);
  }

  @Test
  @DisplayName("§6.2 check-quorum: a leader in contact with a majority stays leader")
  void s6_2_checkQuorumStaysWithMajority() {
    Network net = Network.of(RaftConfig::defaults, ABC);
    net.elect("a");
    net.isolate("c");
    net.tickAndStabilize(60);
    assertThat(net.raft("a").role()).isEqualTo(Role.LEADER);
    assertThat(net.raft("a").term()).isEqualTo(1);
    assertThat(net.raft("a").status().peers().get("b").recentActive()).isTrue();
    assertThat(net.raft("a").status().peers().get("c").ticksSinceContact()).isGreaterThanOrEqualTo(60);
  }

  @Test
  @DisplayName("§6.2 without check-quorum an isolated leader stays leader")
  void s6_2_noCheckQuorum() {
    Network net = Network.plain(ABC);
    net.elect("a");
    net.isolate("a");
    net.tick("a", 100);
    assertThat(net.raft("a").role()).isEqualTo(Role.LEADER);
  }

  @Test
  @DisplayName("§6.2 / §9.6 followers with a live leader ignore vote and pre-vote requests")
  void s6_2_followersInLeaseIgnoreVotes() {
    Raft b = core(RaftConfig.defaults("b"), ABC);
    b.step(new Heartbeat("a", "b", 1, 0, 0));
    cycle(b);
    b.step(new VoteRequest("c", "b", 2, 9, 1, false, false));
    b.step(new VoteRequest("c", "b", 2, 9, 1, true, false));
    assertThat(b.hasReady()).isFalse();
    assertThat(b.term()).isEqualTo(1);
    for (int i = 0; i < 9; i++) {
      b.tick();
    }
    b.step(new VoteRequest("c", "b", 2, 9, 1, true, false));
    assertThat(b.hasReady()).as("still within the election timeout").isFalse();
    b.tick();
    b.step(new VoteRequest("c", "b", 2, 9, 1, true, false));
    assertThat(only(msgs(b), VoteResponse.class))
        .containsExactly(new VoteResponse("b", "c", 2, true, true));
  }

  @Test
  @DisplayName("§6.2 a leader with check-quorum ignores disruptive vote requests")
  void s6_2_leaderIgnoresVotes() {
    Raft a = ReplicationPaperTest.stableLeader(RaftConfig.defaults("a"), ABC);
    a.step(new VoteRequest("c", "a", 5, 99, 4, false, false));
    assertThat(a.role()).isEqualTo(Role.LEADER);
    assertThat(a.term()).isEqualTo(1);
    assertThat(a.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§6.2 without check-quorum a follower votes in a higher term even with a live leader")
  void s6_2_noStickinessWithoutCheckQuorum() {
    Raft b = core(preVoteOnly("b"), ABC);
    b.step(new Heartbeat("a", "b", 1, 0, 0));
    cycle(b);
    b.step(new VoteRequest("c", "b", 2, 9, 1, false, false));
    assertThat(b.term()).isEqualTo(2);
    assertThat(only(msgs(b), VoteResponse.class))
        .containsExactly(new VoteResponse("b", "c", 2, false, true));
  }

  @Test
  @DisplayName("§9.6 a single-server cluster with pre-vote becomes leader at once")
  void s9_6_singleServer() {
    Raft r = core(RaftConfig.defaults("a"), "a");
    r.campaign();
    assertThat(r.role()).isEqualTo(Role.LEADER);
    assertThat(r.term()).isEqualTo(1);
  }

  @Test
  @DisplayName("§9.6 a pre-candidate times out into a new pre-vote, still without a term change")
  void s9_6_preCandidateRetries() {
    Raft r = preCandidate(preVoteOnly("a"));
    cycle(r);
    for (int i = 0; i < 20; i++) {
      r.tick();
    }
    assertThat(r.role()).isEqualTo(Role.PRE_CANDIDATE);
    assertThat(r.term()).isZero();
    assertThat(only(msgs(r), VoteRequest.class)).isNotEmpty().allSatisfy(v -> assertThat(v.preVote()).isTrue());
  }

  @Test
  @DisplayName("§9.6 an isolated leader that stepped down does not raise its term while partitioned")
  void s9_6_deposedLeaderStaysInTerm() {
    Network net = Network.of(RaftConfig::defaults, ABC);
    net.elect("a");
    net.isolate("a");
    net.tickAndStabilize(100);
    assertThat(net.raft("a").term()).isEqualTo(1);
    Raft newLeader = net.leader();
    assertThat(newLeader.id()).isIn("b", "c");
    assertThat(newLeader.term()).isEqualTo(2);
    net.heal();
    net.tickAndStabilize(3);
    assertThat(net.raft("a").leaderId()).isEqualTo(newLeader.id());
    assertThat(net.raft("a").term()).isEqualTo(2);
    assertThat(net.history).noneMatch(m -> m instanceof AppendRequest ar && ar.term() > 2);
  }

  @Test
  @DisplayName("§9.6 a pre-vote for the voter's own term is only granted like a real vote")
  void s9_6_preVoteForCurrentTermNeedsFreeVote() {
    Raft r = Network.core(preVoteOnly("a"), new HardState(2, "c"), List.of(), ABC);
    r.step(new VoteRequest("b", "a", 2, 0, 0, true, false));
    assertThat(only(msgs(r), VoteResponse.class))
        .containsExactly(new VoteResponse("a", "b", 2, true, false));
    r.step(new VoteRequest("b", "a", 3, 0, 0, true, false));
    assertThat(only(msgs(r), VoteResponse.class))
        .containsExactly(new VoteResponse("a", "b", 3, true, true));
    r.step(new VoteRequest("c", "a", 2, 0, 0, true, false));
    assertThat(only(msgs(r), VoteResponse.class))
        .containsExactly(new VoteResponse("a", "c", 2, true, true));
  }

  @Test
  @DisplayName("§6.4.1 a restarted server honours a lease it may have granted for an election timeout")
  void s6_4_1_restartedServerHonoursPossibleLease() {
    RaftConfig cfg = plain("b").withPreVote(false, true);
    Raft r = Network.core(cfg, new HardState(3, null), entries(1, 3), ABC);
    for (int i = 0; i < 9; i++) {
      r.tick();
    }
    r.step(new VoteRequest("c", "b", 10, 5, 3, false, false));
    assertThat(r.term()).isEqualTo(3);
    assertThat(r.hasReady()).isFalse();
    r.tick();
    r.step(new VoteRequest("c", "b", 10, 5, 3, false, false));
    assertThat(r.term()).isEqualTo(10);
    assertThat(only(msgs(r), VoteResponse.class)).singleElement()
        .satisfies(v -> assertThat(v.granted()).isTrue());
    // a brand-new server granted no lease before: it may vote at once
    Raft fresh = core(cfg, ABC);
    fresh.step(new VoteRequest("c", "b", 1, 0, 0, false, false));
    assertThat(fresh.term()).isEqualTo(1);
    // and without check-quorum there are no leases to honour
    Raft noCq = Network.core(plain("b"), new HardState(3, null), entries(1, 3), ABC);
    noCq.step(new VoteRequest("c", "b", 10, 5, 3, false, false));
    assertThat(noCq.term()).isEqualTo(10);
  }

}
