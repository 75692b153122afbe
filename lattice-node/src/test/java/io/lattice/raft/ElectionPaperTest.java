package io.lattice.raft;

import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Message.TimeoutNow;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Raft paper §5.1, §5.2 and §5.4.1 (leader election), after etcd-io/raft's raft_paper_test.go. */
class ElectionPaperTest {
  private static final String[] ABC = {"a", "b", "c"};

  /** A core "a" of {a,b,c} in the given role; pre-vote on (to reach PRE_CANDIDATE), check-quorum off. */
  private static Raft inRole(Role role) {
    Raft r = core(plain("a").withPreVote(true, false), ABC);
    switch (role) {
      case FOLLOWER:
        break;
      case PRE_CANDIDATE:
        r.campaign();
        break;
      case CANDIDATE:
        r.campaign();
        cycle(r);
        r.step(new VoteResponse("b", "a", 1, true, true));
        break;
      case LEADER:
        Network.win(r);
        break;
      default:
        throw new AssertionError();
    }
    cycle(r);
    assertThat(r.role()).isEqualTo(role);
    return r;
  }

  // ------------------------------------------------------------------ §5.1

  @ParameterizedTest(name = "§5.1 a {0} seeing a higher term in AppendEntries adopts it and follows the sender")
  @EnumSource(Role.class)
  void s5_1_updateTermFromAppend(Role role) {
    Raft r = inRole(role);
    long t = r.term() + 2;
    r.step(new AppendRequest("b", "a", t, 0, 0, List.of(), 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(t);
    assertThat(r.leaderId()).isEqualTo("b");
    assertThat(r.hardState().votedFor()).isNull();
    Ready rd = cycle(r);
    assertThat(rd.hardState().term()).isEqualTo(t);
    assertThat(rd.softState()).isEqualTo(new SoftState(Role.FOLLOWER, t, "b"));
  }

  @ParameterizedTest(name = "§5.1 a {0} seeing a higher term in a heartbeat adopts it and follows the sender")
  @EnumSource(Role.class)
  void s5_1_updateTermFromHeartbeat(Role role) {
    Raft r = inRole(role);
    long t = r.term() + 1;
    r.step(new Heartbeat("c", "a", t, 0, 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(t);
    assertThat(r.leaderId()).isEqualTo("c");
  }

  @ParameterizedTest(name = "§5.1 a {0} seeing a higher term in RequestVote adopts it with no leader")
  @EnumSource(Role.class)
  void s5_1_updateTermFromVoteRequest(Role role) {
    Raft r = inRole(role);
    long t = r.term() + 3;
    r.step(new VoteRequest("b", "a", t, 100, t, false, false));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(t);
    assertThat(r.leaderId()).isNull();
    assertThat(r.hardState()).isEqualTo(new HardState(t, "b"));
  }

  @ParameterizedTest(name = "§5.1 a {0} seeing a higher term in a response steps down")
  @EnumSource(Role.class)
  void s5_1_updateTermFromResponse(Role role) {
    Raft r = inRole(role);
    long t = r.term() + 1;
    r.step(new AppendResponse("b", "a", t, false, 0, 0, 0, 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(t);
    assertThat(r.leaderId()).isNull();
  }

  /** A follower at term 2 with leader b and log [1@1]. */
  private static Raft followerAtTerm2(RaftConfig cfg) {
    Raft r = Network.core(cfg, new HardState(2, null), entries(1), ABC);
    r.step(new Heartbeat("b", "a", 2, 0, 0));
    cycle(r);
    return r;
  }

  @Test
  @DisplayName("§5.1 stale-term messages change nothing and, in plain Raft, get no answer")
  void s5_1_rejectStaleTermMessages() {
    Raft r = followerAtTerm2(plain("a"));
    List<Message> stale = List.of(
        new AppendRequest("c", "a", 1, 1, 1, entries(1, 1).subList(1, 2), 2),
        new Heartbeat("c", "a", 1, 1, 5),
        new VoteRequest("c", "a", 1, 9, 1, false, false),
        new InstallSnapshot("c", "a", 1, new SnapshotMeta(9, 1, Membership.ofVoterIds(ABC))),
        new TimeoutNow("c", "a", 1),
        new AppendResponse("c", "a", 1, true, 1, 0, 0, 0));
    for (Message m : stale) {
      r.step(m);
      assertThat(r.term()).isEqualTo(2);
      assertThat(r.role()).isEqualTo(Role.FOLLOWER);
      assertThat(r.leaderId()).isEqualTo("b");
      assertThat(r.lastIndex()).isEqualTo(1);
      assertThat(r.commitIndex()).isZero();
      assertThat(r.hasReady()).as("no answer to %s", m).isFalse();
    }
  }

  @Test
  @DisplayName("§5.1 / §9.6 with check-quorum a stale leader is told the newer term")
  void s5_1_staleLeaderIsToldTheNewTerm() {
    Raft r = followerAtTerm2(plain("a").withPreVote(false, true));
    r.step(new AppendRequest("c", "a", 1, 0, 0, List.of(), 0));
    r.step(new Heartbeat("c", "a", 1, 0, 0));
    List<AppendResponse> out = only(msgs(r), AppendResponse.class);
    assertThat(out).hasSize(2).allSatisfy(m -> {
      assertThat(m.to()).isEqualTo("c");
      assertThat(m.term()).isEqualTo(2);
      assertThat(m.success()).isFalse();
    });
    assertThat(r.term()).isEqualTo(2);
    // and the stale leader steps down on hearing it
    Raft stale = core(plain("c"), ABC);
    Network.win(stale);
    stale.step(out.get(0));
    assertThat(stale.role()).isEqualTo(Role.FOLLOWER);
    assertThat(stale.term()).isEqualTo(2);
  }

  @Test
  @DisplayName("§5.1 / §9.6 a stale pre-vote request is rejected with the current term")
  void s5_1_stalePreVoteIsRejectedWithTerm() {
    Raft r = followerAtTerm2(plain("a"));
    r.step(new VoteRequest("c", "a", 2 - 1, 9, 1, true, false));
    List<VoteResponse> out = only(msgs(r), VoteResponse.class);
    assertThat(out).containsExactly(new VoteResponse("a", "c", 2, true, false));
  }

  @Test
  @DisplayName("messages addressed to another server are ignored")
  void messagesForOthersAreIgnored() {
    Raft r = core(plain("a"), ABC);
    r.step(new AppendRequest("b", "c", 5, 0, 0, List.of(), 0));
    r.step(new VoteRequest("b", "c", 5, 0, 0, false, false));
    assertThat(r.term()).isZero();
    assertThat(r.hasReady()).isFalse();
  }

  // ------------------------------------------------------------------ §5.2

  @Test
  @DisplayName("§5.2 servers start as followers in term 0")
  void s5_2_startAsFollower() {
    Raft r = core(plain("a"), ABC);
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isZero();
    assertThat(r.leaderId()).isNull();
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§5.2 the leader sends heartbeats to every peer each heartbeat interval")
  void s5_2_leaderBroadcastsHeartbeat() {
    Raft r = core(plain("a").withElection(10, 3), ABC);
    Network.win(r);
    cycle(r);
    r.tick();
    r.tick();
    assertThat(only(msgs(r), Heartbeat.class)).isEmpty();
    r.tick();
    List<Heartbeat> hbs = only(msgs(r), Heartbeat.class);
    assertThat(hbs).extracting(Heartbeat::to).containsExactly("b", "c");
    assertThat(hbs).allSatisfy(h -> {
      assertThat(h.term()).isEqualTo(1);
      assertThat(h.commit()).isZero(); // nothing known to be on the follower yet
    });
    assertThat(r.role()).as("a leader never campaigns").isEqualTo(Role.LEADER);
  }

  @ParameterizedTest(name = "§5.2 a {0} starts an election when its election timeout elapses")
  @EnumSource(value = Role.class, names = {"FOLLOWER", "CANDIDATE"})
  void s5_2_startElectionOnTimeout(Role role) {
    Raft r = core(plain("a"), ABC);
    if (role == Role.CANDIDATE) {
      r.campaign();
      cycle(r);
    }
    long before = r.term();
    for (int i = 0; i < 2 * 10; i++) {
      r.tick();
    }
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    assertThat(r.term()).isEqualTo(before + 1);
    Ready rd = cycle(r);
    assertThat(rd.hardState()).isEqualTo(new HardState(before + 1, "a"));
    List<VoteRequest> reqs = only(rd.messages(), VoteRequest.class);
    assertThat(reqs).extracting(VoteRequest::to).containsExactly("b", "c");
    assertThat(reqs).allSatisfy(v -> {
      assertThat(v.term()).isEqualTo(before + 1);
      assertThat(v.preVote()).isFalse();
      assertThat(v.transfer()).isFalse();
      assertThat(v.lastLogIndex()).isZero();
      assertThat(v.lastLogTerm()).isZero();
    });
  }

  @Test
  @DisplayName("§5.2 election timeouts are randomized in [electionTicks, 2 x electionTicks)")
  void s5_2_electionTimeoutRandomized() {
    Set<Integer> seen = new HashSet<>();
    for (int seed = 0; seed < 200; seed++) {
      Raft r = new Raft(plain("a"),
          RestoredState.bootstrap(Membership.ofVoterIds(ABC)), new Random(seed));
      int ticks = 0;
      while (r.role() == Role.FOLLOWER) {
        r.tick();
        ticks++;
        assertThat(ticks).isLessThan(20);
      }
      assertThat(ticks).isBetween(10, 19);
      seen.add(ticks);
    }
    assertThat(seen).as("every value of the range occurs").hasSize(10);
  }

  @Test
  @DisplayName("§5.2 each new election draws a fresh random timeout")
  void s5_2_timeoutRedrawnPerElection() {
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(Membership.ofVoterIds(ABC)), new Random(3));
    List<Integer> gaps = new ArrayList<>();
    long term = r.term();
    int ticks = 0;
    while (gaps.size() < 20) {
      r.tick();
      ticks++;
      if (r.term() != term) {
        gaps.add(ticks);
        ticks = 0;
        term = r.term();
      }
    }
    assertThat(gaps).allSatisfy(g -> assertThat(g).isBetween(10, 19));
    assertThat(new HashSet<>(gaps)).hasSizeGreaterThan(3);
  }

  @Test
  @DisplayName("§5.2 hearing from the leader resets the election timer")
  void s5_2_heartbeatsPreventElections() {
    Raft r = core(plain("a"), ABC);
    for (int i = 0; i < 200; i++) {
      r.tick();
      if (i % 9 == 0) {
        r.step(new Heartbeat("b", "a", 1, 0, 0));
      }
    }
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(1);
    assertThat(r.leaderId()).isEqualTo("b");
  }

  @Test
  @DisplayName("§5.2 / dissertation §4.2.1 a learner never starts an election")
  void s5_2_learnerNeverCampaigns() {
    Membership m = Membership.ofVoterIds("b", "c").apply(new MembershipChange.AddLearner("a", "", true));
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(m), new Random(1));
    for (int i = 0; i < 100; i++) {
      r.tick();
    }
    r.campaign();
    r.step(new TimeoutNow("b", "a", 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isZero();
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§5.2 a single-server cluster elects itself at once")
  void s5_2_singleServerElectsItself() {
    Raft r = core(plain("a"), "a");
    r.campaign();
    assertThat(r.role()).isEqualTo(Role.LEADER);
    assertThat(r.term()).isEqualTo(1);
    Ready rd = cycle(r);
    assertThat(rd.entries()).containsExactly(Entry.noop(1, 1));
    assertThat(rd.messages()).isEmpty();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, "a"));
  }

  /** etcd TestLeaderElectionInOneRoundRPC. votes: "b+ c-" etc. */
  @ParameterizedTest(name = "§5.2 cluster of {0}, votes [{1}] -> {2}")
  @CsvSource(
      delimiter = ';',
      value = {
        "1;;LEADER",
        "3;b+ c+;LEADER",
        "3;b+;LEADER",
        "5;b+ c+ d+ e+;LEADER",
        "5;b+ c+ d+;LEADER",
        "5;b+ c+;LEADER",
        "3;b- c-;FOLLOWER",
        "5;b- c- d- e-;FOLLOWER",
        "5;b+ c- d- e-;FOLLOWER",
        "5;b- c- d-;FOLLOWER",
        "3;;CANDIDATE",
        "5;b+;CANDIDATE",
        "5;b- c-;CANDIDATE",
        "5;b+ c- d-;CANDIDATE",
        "5;;CANDIDATE",
      })
  void s5_2_leaderElectionInOneRound(int size, String votes, Role expected) {
    String[] ids = java.util.Arrays.copyOf(new String[] {"a", "b", "c", "d", "e"}, size);
    Raft r = core(plain("a"), ids);
    r.campaign();
    cycle(r);
    if (votes != null) {
      for (String v : votes.trim().split(" ")) {
        r.step(new VoteResponse(v.substring(0, 1), "a", 1, false, v.endsWith("+")));
      }
    }
    assertThat(r.role()).isEqualTo(expected);
    assertThat(r.term()).isEqualTo(1);
  }

  @Test
  @DisplayName("§5.2 a second vote response from the same server is not counted twice")
  void s5_2_duplicateVotesCountOnce() {
    Raft r = core(plain("a"), "a", "b", "c", "d", "e");
    r.campaign();
    cycle(r);
    r.step(new VoteResponse("b", "a", 1, false, true));
    r.step(new VoteResponse("b", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    r.step(new VoteResponse("c", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.LEADER);
  }

  @Test
  @DisplayName("§5.2 votes from servers outside the configuration do not count")
  void s5_2_votesFromNonMembersDoNotCount() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    cycle(r);
    r.step(new VoteResponse("x", "a", 1, false, true));
    r.step(new VoteResponse("y", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
  }

  @Test
  @DisplayName("§5.2 late or pre-vote responses do not affect a leader or candidate")
  void s5_2_irrelevantResponsesIgnored() {
    Raft r = core(plain("a"), "a", "b", "c", "d", "e");
    r.campaign();
    cycle(r);
    r.step(new VoteResponse("b", "a", 1, true, true)); // a pre-vote answer: not this election
    r.step(new VoteResponse("c", "a", 1, true, true));
    r.step(new VoteResponse("d", "a", 1, true, true));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    r.step(new VoteResponse("b", "a", 1, false, true));
    r.step(new VoteResponse("c", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.LEADER);
    r.step(new VoteResponse("d", "a", 1, false, false)); // late answers after winning
    r.step(new VoteResponse("e", "a", 1, false, false));
    assertThat(r.role()).isEqualTo(Role.LEADER);
  }

  /** etcd TestFollowerVote. */
  @ParameterizedTest(name = "§5.2 one vote per term: voted for {0}, request from {1} -> granted {2}")
  @CsvSource({",b,true", ",c,true", "b,b,true", "c,c,true", "b,c,false", "c,b,false"})
  void s5_2_followerVote(String votedFor, String from, boolean granted) {
    Raft r = Network.core(plain("a"), new HardState(1, votedFor), List.of(), ABC);
    r.step(new VoteRequest(from, "a", 1, 0, 0, false, false));
    Ready rd = cycle(r);
    assertThat(only(rd.messages(), VoteResponse.class))
        .containsExactly(new VoteResponse("a", from, 1, false, granted));
    assertThat(r.hardState().votedFor()).isEqualTo(votedFor == null && granted ? from : votedFor);
  }

  @Test
  @DisplayName("§5.2 one vote per term survives a restart (votedFor is durable)")
  void s5_2_voteSurvivesRestart() {
    Network net = Network.plain(ABC);
    Raft a = net.raft("a");
    a.step(new VoteRequest("b", "a", 1, 0, 0, false, false));
    net.process("a");
    assertThat(net.node("a").hardState).isEqualTo(new HardState(1, "b"));
    net.node("a").restart();
    a = net.raft("a");
    a.step(new VoteRequest("c", "a", 1, 0, 0, false, false));
    Ready rd = cycle(a);
    assertThat(only(rd.messages(), VoteResponse.class))
        .containsExactly(new VoteResponse("a", "c", 1, false, false));
  }

  @Test
  @DisplayName("§5.2 a follower that knows the leader of the term does not vote for another")
  void s5_2_noVoteWhenLeaderKnown() {
    Raft r = core(plain("a"), ABC);
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    cycle(r);
    r.step(new VoteRequest("c", "a", 1, 0, 0, false, false));
    assertThat(only(msgs(r), VoteResponse.class)).containsExactly(new VoteResponse("a", "c", 1, false, false));
  }

  @Test
  @DisplayName("§5.2 a candidate does not vote for another candidate of its term")
  void s5_2_candidateVotesForItselfOnly() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    cycle(r);
    r.step(new VoteRequest("b", "a", 1, 5, 1, false, false));
    assertThat(only(msgs(r), VoteResponse.class)).containsExactly(new VoteResponse("a", "b", 1, false, false));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
  }

  @Test
  @DisplayName("§5.2 granting a vote resets the election timer")
  void s5_2_grantingResetsTimer() {
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(Membership.ofVoterIds(ABC)), new Random(1));
    for (int i = 0; i < 9; i++) {
      r.tick();
    }
    r.step(new VoteRequest("b", "a", 1, 0, 0, false, false));
    cycle(r);
    for (int i = 0; i < 9; i++) {
      r.tick();
    }
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(1);
  }

  /** etcd TestCandidateFallback. */
  @ParameterizedTest(name = "§5.2 a candidate receiving AppendEntries of term +{0} steps down")
  @ValueSource(ints = {0, 1})
  void s5_2_candidateFallback(int plus) {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    cycle(r);
    long t = r.term() + plus;
    r.step(new AppendRequest("b", "a", t, 0, 0, List.of(), 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(t);
    assertThat(r.leaderId()).isEqualTo("b");
    assertThat(only(msgs(r), AppendResponse.class)).singleElement()
        .satisfies(m -> assertThat(m.success()).isTrue());
  }

  @Test
  @DisplayName("§5.2 a candidate steps down on a heartbeat or InstallSnapshot of its term")
  void s5_2_candidateFallbackOnHeartbeatAndSnapshot() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    cycle(r);
    r.step(new Heartbeat("c", "a", 1, 0, 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.leaderId()).isEqualTo("c");
    Raft s = core(plain("a"), ABC);
    s.campaign();
    cycle(s);
    s.step(new InstallSnapshot("b", "a", 1, new SnapshotMeta(3, 1, Membership.ofVoterIds(ABC))));
    assertThat(s.role()).isEqualTo(Role.FOLLOWER);
    assertThat(s.commitIndex()).isEqualTo(3);
  }

  @Test
  @DisplayName("§5.2 a candidate that loses the vote returns to follower in the same term")
  void s5_2_candidateLoses() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    cycle(r);
    r.step(new VoteResponse("b", "a", 1, false, false));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    r.step(new VoteResponse("c", "a", 1, false, false));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(1);
    assertThat(r.hardState().votedFor()).as("still voted for itself in term 1").isEqualTo("a");
  }

  @Test
  @DisplayName("§5.2 a split vote: each candidate times out and starts a new election")
  void s5_2_splitVoteRestartsElection() {
    Raft r = core(plain("a"), "a", "b", "c", "d");
    r.campaign();
    cycle(r);
    r.step(new VoteResponse("b", "a", 1, false, true));
    r.step(new VoteResponse("c", "a", 1, false, false));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    for (int i = 0; i < 20 && r.term() == 1; i++) {
      r.tick();
    }
    assertThat(r.term()).isEqualTo(2);
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
    List<VoteRequest> reqs = only(msgs(r), VoteRequest.class);
    assertThat(reqs).hasSize(3).allSatisfy(v -> assertThat(v.term()).isEqualTo(2));
    // old term's votes are forgotten
    r.step(new VoteResponse("b", "a", 2, false, true));
    assertThat(r.role()).isEqualTo(Role.CANDIDATE);
  }

  @Test
  @DisplayName("§5.2 a split vote in a cluster resolves to exactly one leader")
  void s5_2_splitVoteResolves() {
    Network net = Network.plain("a", "b", "c", "d");
    net.raft("a").campaign();
    net.raft("b").campaign();
    net.process("a");
    net.process("b");
    // c hears a first, d hears b first
    for (Message m : net.take(m -> m.to().equals("c") && m.from().equals("a"))) {
      net.deliver(m);
    }
    for (Message m : net.take(m -> m.to().equals("d") && m.from().equals("b"))) {
      net.deliver(m);
    }
    net.stabilize();
    assertThat(net.raft("a").role()).isNotEqualTo(Role.LEADER);
    assertThat(net.raft("b").role()).isNotEqualTo(Role.LEADER);
    for (int i = 0; i < 100 && net.leader() == null; i++) {
      net.tickAndStabilize(1);
    }
    Raft leader = net.leader();
    assertThat(leader).isNotNull();
    assertThat(leader.term()).isGreaterThan(1);
    net.tickAndStabilize(3);
    for (Network.Node n : net.nodes.values()) {
      assertThat(n.raft.leaderId()).isEqualTo(leader.id());
      assertThat(n.raft.term()).isEqualTo(leader.term());
    }
  }

  @Test
  @DisplayName("§5.2 an elected leader is recognized by all after its first append")
  void s5_2_electionInNetwork() {
    Network net = Network.plain(ABC);
    net.elect("b");
    for (String id : ABC) {
      assertThat(net.raft(id).leaderId()).isEqualTo("b");
      assertThat(net.raft(id).term()).isEqualTo(1);
      assertThat(net.raft(id).commitIndex()).isEqualTo(1);
    }
  }

  // ------------------------------------------------------------------ §5.4.1

  /** etcd TestVoter. Log terms of the voter; the candidate's (lastIndex, lastTerm). */
  @ParameterizedTest(name = "§5.4.1 voter log [{0}], candidate last=({1},{2}) -> granted {3}")
  @CsvSource(
      delimiter = ';',
      value = {
        "1;1;1;true", // same log
        "1;2;1;true", // candidate longer, same last term
        "1 1;1;1;false", // candidate shorter
        "1;1;2;true", // candidate has a higher last term
        "1;2;2;true",
        "1 1;1;2;true", // higher last term beats length
        "2;1;1;false", // lower last term
        "2;2;1;false",
        "2 2;1;1;false",
        "2 2;5;1;false", // longer but lower last term
        ";0;0;true", // empty logs
      })
  void s5_4_1_voterRefusesLessUpToDateCandidate(String log, long lastIndex, long lastTerm,
      boolean granted) {
    long[] terms = log == null ? new long[0]
        : java.util.Arrays.stream(log.split(" ")).mapToLong(Long::parseLong).toArray();
    Raft r = Network.core(plain("a"), new HardState(5, null), entries(terms), ABC);
    r.step(new VoteRequest("b", "a", 6, lastIndex, lastTerm, false, false));
    assertThat(only(msgs(r), VoteResponse.class)).singleElement()
        .satisfies(v -> assertThat(v.granted()).isEqualTo(granted));
    assertThat(r.hardState().votedFor()).isEqualTo(granted ? "b" : null);
    assertThat(r.term()).isEqualTo(6);
  }

  @Test
  @DisplayName("§5.4.1 a candidate whose log lacks a committed entry cannot be elected")
  void s5_4_1_staleCandidateLoses() {
    Network net = Network.plain(ABC);
    net.elect("a");
    net.isolate("c");
    net.propose("a", "x");
    assertThat(net.raft("a").commitIndex()).isEqualTo(2);
    net.heal();
    net.raft("c").campaign();
    net.stabilize();
    assertThat(net.raft("c").role()).isNotEqualTo(Role.LEADER);
    // b (which holds the committed entry) can win the new term
    net.electEventually("b");
    assertThat(net.raft("b").entry(2).data()).isEqualTo("x".getBytes());
  }

  @Test
  @DisplayName("§5.2 stepping down to a new term restarts the election timer")
  void s5_2_steppingDownResetsTimer() {
    RestoredState restored = new RestoredState(new HardState(1, null),
        SnapshotMeta.initial(Membership.ofVoterIds(ABC)), entries(1));
    Raft probe = new Raft(plain("a"), restored, new Random(11));
    int timeout = 0;
    while (probe.role() == Role.FOLLOWER) {
      probe.tick();
      timeout++;
    }
    Raft r = new Raft(plain("a"), restored, new Random(11));
    for (int i = 0; i < timeout - 1; i++) {
      r.tick();
    }
    // a higher-term candidate whose vote a refuses (its log is behind a's): a still adopts the term
    r.step(new VoteRequest("b", "a", 2, 0, 0, false, false));
    assertThat(only(msgs(r), VoteResponse.class)).singleElement()
        .satisfies(v -> assertThat(v.granted()).isFalse());
    assertThat(r.term()).isEqualTo(2);
    r.tick();
    assertThat(r.role()).as("the timer restarted at the step-down").isEqualTo(Role.FOLLOWER);
  }
}
