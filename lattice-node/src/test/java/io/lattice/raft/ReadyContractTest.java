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
import io.lattice.raft.Message.VoteRequest;
import io.lattice.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Ready contract (package docs, {@link Ready}) and operation batching. */
class ReadyContractTest {
  private static final String[] ABC = {"a", "b", "c"};

  @Test
  @DisplayName("batching: proposals before one Ready become one append per follower and one persist")
  void batchingOneAppendPerFollower() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {1});
    r.propose(new byte[] {2});
    r.propose(new byte[] {3});
    Ready rd = r.ready();
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(2L, 3L, 4L);
    List<AppendRequest> apps = only(rd.messages(), AppendRequest.class);
    assertThat(apps).hasSize(2);
    assertThat(apps).allSatisfy(a -> assertThat(a.entries()).extracting(Entry::index)
        .containsExactly(2L, 3L, 4L));
    r.advance(rd);
  }

  @Test
  @DisplayName("batching: a follower persists the entries of several appends in one Ready")
  void batchingFollowerPersistsOnce() {
    Raft r = core(plain("b"), ABC);
    r.step(app("a", "b", 1, 0, 0, List.of(Entry.noop(1, 1)), 0));
    r.step(app("a", "b", 1, 1, 1, List.of(Entry.command(1, 2, null)), 1));
    Ready rd = cycle(r);
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(1L, 2L);
    assertThat(only(rd.messages(), AppendResponse.class)).extracting(AppendResponse::matchIndex)
        .containsExactly(1L, 2L);
    assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(1L);
    assertThat(rd.hardState()).isEqualTo(new HardState(1, null));
  }

  @Test
  @DisplayName("Ready: the vote is in the hard state of the Ready that carries the vote response")
  void voteDurableWithResponse() {
    Raft r = core(plain("b"), ABC);
    r.step(new VoteRequest("a", "b", 1, 0, 0, false, false));
    Ready rd = r.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, "a"));
    assertThat(rd.mustPersist()).isTrue();
    assertThat(only(rd.messages(), VoteResponse.class))
        .containsExactly(new VoteResponse("b", "a", 1, false, true));
    r.advance(rd);
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("Ready: a candidate's own vote is durable before its vote requests go out")
  void candidateVoteDurableWithRequests() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    Ready rd = r.ready();
    assertThat(rd.hardState()).isEqualTo(new HardState(1, "a"));
    assertThat(only(rd.messages(), VoteRequest.class)).hasSize(2);
    assertThat(rd.softState()).isEqualTo(new SoftState(Role.CANDIDATE, 1, null));
    r.advance(rd);
  }

  @Test
  @DisplayName("Ready: an append is acknowledged in the Ready that persists its entries")
  void ackTravelsWithEntries() {
    Raft r = core(plain("b"), ABC);
    r.step(app("a", "b", 1, 0, 0, entries(1, 1), 0));
    Ready rd = r.ready();
    assertThat(rd.entries()).hasSize(2);
    assertThat(only(rd.messages(), AppendResponse.class))
        .containsExactly(new AppendResponse("b", "a", 1, true, 2, 0, 0, 0));
    r.advance(rd);
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("Ready: a single server commits its entry only after it is persisted")
  void singleServerCommitsAfterPersist() {
    Raft r = core(plain("a"), "a");
    r.campaign();
    Ready rd = r.ready();
    assertThat(rd.entries()).containsExactly(Entry.noop(1, 1));
    assertThat(rd.committedEntries()).isEmpty();
    assertThat(r.commitIndex()).isZero();
    r.advance(rd);
    assertThat(r.commitIndex()).isEqualTo(1);
    rd = r.ready();
    assertThat(rd.entries()).isEmpty();
    assertThat(rd.committedEntries()).containsExactly(Entry.noop(1, 1));
    r.advance(rd);
    assertThat(r.appliedIndex()).isEqualTo(1);
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("Ready: the leader counts its own copy toward a majority only once it is durable")
  void leaderCountsItselfOnlyWhenDurable() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {9});
    Ready rd = r.ready(); // taken, not yet persisted
    r.step(ack(r, "b", 2));
    assertThat(r.commitIndex()).as("b alone is not a majority").isEqualTo(1);
    r.advance(rd);
    assertThat(r.commitIndex()).isEqualTo(2);
    assertThat(cycle(r).committedEntries()).extracting(Entry::index).containsExactly(2L);
  }

  @Test
  @DisplayName("Ready: a majority of followers commits even if the leader's own write is slow")
  void followersAloneCanCommit() {
    Raft r = ReplicationPaperTest.stableLeader(plain("a"), ABC);
    r.propose(new byte[] {9});
    Ready rd = r.ready();
    r.step(ack(r, "b", 2));
    r.step(ack(r, "c", 2));
    assertThat(r.commitIndex()).isEqualTo(2);
    r.advance(rd);
  }

  @Test
  @DisplayName("Ready: ready() twice without advance() is a programming error")
  void readyTwiceThrows() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    r.ready();
    assertThatThrownBy(r::ready).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("Ready: nothing to do means no Ready; soft and hard state are reported once")
  void quietCoreHasNoReady() {
    Raft r = core(plain("a"), ABC);
    assertThat(r.hasReady()).isFalse();
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    assertThat(r.hasReady()).isTrue();
    Ready rd = cycle(r);
    assertThat(rd.softState()).isEqualTo(new SoftState(Role.FOLLOWER, 1, "b"));
    assertThat(rd.hardState()).isEqualTo(new HardState(1, null));
    r.step(new Heartbeat("b", "a", 1, 0, 0));
    rd = cycle(r);
    assertThat(rd.softState()).isNull();
    assertThat(rd.hardState()).isNull();
    assertThat(rd.mustPersist()).isFalse();
    assertThat(rd.isEmpty()).isFalse(); // the heartbeat response
    assertThat(r.hasReady()).isFalse();
    assertThat(cycle(r).isEmpty()).isTrue();
  }

  @Test
  @DisplayName("Ready: entries overwritten between ready() and advance() are not taken as durable")
  void overwrittenEntriesNotStable() {
    Raft r = core(plain("b"), ABC);
    r.step(app("a", "b", 1, 0, 0, entries(1, 1), 0));
    Ready rd = r.ready();
    // meanwhile a new leader replaces index 2
    r.step(app("c", "b", 2, 1, 1, List.of(Entry.command(2, 2, new byte[] {7})), 0));
    r.advance(rd);
    Ready next = cycle(r);
    // (index 1 may be written again: harmless, the write is idempotent)
    assertThat(next.entries()).endsWith(Entry.command(2, 2, new byte[] {7}));
    assertThat(next.entries()).noneMatch(e -> e.index() == 2 && e.term() == 1);
  }

  @Test
  @DisplayName("Ready: a follower's later Ready carries only what is new")
  void readyCarriesOnlyNewEntries() {
    Raft r = core(plain("b"), ABC);
    r.step(app("a", "b", 1, 0, 0, entries(1), 0));
    cycle(r);
    r.step(app("a", "b", 1, 1, 1, List.of(Entry.command(1, 2, null)), 2));
    Ready rd = cycle(r);
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(2L);
    assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(1L, 2L);
  }

  @Test
  @DisplayName("Ready: the record copies its lists and knows when it is empty")
  void readyRecord() {
    List<Entry> es = new ArrayList<>(entries(1));
    Ready rd = new Ready(null, null, null, es, List.of(), List.of(), List.of());
    es.clear();
    assertThat(rd.entries()).hasSize(1);
    assertThat(rd.mustPersist()).isTrue();
    assertThat(rd.isEmpty()).isFalse();
    assertThatThrownBy(() -> rd.entries().add(Entry.noop(1, 2)))
        .isInstanceOf(UnsupportedOperationException.class);
    Ready empty = new Ready(null, null, null, List.of(), List.of(), List.of(), List.of());
    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.mustPersist()).isFalse();
    Ready hs = new Ready(null, HardState.INITIAL, null, List.of(), List.of(), List.of(), List.of());
    assertThat(hs.mustPersist()).isTrue();
    Ready snap = new Ready(null, null, SnapshotMeta.initial(Membership.EMPTY), List.of(), List.of(),
        List.of(), List.of());
    assertThat(snap.mustPersist()).isTrue();
    assertThat(snap.isEmpty()).isFalse();
    Ready soft = new Ready(new SoftState(Role.LEADER, 1, "a"), null, null, List.of(), List.of(),
        List.of(), List.of());
    assertThat(soft.isEmpty()).isFalse();
    assertThat(soft.mustPersist()).isFalse();
    Ready committed = new Ready(null, null, null, List.of(), List.of(), entries(1), List.of());
    assertThat(committed.isEmpty()).isFalse();
    assertThat(committed.mustPersist()).isFalse();
    Ready reads = new Ready(null, null, null, List.of(), List.of(), List.of(),
        List.of(new ReadState(1, 1, true)));
    assertThat(reads.isEmpty()).isFalse();
    Ready msgs = new Ready(null, null, null, List.of(),
        List.of(new Heartbeat("a", "b", 1, 0, 0)), List.of(), List.of());
    assertThat(msgs.isEmpty()).isFalse();
    assertThat(msgs.mustPersist()).isFalse();
  }
}
