package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static io.lattice.raft.Network.win;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.HeartbeatResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Raft §5.3 flow control as etcd-io/raft does it: how a follower in PROBE gets back to REPLICATE,
 * which rejections may move the leader's marks back, and how a follower that lost acknowledged
 * entries (a repaired disk) is caught up again.
 */
class ProbeRecoveryTest {
  private static final String[] ABC = {"a", "b", "c"};

  private static Progress.State stateOf(Raft leader, String peer) {
    return leader.status().peers().get(peer).state();
  }

  private static RaftStatus.PeerStatus peer(Raft leader, String id) {
    return leader.status().peers().get(id);
  }

  // ------------------------------------------------------------------ PROBE back to REPLICATE

  @Test
  @DisplayName("§5.3 / etcd MsgAppResp: a probing follower acknowledging exactly its match index goes back to REPLICATE")
  void ackAtMatchIndexEndsProbing() {
    // etcd: `pr.MaybeUpdate(m.Index) || (pr.Match == m.Index && pr.State == StateProbe)` leads to
    // BecomeReplicate: the ack proves the logs agree up to match, even though match does not move.
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.reportUnreachable("c");
    assertThat(stateOf(r, "c")).isEqualTo(Progress.State.PROBE);
    r.step(ack(r, "c", 1));
    assertThat(stateOf(r, "c")).isEqualTo(Progress.State.REPLICATE);
    assertThat(peer(r, "c").matchIndex()).isEqualTo(1);
    // Replicating again: two proposals are pipelined to c without waiting for an answer.
    r.propose(new byte[] {1});
    cycle(r);
    r.propose(new byte[] {2});
    assertThat(only(msgs(r), AppendRequest.class)).filteredOn(a -> a.to().equals("c"))
        .singleElement().satisfies(a -> assertThat(a.prevLogIndex()).isEqualTo(2));
  }

  @Test
  @DisplayName("§5.3 / etcd heartbeat_rep_recovers_from_probing: a caught-up follower in PROBE is sent an empty append on its heartbeat answer")
  void caughtUpProbingFollowerIsProbedOnHeartbeat() {
    // etcd MsgHeartbeatResp: `if pr.Match < lastIndex || pr.State == StateProbe { sendAppend }`.
    // Without it a caught-up follower marked unreachable stays in PROBE until the next proposal.
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.reportUnreachable("c");
    r.step(new HeartbeatResponse("c", "a", 1, 0));
    assertThat(only(msgs(r), AppendRequest.class)).singleElement().satisfies(a -> {
      assertThat(a.to()).isEqualTo("c");
      assertThat(a.prevLogIndex()).isEqualTo(1);
      assertThat(a.entries()).isEmpty();
    });
    r.step(ack(r, "c", 1));
    assertThat(stateOf(r, "c")).isEqualTo(Progress.State.REPLICATE);
  }

