package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.app;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Dissertation §10.2.1: the leader writes its new entries to its own disk in parallel with sending
 * them to its followers, and counts itself in the commit quorum only once its own write is durable.
 * Every answer (Figure 2: "respond to RPCs only after updating stable storage") still waits.
 */
class ParallelLeaderWritePaperTest {
  private static final String[] ABC = {"a", "b", "c"};

  @Test
  @DisplayName("§10.2.1 a leader's appends of its new entries may be sent before its own persist")
  void leaderAppendsMayLeaveBeforePersist() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    r.propose(new byte[] {2});
    Ready rd = r.ready();
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(2L, 3L);
    assertThat(rd.sendBeforePersist()).isEqualTo(2);
    assertThat(rd.messagesBeforePersist()).allSatisfy(m -> {
      assertThat(m).isInstanceOf(AppendRequest.class);
      assertThat(((AppendRequest) m).entries()).extracting(Entry::index).containsExactly(2L, 3L);
    });
    assertThat(rd.messagesBeforePersist()).extracting(Message::to).containsExactly("b", "c");
    assertThat(rd.messagesAfterPersist()).isEmpty();
    r.advance(rd);
  }

  @Test
  @DisplayName("§10.2.1 only the appends go early: heartbeats and read answers wait for the persist")
  void onlyAppendsGoEarly() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.readIndex(7, ReadMode.LINEARIZABLE); // a heartbeat round
    r.step(new ReadIndexRequest("b", "a", r.term(), 8)); // b's read joins the round
    r.propose(new byte[] {1});
    Ready rd = r.ready();
    assertThat(rd.messagesBeforePersist()).hasSize(2).allMatch(AppendRequest.class::isInstance);
    assertThat(only(rd.messagesAfterPersist(), Heartbeat.class)).hasSize(2);
    assertThat(only(rd.messagesAfterPersist(), AppendRequest.class)).isEmpty();
    assertThat(rd.messages()).hasSize(rd.messagesBeforePersist().size()
        + rd.messagesAfterPersist().size());
    r.advance(rd);
    // The round's answers: ReadIndexResponse to b goes after the persist of its Ready too.
    for (Heartbeat h : only(rd.messages(), Heartbeat.class)) {
      r.step(new Message.HeartbeatResponse(h.to(), "a", r.term(), h.readSeq()));
    }
    Ready answers = r.ready();
    assertThat(only(answers.messagesAfterPersist(), Message.ReadIndexResponse.class)).hasSize(1);
    assertThat(only(answers.messagesBeforePersist(), Message.ReadIndexResponse.class)).isEmpty();
    r.advance(answers);
  }

  @Test
  @DisplayName("Figure 2: a follower's acknowledgement is never sent before its own persist")
  void followerAckWaitsForPersist() {
    Raft r = core(plain("b"), ABC);
    r.step(app("a", "b", 1, 0, 0, entries(1, 1), 0));
    Ready rd = r.ready();
    assertThat(rd.entries()).hasSize(2);
    assertThat(rd.sendBeforePersist()).isZero();
    assertThat(rd.messagesBeforePersist()).isEmpty();
    assertThat(only(rd.messagesAfterPersist(), AppendResponse.class))
        .containsExactly(new AppendResponse("b", "a", 1, true, 2, 0, 0, 0));
    r.advance(rd);
  }

  @Test
  @DisplayName("Figure 2: votes, and a candidate's requests with its own vote, wait for the persist")
  void votesWaitForPersist() {
    Raft voter = core(plain("b"), ABC);
    voter.step(new VoteRequest("a", "b", 1, 0, 0, false, false));
    Ready rd = voter.ready();
    assertThat(only(rd.messages(), VoteResponse.class)).hasSize(1);
    assertThat(rd.sendBeforePersist()).isZero();
    voter.advance(rd);

    Raft candidate = core(plain("a"), ABC);
    candidate.campaign();
    rd = candidate.ready();
    assertThat(only(rd.messages(), VoteRequest.class)).hasSize(2);
    assertThat(rd.sendBeforePersist()).isZero();
    candidate.advance(rd);
  }

  @Test
  @DisplayName("§10.2.1 nothing goes early from a Ready whose hard state (the term sent) is new")
  void nothingEarlyWithNewHardState() {
    // A single voter with a learner wins at once: its first appends share the Ready of its term.
    TreeMap<String, Member> members = new TreeMap<>();
    members.put("a", Member.voter("a", "a:1"));
    members.put("l", Member.learner("l", "l:1", false));
    Raft r = new Raft(plain("a"), RestoredState.bootstrap(new Membership(members)), new Random(3));
    r.campaign();
    assertThat(r.role()).isEqualTo(Role.LEADER);
    Ready rd = r.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, "a"));
    assertThat(only(rd.messages(), AppendRequest.class)).extracting(Message::to)
        .containsExactly("l");
    assertThat(rd.sendBeforePersist()).isZero();
    r.advance(rd);
    r.step(ack(r, "l", 1)); // the learner answers the probe: appends are pipelined to it now
    cycle(r);
    r.propose(new byte[] {1});
    rd = r.ready();
    assertThat(rd.hardState()).isNull();
    assertThat(rd.sendBeforePersist()).as("same term, durable: the append may go early")
        .isEqualTo(1);
    r.advance(rd);
  }

  @Test
  @DisplayName("§10.2.1 the leader counts itself only once its own write is durable (advance)")
  void leaderCountsItselfAfterItsOwnPersist() {
    Network n = Network.plain(ABC);
    n.elect("a");
    n.isolate("c");
    Raft a = n.raft("a");
    EntryId e = a.propose(new byte[] {5});
    Ready rd = a.ready(); // a's write of e is now in flight
    for (Message m : rd.messagesBeforePersist()) {
      n.deliver(m); // b gets e before a has it on disk
    }
    List<Message> fromB = new ArrayList<>();
    n.node("b").handle(fromB); // b persists, then acknowledges
    assertThat(only(fromB, AppendResponse.class)).extracting(AppendResponse::matchIndex)
        .containsExactly(e.index());
    fromB.forEach(a::step);
    assertThat(a.commitIndex()).as("b alone is no majority while a's own write is in flight")
        .isLessThan(e.index());
    n.node("a").persist(rd);
    a.advance(rd);
    assertThat(a.commitIndex()).as("a's write is durable: a and b are a majority")
        .isEqualTo(e.index());
  }

  @Test
  @DisplayName("§10.2.1 a leader that dies before its sync: the entry commits only through the"
      + " followers that stored it, and the restarted leader does not count it")
  void leaderCrashBeforeItsSync() {
    Network n = Network.plain(ABC);
    n.elect("a");
    Raft a = n.raft("a");
    long term = a.term();
    EntryId e = a.propose(new byte[] {5});
    Ready rd = a.ready();
    rd.messagesBeforePersist().forEach(n::deliver); // b and c store e
    n.node("a").restart(); // crash: the write never took effect, the Ready is lost
    assertThat(n.raft("a").lastIndex()).isLessThan(e.index());
    assertThat(n.raft("a").role()).isEqualTo(Role.FOLLOWER);
    n.isolate("a");
    n.stabilize(); // b and c persist e and answer a dead leader
    n.electEventually("b");
    n.rejoin("a");
    n.tickAndStabilize(3);
    for (String id : ABC) {
      Entry there = n.raft(id).entry(e.index());
      assertThat(there).as(id).isNotNull();
      assertThat(there.term()).as("the same entry everywhere").isEqualTo(term);
      assertThat(n.raft(id).commitIndex()).as(id).isGreaterThanOrEqualTo(e.index());
    }
  }

  @Test
  @DisplayName("§10.2.1 a leader that dies before its sync and before anyone stored the entry:"
      + " it vanishes everywhere")
  void leaderCrashBeforeAnyoneStoredIt() {
    Network n = Network.plain(ABC);
    n.elect("a");
    Raft a = n.raft("a");
    EntryId e = a.propose(new byte[] {5});
    a.ready(); // early appends lost with the process
    n.node("a").restart();
    n.isolate("a");
    n.electEventually("b");
    n.propose("b", "after");
    n.rejoin("a");
    n.tickAndStabilize(3);
    for (String id : ABC) {
      Entry there = n.raft(id).entry(e.index());
      assertThat(there).as(id).isNotNull();
      assertThat(there.term()).as("e was replaced by the new leader's entries").isNotEqualTo(
          e.term());
    }
  }

  @Test
  @DisplayName("§10.2.1 a leader that steps down while its write is in flight commits nothing")
  void stepDownWithWriteInFlight() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {9});
    Ready rd = r.ready();
    r.step(ack(r, "b", 2));
    r.step(new VoteRequest("c", "a", r.term() + 1, 5, r.term(), false, false));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    r.advance(rd);
    assertThat(r.commitIndex()).as("no longer leader: its own write counts for nothing")
        .isEqualTo(1);
    assertThat(cycle(r).sendBeforePersist()).isZero();
  }

  @Test
  @DisplayName("Ready: only appends may be marked for sending before the persist")
  void readyRefusesEarlyAnswers() {
    List<Message> ms = List.of(new AppendResponse("b", "a", 1, true, 2, 0, 0, 0));
    assertThatThrownBy(() -> new Ready(null, null, null, List.of(), ms, List.of(), List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Ready(null, null, null, List.of(), List.of(), List.of(), List.of(),
        1)).isInstanceOf(IllegalArgumentException.class);
    Ready plainReady = new Ready(null, null, null, List.of(), ms, List.of(), List.of());
    assertThat(plainReady.messagesAfterPersist()).isEqualTo(ms);
  }
}
