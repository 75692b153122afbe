package io.lattice.raft;

import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.ReadIndexResponse;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Dissertation §6.4, batched as etcd-io/raft batches ReadIndex: one round trip to the leader
 * answers every read waiting at a follower, and one heartbeat round at the leader confirms every
 * read waiting there.
 */
class FollowerReadBatchingTest {
  private static final String[] ABC = {"a", "b", "c"};

  private static RaftConfig cq(String id) {
    return plain(id).withPreVote(false, true);
  }

  /** Follower "b" of leader "a" in term 1. */
  private static Raft follower() {
    Raft r = core(cq("b"), ABC);
    r.step(new Heartbeat("a", "b", 1, 0, 0));
    cycle(r);
    return r;
  }

  @Test
  @DisplayName("§6.4 N reads at a follower cost one request and one answer")
  void manyReadsOneRoundTrip() {
    Raft r = follower();
    for (long id = 100; id < 110; id++) {
      r.readIndex(id, ReadMode.LINEARIZABLE);
    }
    List<ReadIndexRequest> asked = only(msgs(r), ReadIndexRequest.class);
    assertThat(asked).containsExactly(new ReadIndexRequest("b", "a", 1, 100));
    r.step(new ReadIndexResponse("a", "b", 1, 100, 7, true));
    Ready rd = cycle(r);
    assertThat(rd.readStates()).containsExactlyElementsOf(
        LongStream.range(100, 110).mapToObj(id -> new ReadState(id, 7, true)).toList());
    assertThat(only(rd.messages(), ReadIndexRequest.class)).isEmpty();
  }

  @Test
  @DisplayName("§6.4 reads arriving while a round is out join the next round, sent on the answer")
  void laterReadsJoinTheNextRound() {
    Raft r = follower();
    r.readIndex(1, ReadMode.LINEARIZABLE);
    assertThat(only(msgs(r), ReadIndexRequest.class)).hasSize(1);
    r.readIndex(2, ReadMode.LINEARIZABLE);
    r.readIndex(3, ReadMode.LEASE);
    assertThat(msgs(r)).as("round 1 is out: nothing more is sent").isEmpty();
    r.step(new ReadIndexResponse("a", "b", 1, 1, 4, true));
    Ready rd = cycle(r);
    assertThat(rd.readStates()).containsExactly(new ReadState(1, 4, true));
    assertThat(only(rd.messages(), ReadIndexRequest.class))
        .containsExactly(new ReadIndexRequest("b", "a", 1, 2));
    r.step(new ReadIndexResponse("a", "b", 1, 1, 4, true)); // a duplicate of round 1's answer
    assertThat(cycle(r).readStates()).isEmpty();
    r.step(new ReadIndexResponse("a", "b", 1, 2, 6, true));
    assertThat(cycle(r).readStates())
        .containsExactly(new ReadState(2, 6, true), new ReadState(3, 6, true));
  }

  @Test
  @DisplayName("§6.4 the leader's refusal fails every read of the round")
  void refusalFailsTheRound() {
    Raft r = follower();
    r.readIndex(1, ReadMode.LINEARIZABLE);
    r.readIndex(2, ReadMode.LINEARIZABLE);
    cycle(r);
    r.step(new ReadIndexResponse("a", "b", 1, 1, 0, false));
    assertThat(cycle(r).readStates())
        .containsExactly(new ReadState(1, 0, false), new ReadState(2, 0, false));
  }

  @Test
  @DisplayName("§6.4 a round unanswered for an election timeout fails, and the next one goes out")
  void lostRoundTimesOut() {
    Raft r = follower();
    r.readIndex(1, ReadMode.LINEARIZABLE);
    cycle(r);
    r.readIndex(2, ReadMode.LINEARIZABLE);
    for (int i = 0; i < 9; i++) {
      r.tick();
      r.step(new Heartbeat("a", "b", 1, 0, 0)); // the leader is alive; only the answer was lost
    }
    assertThat(cycle(r).readStates()).isEmpty();
    r.tick();
    Ready rd = cycle(r);
    assertThat(rd.readStates()).containsExactly(new ReadState(1, 0, false));
    assertThat(only(rd.messages(), ReadIndexRequest.class))
        .containsExactly(new ReadIndexRequest("b", "a", 1, 2));
  }

  @Test
  @DisplayName("§6.4 a new term fails the reads out and waiting; the old leader's answer is dropped")
  void newTermFailsReads() {
    Raft r = follower();
    r.readIndex(1, ReadMode.LINEARIZABLE);
    cycle(r);
    r.readIndex(2, ReadMode.LINEARIZABLE);
    r.step(new Heartbeat("c", "b", 2, 0, 0)); // c leads term 2
    Ready rd = cycle(r);
    assertThat(rd.readStates())
        .containsExactly(new ReadState(1, 0, false), new ReadState(2, 0, false));
    r.step(new ReadIndexResponse("a", "b", 1, 1, 4, true));
    assertThat(cycle(r).readStates()).isEmpty();
    r.readIndex(3, ReadMode.LINEARIZABLE);
    assertThat(only(msgs(r), ReadIndexRequest.class))
        .containsExactly(new ReadIndexRequest("b", "c", 2, 3));
  }

  @Test
  @DisplayName("§6.4 an answer from another server than the round's leader is ignored")
  void answerFromElsewhereIgnored() {
    Raft r = follower();
    r.readIndex(1, ReadMode.LINEARIZABLE);
    cycle(r);
    r.step(new ReadIndexResponse("c", "b", 1, 1, 9, true));
    assertThat(cycle(r).readStates()).isEmpty();
  }

  @Test
  @DisplayName("§6.4 at the leader, one heartbeat round confirms every read waiting there")
  void leaderConfirmsManyReadsWithOneRound() {
    Raft r = ReplicationPaperTest.stableLeader(cq("a"), ABC);
    for (long id = 1; id <= 5; id++) {
      r.readIndex(id, ReadMode.LINEARIZABLE);
    }
    r.step(new ReadIndexRequest("b", "a", 1, 50)); // a follower's round joins the same one
    List<Heartbeat> round = only(msgs(r), Heartbeat.class);
    assertThat(round).extracting(Message::to).containsExactly("b", "c");
    assertThat(round).extracting(Heartbeat::readSeq).containsOnly(round.get(0).readSeq());
    r.step(new HeartbeatResponse("c", "a", 1, round.get(0).readSeq()));
    Ready rd = cycle(r);
    assertThat(rd.readStates()).containsExactlyElementsOf(
        LongStream.rangeClosed(1, 5).mapToObj(id -> new ReadState(id, 1, true)).toList());
    assertThat(only(rd.messages(), ReadIndexResponse.class))
        .containsExactly(new ReadIndexResponse("a", "b", 1, 50, 1, true));
  }

  @Test
  @DisplayName("§6.4 end to end: ten reads at a follower, one request/response pair on the wire")
  void endToEndOnePair() {
    Network net = Network.of(FollowerReadBatchingTest::cq, ABC);
    net.elect("a");
    net.propose("a", "x");
    int before = net.history.size();
    for (long id = 1; id <= 10; id++) {
      net.raft("b").readIndex(id, ReadMode.LINEARIZABLE);
    }
    net.stabilize();
    List<Message> wire = net.history.subList(before, net.history.size());
    assertThat(only(wire, ReadIndexRequest.class)).hasSize(1);
    assertThat(only(wire, ReadIndexResponse.class)).hasSize(1);
    assertThat(net.node("b").readStates).hasSize(10).allMatch(ReadState::granted)
        .allMatch(s -> s.index() == 2);
  }
}