  @Test
  @DisplayName("§5.3 a follower in REPLICATE acknowledging its match index again stays as it is")
  void repeatedAckInReplicateChangesNothing() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.step(ack(r, "c", 1));
    assertThat(stateOf(r, "c")).isEqualTo(Progress.State.REPLICATE);
    assertThat(peer(r, "c").nextIndex()).isEqualTo(2);
    assertThat(r.hasReady()).isFalse();
  }

  // ------------------------------------------------------------------ stale rejections

  @Test
  @DisplayName("§5.3 / etcd MaybeDecrTo: a reordered duplicate of an old rejection does not lower match")
  void staleRejectionAtMatchIndexIgnored() {
    // a leads term 2 with entries 1..4 of term 1 and its no-op at 5; at most two entries an append.
    Raft r = core(plain("a").withAppendLimits(4, 2, 1 << 20), new HardState(1, null),
        entries(1, 1, 1, 1), ABC);
    win(r);
    cycle(r); // probes at prevLogIndex 4
    // c's log ends at 2: it rejects the probe at 4 with a hint of 2. The network duplicates it.
    AppendResponse rejection = new AppendResponse("c", "a", 2, false, 0, 4, 2, 1);
    r.step(rejection);
    assertThat(only(msgs(r), AppendRequest.class)).singleElement().satisfies(a -> {
      assertThat(a.prevLogIndex()).isEqualTo(2);
      assertThat(a.entries()).extracting(Entry::index).containsExactly(3L, 4L);
    });
    r.step(ack(r, "c", 4));
    assertThat(peer(r, "c").matchIndex()).isEqualTo(4);
    cycle(r);
    r.reportUnreachable("c"); // back to PROBE: the next probe is at c's match index, 4
    r.step(rejection); // the duplicate, delivered late
    assertThat(peer(r, "c").matchIndex()).as("c still holds what it acknowledged").isEqualTo(4);
    assertThat(peer(r, "c").nextIndex()).isEqualTo(5);
    // The probe that does go out is answered, and c replicates again.
    r.step(new HeartbeatResponse("c", "a", 2, 0));
    assertThat(only(msgs(r), AppendRequest.class)).singleElement()
        .satisfies(a -> assertThat(a.prevLogIndex()).isEqualTo(4));
    r.step(ack(r, "c", 5));
    assertThat(stateOf(r, "c")).isEqualTo(Progress.State.REPLICATE);
    assertThat(peer(r, "c").matchIndex()).isEqualTo(5);
  }

  // ------------------------------------------------------------------ repaired follower

  @Test
  @DisplayName("§5.3 / repair: a follower that lost acknowledged entries rejects the probe at its match index and is caught up from what it kept")
  void repairedFollowerCaughtUp() {
    Network net = Network.plain(ABC);
    net.elect("a");
    for (int i = 1; i <= 4; i++) {
      net.propose("a", "p" + i);
    }
    Raft a = net.raft("a");
    assertThat(peer(a, "c").matchIndex()).isEqualTo(5);
    // c's disk is repaired: its log is cut back to index 2, and it may not vote below 5 again.
    List<Entry> kept = List.copyOf(net.node("c").stored.headMap(2L, true).values());
    net.restore("c", new HardState(1, "a", 5), kept);
    assertThat(net.raft("c").lastIndex()).isEqualTo(2);
    net.propose("a", "p5");
    net.tickAndStabilize(3);
    assertThat(net.raft("c").lastIndex()).isEqualTo(6);
    assertThat(net.logTerms("c")).isEqualTo(net.logTerms("a"));
    assertThat(peer(a, "c").matchIndex()).isEqualTo(6);
    assertThat(stateOf(a, "c")).isEqualTo(Progress.State.REPLICATE);
    assertThat(new String(net.raft("c").entry(6).data(), StandardCharsets.UTF_8)).isEqualTo("p5");
  }

  @Test
  @DisplayName("§5.3 / §7 repair: a follower that lost entries the leader has compacted away gets the snapshot")
  void repairedFollowerBehindTheLeadersLogGetsTheSnapshot() {
    // Found by the simulator (seed 2): the leader probed the follower's old match index forever,
    // because the follower's hint lay below the leader's log and resolved to the log's start.
    Network net = Network.of(id -> plain(id).withSnapshots(0, 300), ABC);
    net.elect("a");
    for (int i = 1; i <= 4; i++) {
      net.propose("a", "p" + i);
    }
    net.compact("a"); // a's log now starts after index 5
    Raft a = net.raft("a");
    assertThat(a.firstIndex()).isEqualTo(6);
    List<Entry> kept = List.copyOf(net.node("c").stored.headMap(2L, true).values());
    net.restore("c", new HardState(1, "a", 5), kept);
    net.propose("a", "p5");
    net.tickAndStabilize(3);
    assertThat(net.raft("c").snapshot().index()).isEqualTo(5);
    assertThat(net.raft("c").lastIndex()).isEqualTo(6);
    assertThat(peer(a, "c").matchIndex()).isEqualTo(6);
    assertThat(stateOf(a, "c")).isEqualTo(Progress.State.REPLICATE);
  }
}
