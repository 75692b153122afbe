package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static io.lattice.raft.Network.win;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.ReadIndexResponse;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft dissertation §6.4: ReadIndex and lease-based reads. */
class ReadPaperTest {
  private static final String[] ABC = {"a", "b", "c"};

  /** Check-quorum on (required for leases), pre-vote off. Election 10 ticks, drift 2. */
  private static RaftConfig cq(String id) {
    return plain(id).withPreVote(false, true);
  }

  private static long lastRound(List<Message> ms) {
    return only(ms, Heartbeat.class).stream().mapToLong(Heartbeat::readSeq).max().orElseThrow();
  }

  private static HeartbeatResponse hbAck(Raft r, String from, long seq) {
    return new HeartbeatResponse(from, r.id(), r.term(), seq);
  }

  @Test
  @DisplayName("§6.4 ReadIndex is answered only after a heartbeat round acknowledged by a majority")
  void s6_4_readIndexNeedsMajorityRound() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), "a", "b", "c", "d", "e");
    r.readIndex(1, ReadMode.LINEARIZABLE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).isEmpty();
    List<Heartbeat> hbs = only(rd.messages(), Heartbeat.class);
    assertThat(hbs).extracting(Heartbeat::to).containsExactly("b", "c", "d", "e");
    long seq = lastRound(rd.messages());
    r.step(hbAck(r, "b", seq));
    assertThat(cycle(r).readStates()).as("2 of 5").isEmpty();
    r.step(hbAck(r, "b", seq)); // the same server twice is still one
    assertThat(cycle(r).readStates()).isEmpty();
    r.step(hbAck(r, "d", seq));
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 1, true));
  }

  @Test
  @DisplayName("§6.4 acknowledgements of an earlier round do not confirm a later read")
  void s6_4_olderRoundDoesNotConfirm() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.tick();
    long old = lastRound(msgs(r));
    r.readIndex(1, ReadMode.LINEARIZABLE);
    long seq = lastRound(msgs(r));
    assertThat(seq).isGreaterThan(old);
    r.step(hbAck(r, "b", old));
    r.step(hbAck(r, "c", old));
    assertThat(cycle(r).readStates()).isEmpty();
    r.step(hbAck(r, "c", seq));
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 1, true));
  }

  @Test
  @DisplayName("§6.4 the read index is the commit index when the read arrived")
  void s6_4_readIndexIsCommitAtRequest() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    long seq = lastRound(msgs(r));
    r.propose(new byte[] {1});
    cycle(r);
    r.step(ack(r, "b", 2));
    assertThat(r.commitIndex()).isEqualTo(2);
    r.readIndex(2, ReadMode.LINEARIZABLE);
    long seq2 = lastRound(msgs(r));
    r.step(hbAck(r, "b", seq2)); // confirms both rounds
    assertThat(cycle(r).readStates())
        .containsExactly(new ReadState(1, 1, true), new ReadState(2, 2, true));
    assertThat(seq2).isGreaterThan(seq);
  }

  @Test
  @DisplayName("§6.4 reads waiting together share one heartbeat round")
  void s6_4_readsBatchedIntoOneRound() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    r.readIndex(2, ReadMode.LINEARIZABLE);
    List<Message> out = msgs(r);
    assertThat(only(out, Heartbeat.class)).hasSize(2);
    r.step(hbAck(r, "c", lastRound(out)));
    assertThat(cycle(r).readStates()).extracting(ReadState::requestId).containsExactly(1L, 2L);
  }

  @Test
  @DisplayName("§6.4 a new leader answers no read before the no-op of its term commits")
  void s6_4_noReadBeforeNoopCommits() {
    Raft r = core(cq("a"), ABC);
    win(r);
    cycle(r);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    r.readIndex(2, ReadMode.LEASE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).isEmpty();
    assertThat(only(rd.messages(), Heartbeat.class)).as("no round yet").isEmpty();
    r.step(ack(r, "b", 1)); // the no-op commits
    rd = cycle(r);
    assertThat(rd.readStates()).isEmpty();
    long seq = lastRound(rd.messages());
    r.step(hbAck(r, "b", seq));
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 1, true), new ReadState(2, 1, true));
  }

  @Test
  @DisplayName("§6.4 a follower forwards the read to the leader and delivers its answer")
  void s6_4_followerForwardsToLeader() {
    Network net = Network.of(ReadPaperTest::cq, ABC);
    net.elect("a");
    net.propose("a", "x");
    net.raft("b").readIndex(42, ReadMode.LINEARIZABLE);
    Ready rd = net.process("b");
    assertThat(only(rd.messages(), ReadIndexRequest.class))
        .containsExactly(new ReadIndexRequest("b", "a", 1, 42));
    net.stabilize();
    assertThat(net.node("b").readStates).containsExactly(new ReadState(42, 2, true));
    assertThat(net.history).anyMatch(m -> m instanceof ReadIndexResponse);
  }

  @Test
  @DisplayName("§6.4 a server that knows no leader fails the read at once")
  void s6_4_noLeaderFailsRead() {
    Raft r = core(cq("a"), ABC);
    r.readIndex(3, ReadMode.LINEARIZABLE);
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(3, 0, false));
    r.campaign();
    cycle(r);
    r.readIndex(4, ReadMode.LEASE);
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(4, 0, false));
  }

  @Test
  @DisplayName("§6.4 a follower that starts an election fails the reads it forwarded; a late answer"
      + " is ignored")
  void s6_4_campaignFailsForwardedReads() {
    Raft r = core(cq("a"), ABC);
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    cycle(r);
    r.readIndex(9, ReadMode.LINEARIZABLE);
    assertThat(only(msgs(r), ReadIndexRequest.class))
        .containsExactly(new ReadIndexRequest("a", "b", 1, 9));
    r.campaign();
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(9, 0, false));
    r.step(new ReadIndexResponse("b", "a", r.term(), 9, 5, true));
    assertThat(cycle(r).readStates()).isEmpty();
  }

  @Test
  @DisplayName("§6.4 a follower asked for a read index by mistake refuses it")
  void s6_4_followerRefusesReadIndexRequest() {
    Raft r = core(cq("a"), ABC);
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    cycle(r);
    r.step(new ReadIndexRequest("c", "a", 1, 5));
    assertThat(only(msgs(r), ReadIndexResponse.class))
        .containsExactly(new ReadIndexResponse("a", "c", 1, 5, 0, false));
  }

  @Test
  @DisplayName("§6.4 the leader ignores read requests from servers outside the configuration")
  void s6_4_leaderIgnoresStrangers() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.step(new ReadIndexRequest("zz", "a", 1, 5));
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§6.4 a single-server leader confirms reads by itself")
  void s6_4_singleServerRead() {
    Raft r = core(cq("a"), "a");
    r.campaign();
    cycle(r); // no-op persisted: committed
    cycle(r);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 1, true));
    assertThat(r.leaseValid()).isTrue();
    r.readIndex(2, ReadMode.LEASE);
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(2, 1, true));
  }

  // ------------------------------------------------------------------ leases (§6.4.1)

  /** Stable leader of {a,b,c}, one heartbeat round (sent at tick 1) acknowledged by b. */
  private static Raft leaderWithLease(RaftConfig cfg) {
    Raft r = ReplicationPaperTest.stableLeader(cfg, ABC);
    r.tick();
    long seq = lastRound(msgs(r));
    r.step(hbAck(r, "b", seq));
    cycle(r);
    return r;
  }

  @Test
  @DisplayName("§6.4.1 a lease read is served at once while the lease runs")
  void s6_4_1_leaseReadServedAtOnce() {
    Raft r = leaderWithLease(cq("a"));
    assertThat(r.leaseValid()).isTrue();
    r.readIndex(1, ReadMode.LEASE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).containsExactly(new ReadState(1, 1, true));
    assertThat(only(rd.messages(), Heartbeat.class)).as("no round needed").isEmpty();
    // a linearizable read still needs its own round
    r.readIndex(2, ReadMode.LINEARIZABLE);
    rd = cycle(r);
    assertThat(rd.readStates()).isEmpty();
    assertThat(only(rd.messages(), Heartbeat.class)).hasSize(2);
  }

  @Test
  @DisplayName("§6.4.1 the lease lasts electionTicks - drift from when the confirmed round was sent")
  void s6_4_1_leaseExpires() {
    Raft r = leaderWithLease(cq("a")); // round sent at tick 1: lease until tick 1 + 10 - 2 = 9
    for (int now = 2; now <= 8; now++) {
      r.tick();
      assertThat(r.leaseValid()).as("tick %d", now).isTrue();
    }
    cycle(r);
    r.tick(); // tick 9
    assertThat(r.leaseValid()).isFalse();
    cycle(r);
    r.readIndex(1, ReadMode.LEASE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).as("falls back to a heartbeat round").isEmpty();
    long seq = lastRound(rd.messages());
    r.step(hbAck(r, "c", seq));
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 1, true));
    assertThat(r.leaseValid()).as("renewed by the round").isTrue();
  }

  @Test
  @DisplayName("§6.4.1 the drift margin shortens the lease")
  void s6_4_1_driftShortensLease() {
    Raft r = leaderWithLease(cq("a").withLeaseDrift(5)); // lease until 1 + 10 - 5 = 6
    for (int i = 0; i < 4; i++) {
      r.tick();
    }
    assertThat(r.leaseValid()).isTrue(); // tick 5
    r.tick();
    assertThat(r.leaseValid()).isFalse(); // tick 6
  }

  @Test
  @DisplayName("§6.4.1 no lease reads while a leadership transfer is in progress")
  void s6_4_1_noLeaseDuringTransfer() {
    Raft r = leaderWithLease(cq("a"));
    r.transferLeadership("c");
    assertThat(r.leaseValid()).isFalse();
    cycle(r);
    r.readIndex(1, ReadMode.LEASE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).isEmpty();
    assertThat(only(rd.messages(), Heartbeat.class)).isNotEmpty();
  }

  @Test
  @DisplayName("§6.4.1 the lease is dropped on transfer and not renewed for the rest of the term")
  void s6_4_1_leaseDroppedOnTransfer() {
    Raft r = leaderWithLease(cq("a"));
    r.transferLeadership("c"); // c is up to date: TimeoutNow goes out at once
    assertThat(only(msgs(r), Message.TimeoutNow.class)).hasSize(1);
    // b keeps acknowledging rounds while the transfer runs (it could also vote for c meanwhile)
    for (int i = 0; i < 9; i++) {
      r.tick();
      r.step(hbAck(r, "b", lastRound(msgs(r))));
      assertThat(r.leaseValid()).isFalse();
    }
    assertThat(r.status().transferTarget()).isEqualTo("c");
    r.tick(); // the election timeout: the transfer is aborted, then this tick's round goes out
    assertThat(r.status().transferTarget()).as("the transfer was aborted").isNull();
    long fresh = lastRound(msgs(r));
    r.step(hbAck(r, "b", fresh - 1)); // the last round sent during the transfer
    assertThat(r.leaseValid()).as("rounds sent during the transfer give no lease").isFalse();
    r.step(hbAck(r, "b", fresh));
    assertThat(r.leaseValid())
        .as("a TimeoutNow may still be in flight: no lease for the rest of the term").isFalse();
    r.readIndex(7, ReadMode.LEASE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).as("a lease read falls back to a heartbeat round").isEmpty();
    assertThat(only(rd.messages(), Heartbeat.class)).hasSize(2);
  }

  @Test
  @DisplayName("§6.4.1 no lease after stepping down")
  void s6_4_1_noLeaseAfterStepDown() {
    Raft r = leaderWithLease(cq("a"));
    r.step(new AppendRequest("b", "a", 5, 0, 0, List.of(), 0));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.leaseValid()).isFalse();
  }

  @Test
  @DisplayName("§6.4.1 leases need check-quorum: without it, followers vote freely and a lease is unsafe")
  void s6_4_1_noLeaseWithoutCheckQuorum() {
    Raft r = leaderWithLease(plain("a"));
    assertThat(r.leaseValid()).isFalse();
    r.readIndex(1, ReadMode.LEASE);
    Ready rd = cycle(r);
    assertThat(rd.readStates()).isEmpty();
    assertThat(only(rd.messages(), Heartbeat.class)).hasSize(2);
  }

  @Test
  @DisplayName("§6.4 pending reads fail when leadership is lost")
  void s6_4_readsFailWhenLeadershipLost() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    r.step(new ReadIndexRequest("b", "a", 1, 2)); // a remote read: b will time out
    cycle(r);
    r.step(new Heartbeat("c", "a", 2, 0, 0));
    Ready rd = cycle(r);
    assertThat(rd.readStates()).containsExactly(new ReadState(1, 0, false));
    assertThat(only(rd.messages(), ReadIndexResponse.class)).isEmpty();
  }

  @Test
  @DisplayName("§6.4 reads waiting for the term's no-op fail when leadership is lost")
  void s6_4_awaitingReadsFailOnStepDown() {
    Raft r = core(cq("a"), ABC);
    win(r);
    cycle(r);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    for (int i = 0; i < 10; i++) {
      r.tick(); // nobody answers: check-quorum makes the leader step down
    }
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 0, false));
  }

  @Test
  @DisplayName("§6.4 a remote read confirmed by the round is answered to the follower")
  void s6_4_remoteReadAnswered() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.step(new ReadIndexRequest("b", "a", 1, 77));
    long seq = lastRound(msgs(r));
    r.step(hbAck(r, "c", seq));
    assertThat(only(msgs(r), ReadIndexResponse.class))
        .containsExactly(new ReadIndexResponse("a", "b", 1, 77, 1, true));
  }

  @Test
  @DisplayName("§6.4 reads failed at step-down are not answered again by a later leadership")
  void s6_4_failedReadsForgotten() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    cycle(r);
    r.step(new Heartbeat("c", "a", 2, 0, 0)); // deposed: read 1 fails
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 0, false));
    Network.win(r); // leader again in term 3
    cycle(r);
    r.readIndex(2, ReadMode.LINEARIZABLE); // waits for the no-op
    r.step(new Heartbeat("b", "a", 4, 0, 0)); // deposed again: read 2 fails
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(2, 0, false));
    Network.win(r); // term 5
    cycle(r);
    r.step(ack(r, "b", r.lastIndex()));
    r.step(ack(r, "c", r.lastIndex()));
    r.readIndex(3, ReadMode.LINEARIZABLE);
    long seq = lastRound(msgs(r));
    r.step(hbAck(r, "b", seq));
    assertThat(cycle(r).readStates()).as("only the new read").containsExactly(
        new ReadState(3, r.commitIndex(), true));
  }

  @Test
  @DisplayName("§6.4 a read that waited for the no-op is answered exactly once")
  void s6_4_awaitingReadAnsweredOnce() {
    Raft r = core(cq("a"), ABC);
    win(r);
    cycle(r);
    r.readIndex(1, ReadMode.LINEARIZABLE);
    r.step(ack(r, "b", 1));
    long seq = lastRound(msgs(r));
    r.step(hbAck(r, "b", seq));
    assertThat(cycle(r).readStates()).containsExactly(new ReadState(1, 1, true));
    r.propose(new byte[] {1});
    cycle(r);
    r.step(ack(r, "b", 2));
    cycle(r);
    r.tick();
    seq = lastRound(msgs(r));
    r.step(hbAck(r, "b", seq));
    r.step(hbAck(r, "c", seq));
    assertThat(cycle(r).readStates()).isEmpty();
  }

}
