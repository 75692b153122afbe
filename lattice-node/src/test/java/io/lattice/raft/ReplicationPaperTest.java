package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.app;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.entriesFrom;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static io.lattice.raft.Network.win;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.VoteResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Raft paper §5.3 (log replication) and §5.4.2 (Figure 8), after etcd-io/raft's raft_paper_test.go. */
class ReplicationPaperTest {
  private static final String[] ABC = {"a", "b", "c"};

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Leader "a" of {@code ids} in term 1 whose no-op (index 1) is committed and followers replicate. */
  static Raft stableLeader(RaftConfig cfg, String... ids) {
    Raft r = core(cfg, ids);
    win(r);
    cycle(r);
    for (String p : ids) {
      if (!p.equals(r.id())) {
        r.step(ack(r, p, 1));
      }
    }
    cycle(r);
    assertThat(r.commitIndex()).isEqualTo(1);
    return r;
  }

  @Test
  @DisplayName("§5.3 / §8 a new leader appends a no-op of its term and replicates it")
  void s5_3_leaderAppendsNoop() {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 2), ABC);
    win(r);
    assertThat(r.term()).isEqualTo(3);
    Ready rd = cycle(r);
    assertThat(rd.entries()).containsExactly(Entry.noop(3, 3));
    List<AppendRequest> apps = only(rd.messages(), AppendRequest.class);
    assertThat(apps).extracting(AppendRequest::to).containsExactly("b", "c");
    assertThat(apps).allSatisfy(a -> {
      assertThat(a.term()).isEqualTo(3);
      assertThat(a.prevLogIndex()).isEqualTo(2);
      assertThat(a.prevLogTerm()).isEqualTo(2);
      assertThat(a.entries()).containsExactly(Entry.noop(3, 3));
      assertThat(a.commit()).isZero();
    });
  }

  @Test
  @DisplayName("§5.3 the leader appends a proposal to its log and sends it to every follower")
  void s5_3_leaderStartReplication() {
    Raft r = stableLeader(plain("a"), ABC);
    EntryId id = r.propose(b("x"));
    assertThat(id).isEqualTo(new EntryId(1, 2));
    assertThat(r.lastIndex()).isEqualTo(2);
    Ready rd = cycle(r);
    Entry x = Entry.command(1, 2, b("x"));
    assertThat(rd.entries()).containsExactly(x);
    assertThat(rd.committedEntries()).isEmpty();
    List<AppendRequest> apps = only(rd.messages(), AppendRequest.class);
    assertThat(apps).containsExactly(
        app("a", "b", 1, 1, 1, List.of(x), 1), app("a", "c", 1, 1, 1, List.of(x), 1));
  }

  @Test
  @DisplayName("§5.3 an entry is committed once a majority stores it; the commit index is spread")
  void s5_3_leaderCommitEntry() {
    Raft r = stableLeader(plain("a"), ABC);
    r.propose(b("x"));
    cycle(r);
    r.step(ack(r, "b", 2));
    assertThat(r.commitIndex()).isEqualTo(2);
    Ready rd = cycle(r);
    assertThat(rd.committedEntries()).containsExactly(Entry.command(1, 2, b("x")));
    List<AppendRequest> apps = only(rd.messages(), AppendRequest.class);
    assertThat(apps).extracting(AppendRequest::to).contains("b");
    assertThat(apps).allSatisfy(a -> assertThat(a.commit()).isEqualTo(2));
  }

  /** etcd TestLeaderAcknowledgeCommit. */
  @ParameterizedTest(name = "§5.3 cluster of {0}, acks from [{1}] -> committed {2}")
  @CsvSource(
      delimiter = ';',
      value = {
        "1;;true",
        "3;;false",
        "3;b;true",
        "3;b c;true",
        "5;;false",
        "5;b;false",
        "5;b c;true",
        "5;b c d;true",
        "5;b c d e;true",
      })
  void s5_3_leaderAcknowledgeCommit(int size, String acks, boolean committed) {
    String[] ids = Arrays.copyOf(new String[] {"a", "b", "c", "d", "e"}, size);
    Raft r = core(plain("a"), ids);
    win(r);
    cycle(r);
    if (acks != null) {
      for (String p : acks.split(" ")) {
        r.step(ack(r, p, 1));
      }
    }
    assertThat(r.commitIndex()).isEqualTo(committed ? 1 : 0);
  }

  /** etcd TestLeaderCommitPrecedingEntries. */
  @ParameterizedTest(name = "§5.3 preceding entries [{0}] commit with the new leader's entries")
  @ValueSource(strings = {"", "2", "1 1", "1 2"})
  void s5_3_leaderCommitPrecedingEntries(String log) {
    long[] terms = log.isEmpty() ? new long[0]
        : Arrays.stream(log.split(" ")).mapToLong(Long::parseLong).toArray();
    Raft r = core(plain("a"), new HardState(2, null), entries(terms), ABC);
    win(r);
    r.propose(b("x"));
    cycle(r);
    long last = r.lastIndex();
    r.step(ack(r, "b", last));
    Ready rd = cycle(r);
    List<Entry> want = new ArrayList<>(entries(terms));
    want.add(Entry.noop(3, terms.length + 1));
    want.add(Entry.command(3, terms.length + 2, b("x")));
    assertThat(rd.committedEntries()).containsExactlyElementsOf(want);
  }

  /** etcd TestFollowerCommitEntry. */
  @ParameterizedTest(name = "§5.3 follower given {0} entries and leader commit {1} commits {2}")
  @CsvSource({"1,1,1", "2,2,2", "2,1,1", "2,0,0", "1,5,1"})
  void s5_3_followerCommitEntry(int n, long commit, long expected) {
    Raft r = core(plain("a"), ABC);
    List<Entry> es = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      es.add(Entry.command(1, i, b("e" + i)));
    }
    r.step(app("b", "a", 1, 0, 0, es, commit));
    assertThat(r.commitIndex()).isEqualTo(expected);
    Ready rd = cycle(r);
    assertThat(rd.entries()).containsExactlyElementsOf(es);
    assertThat(rd.committedEntries()).containsExactlyElementsOf(es.subList(0, (int) expected));
    assertThat(only(rd.messages(), AppendResponse.class))
        .containsExactly(new AppendResponse("a", "b", 1, true, n, 0, 0, 0));
  }

  /** etcd TestFollowerCheckMsgApp. Follower log [1@1, 2@2], committed 1. */
  @ParameterizedTest(name = "§5.3 consistency check: prev=({0},{1}) -> success {2}, match {3}, hint ({4},{5})")
  @CsvSource({
    "0,0,true,1,0,0", // below the commit index: answered with the commit index
    "1,1,true,1,0,0",
    "2,2,true,2,0,0",
    "1,2,false,0,1,1",
    "2,1,false,0,1,1",
    "3,3,false,0,2,2",
    "3,1,false,0,1,1",
    "5,2,false,0,2,2",
  })
  void s5_3_followerCheckAppend(long prevIndex, long prevTerm, boolean success, long match,
      long hintIndex, long hintTerm) {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 2), ABC);
    r.step(new Heartbeat("b", "a", 2, 1, 0));
    cycle(r);
    assertThat(r.commitIndex()).isEqualTo(1);
    r.step(app("b", "a", 2, prevIndex, prevTerm, List.of(), 1));
    AppendResponse resp = only(msgs(r), AppendResponse.class).get(0);
    assertThat(resp.success()).isEqualTo(success);
    assertThat(resp.matchIndex()).isEqualTo(match);
    assertThat(resp.rejectedIndex()).isEqualTo(success ? 0 : prevIndex);
    assertThat(resp.hintIndex()).isEqualTo(hintIndex);
    assertThat(resp.hintTerm()).isEqualTo(hintTerm);
    assertThat(r.lastIndex()).isEqualTo(2);
  }

  /** etcd TestFollowerAppendEntries. Follower log [1@1, 2@2]. */
  @ParameterizedTest(name = "§5.3 append prev=({0},{1}) entries from {2} terms [{3}] -> log [{4}], unstable [{5}]")
  @CsvSource(
      delimiter = ';',
      value = {
        "2;2;3;3;1 2 3;3",
        "1;1;2;3 4;1 3 4;3 4",
        "0;0;1;1;1 2;",
        "0;0;1;3;3;3",
        "1;1;2;2 2;1 2 2;2",
      })
  void s5_3_followerAppendEntries(long prevIndex, long prevTerm, long first, String incoming,
      String wantLog, String wantUnstable) {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 2), ABC);
    long[] ts = Arrays.stream(incoming.split(" ")).mapToLong(Long::parseLong).toArray();
    r.step(app("b", "a", 4, prevIndex, prevTerm, entriesFrom(first, ts), 0));
    List<Long> log = new ArrayList<>();
    for (long i = r.firstIndex(); i <= r.lastIndex(); i++) {
      log.add(r.entry(i).term());
    }
    assertThat(log).containsExactlyElementsOf(
        Arrays.stream(wantLog.split(" ")).map(Long::parseLong).toList());
    Ready rd = cycle(r);
    List<Long> unstable = rd.entries().stream().map(Entry::term).toList();
    assertThat(unstable).containsExactlyElementsOf(wantUnstable == null ? List.of()
        : Arrays.stream(wantUnstable.split(" ")).map(Long::parseLong).toList());
  }

  /**
   * Raft Figure 7 / etcd TestLeaderSyncFollowerLog: whatever the follower's log, the leader (term
   * 8) makes it identical to its own, truncating conflicts, with at most one rejected probe thanks
   * to the fast back-off by conflicting term.
   */
  @ParameterizedTest(name = "§5.3 Figure 7 ({0}): follower log [{1}] is brought in line")
  @CsvSource(
      delimiter = ';',
      value = {
        "a;1 1 1 4 4 5 5 6 6;1",
        "b;1 1 1 4;1",
        "c;1 1 1 4 4 5 5 6 6 6 6;0",
        "d;1 1 1 4 4 5 5 6 6 6 7 7;0",
        "e;1 1 1 4 4 4 4;1",
        "f;1 1 1 2 2 2 3 3 3 3 3;1",
      })
  void s5_3_figure7LeaderSyncsFollowerLog(String name, String followerLog, int maxRejections) {
    long[] leaderLog = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
    long[] fLog = Arrays.stream(followerLog.split(" ")).mapToLong(Long::parseLong).toArray();
    Network net = Network.plain("l", "f", "v");
    net.restore("l", new HardState(7, null), entries(leaderLog));
    net.restore("v", new HardState(7, null), entries(leaderLog));
    net.restore("f", new HardState(7, null), entries(fLog));
    net.elect("l");
    assertThat(net.raft("l").term()).isEqualTo(8);
    assertThat(net.logTerms("f")).containsExactly(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L, 8L);
    assertThat(net.logTerms("f")).isEqualTo(net.logTerms("l"));
    net.tickAndStabilize(1); // the next heartbeat tells f the commit index
    assertThat(net.raft("f").commitIndex()).isEqualTo(11);
    assertThat(net.node("f").stored.values()).containsExactlyElementsOf(
        net.node("l").stored.values());
    long rejections = net.history.stream()
        .filter(m -> m instanceof AppendResponse r && !r.success() && r.from().equals("f"))
        .count();
    assertThat(rejections).as("fast back-off").isLessThanOrEqualTo(maxRejections);
  }

  @Test
  @DisplayName("§5.3 without a term hint the leader backs off one index at a time")
  void s5_3_backOffWithoutHint() {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 1, 2, 2), ABC);
    win(r);
    cycle(r);
    // b rejects the probe at 4 giving no usable hint
    r.step(new AppendResponse("b", "a", 3, false, 0, 4, 0, 0));
    AppendRequest next = only(msgs(r), AppendRequest.class).get(0);
    assertThat(next.prevLogIndex()).isZero();
    assertThat(next.entries()).hasSize(5);
  }

  @Test
  @DisplayName("§5.3 a rejection hint naming the follower's last entry skips straight there")
  void s5_3_backOffToFollowerEnd() {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 1, 2, 2), ABC);
    win(r);
    cycle(r);
    // c holds only [1@1, 1@2]
    r.step(new AppendResponse("c", "a", 3, false, 0, 4, 2, 1));
    AppendRequest next = only(msgs(r), AppendRequest.class).get(0);
    assertThat(next.to()).isEqualTo("c");
    assertThat(next.prevLogIndex()).isEqualTo(2);
    assertThat(next.prevLogTerm()).isEqualTo(1);
    assertThat(next.entries()).extracting(Entry::index).containsExactly(3L, 4L, 5L);
    // a stale rejection of the same probe is ignored
    r.step(new AppendResponse("c", "a", 3, false, 0, 4, 2, 1));
    assertThat(r.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§5.3 a follower in pipelined replication falls back to probing on rejection")
  void s5_3_replicateFallsBackToProbe() {
    Raft r = stableLeader(plain("a"), ABC);
    r.propose(b("x"));
    r.propose(b("y"));
    cycle(r);
    assertThat(r.status().peers().get("b").state()).isEqualTo(Progress.State.REPLICATE);
    assertThat(r.status().peers().get("b").nextIndex()).isEqualTo(4);
    r.step(new AppendResponse("b", "a", 1, false, 0, 1, 0, 0)); // stale: at or below match
    assertThat(r.status().peers().get("b").state()).isEqualTo(Progress.State.REPLICATE);
    r.step(new AppendResponse("b", "a", 1, false, 0, 3, 1, 1));
    assertThat(r.status().peers().get("b").state()).isEqualTo(Progress.State.PROBE);
    AppendRequest probe = only(msgs(r), AppendRequest.class).get(0);
    assertThat(probe.prevLogIndex()).isEqualTo(1);
    assertThat(probe.entries()).extracting(Entry::index).containsExactly(2L, 3L);
  }

  @Test
  @DisplayName("§5.3 pipelining is bounded: at most maxInflight unacknowledged appends")
  void s5_3_inflightWindow() {
    Raft r = stableLeader(plain("a").withAppendLimits(2, 1, 1 << 20), ABC);
    for (int i = 0; i < 5; i++) {
      r.propose(b("p" + i));
    }
    List<AppendRequest> toB = only(msgs(r), AppendRequest.class).stream()
        .filter(a -> a.to().equals("b")).toList();
    assertThat(toB).hasSize(2);
    assertThat(toB.get(0).entries()).extracting(Entry::index).containsExactly(2L);
    assertThat(toB.get(1).entries()).extracting(Entry::index).containsExactly(3L);
    r.tick(); // heartbeats do not bypass the window
    assertThat(only(msgs(r), AppendRequest.class)).noneMatch(a -> a.to().equals("b"));
    r.step(ack(r, "b", 2));
    List<AppendRequest> more = only(msgs(r), AppendRequest.class).stream()
        .filter(a -> a.to().equals("b")).toList();
    assertThat(more).hasSize(1);
    assertThat(more.get(0).entries()).extracting(Entry::index).containsExactly(4L);
    r.step(ack(r, "b", 4));
    more = only(msgs(r), AppendRequest.class).stream().filter(a -> a.to().equals("b")).toList();
    assertThat(more).extracting(a -> a.entries().get(0).index()).containsExactly(5L, 6L);
  }

  @Test
  @DisplayName("§5.3 appends are split by maxEntriesPerAppend and maxBytesPerAppend")
  void s5_3_appendSizeLimits() {
    Raft r = stableLeader(plain("a").withAppendLimits(100, 3, 1 << 20), ABC);
    for (int i = 0; i < 7; i++) {
      r.propose(b("p" + i));
    }
    List<AppendRequest> toB = only(msgs(r), AppendRequest.class).stream()
        .filter(a -> a.to().equals("b")).toList();
    assertThat(toB).extracting(a -> a.entries().size()).containsExactly(3, 3, 1);
    Raft s = stableLeader(plain("a").withAppendLimits(100, 100, 60), ABC);
    for (int i = 0; i < 4; i++) {
      s.propose(new byte[20]); // 44 bytes each with the header estimate
    }
    toB = only(msgs(s), AppendRequest.class).stream().filter(a -> a.to().equals("b")).toList();
    assertThat(toB).extracting(a -> a.entries().size()).containsExactly(1, 1, 1, 1);
  }

  @Test
  @DisplayName("§5.3 the leader never sends a commit index beyond what the follower is known to hold")
  void s5_3_heartbeatCommitBoundedByMatch() {
    Raft r = stableLeader(plain("a"), ABC);
    r.propose(b("x"));
    cycle(r);
    r.step(ack(r, "c", 2));
    assertThat(r.commitIndex()).isEqualTo(2);
    cycle(r);
    r.tick();
    List<Heartbeat> hbs = only(msgs(r), Heartbeat.class);
    assertThat(hbs).filteredOn(h -> h.to().equals("b")).singleElement()
        .satisfies(h -> assertThat(h.commit()).isEqualTo(1));
    assertThat(hbs).filteredOn(h -> h.to().equals("c")).singleElement()
        .satisfies(h -> assertThat(h.commit()).isEqualTo(2));
  }

  @Test
  @DisplayName("§5.3 followers learn the commit index from the leader and apply in order")
  void s5_3_commitSpreadsToFollowers() {
    Network net = Network.plain(ABC);
    net.elect("a");
    net.propose("a", "x");
    net.propose("a", "y");
    for (String id : ABC) {
      assertThat(net.raft(id).commitIndex()).isEqualTo(3);
      assertThat(net.node(id).applied).extracting(Network::text).containsExactly("", "x", "y");
    }
  }

  @Test
  @DisplayName("§5.3 a heartbeat carries the commit index to a follower that has the entries")
  void s5_3_followerCommitsFromHeartbeat() {
    Raft r = core(plain("a"), new HardState(1, null), entries(1, 1, 1), ABC);
    r.step(new Heartbeat("b", "a", 1, 2, 0));
    assertThat(r.commitIndex()).isEqualTo(2);
    r.step(new Heartbeat("b", "a", 1, 9, 0)); // capped at the last index
    assertThat(r.commitIndex()).isEqualTo(3);
    r.step(new Heartbeat("b", "a", 1, 1, 0)); // never back
    assertThat(r.commitIndex()).isEqualTo(3);
    assertThat(cycle(r).committedEntries()).hasSize(3);
  }

  @Test
  @DisplayName("§5.3 the unreachable peer is probed again instead of pipelined to")
  void s5_3_reportUnreachable() {
    Raft r = stableLeader(plain("a"), ABC);
    assertThat(r.status().peers().get("c").state()).isEqualTo(Progress.State.REPLICATE);
    r.reportUnreachable("c");
    assertThat(r.status().peers().get("c").state()).isEqualTo(Progress.State.PROBE);
    r.reportUnreachable("zz"); // unknown peer: nothing
    Raft f = core(plain("a"), ABC);
    f.reportUnreachable("b"); // not a leader: nothing
    assertThat(f.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§5.3 a stale success (below match) does not move progress back")
  void s5_3_staleAckIgnored() {
    Raft r = stableLeader(plain("a"), ABC);
    r.propose(b("x"));
    cycle(r);
    r.step(ack(r, "b", 2));
    r.step(ack(r, "b", 1));
    assertThat(r.status().peers().get("b").matchIndex()).isEqualTo(2);
    r.step(ack(r, "zz", 2)); // unknown peer
    assertThat(r.commitIndex()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ §5.4.2 / Figure 8

  private static Network figure8UpToC() {
    // S1 sends one entry per append so that index 2 can reach S3 without index 3.
    Network net = Network.of(id -> plain(id).withAppendLimits(256, 1, 1 << 20),
        "s1", "s2", "s3", "s4", "s5");
    net.elect("s1"); // term 1, no-op 1@1 committed everywhere
    // (a) S1 replicates X (2@1) to S2 only.
    net.dropIf(m -> m instanceof AppendRequest && m.from().equals("s1") && !m.to().equals("s2"));
    net.propose("s1", "X");
    assertThat(net.logTerms("s2")).containsExactly(1L, 1L);
    assertThat(net.logTerms("s3")).containsExactly(1L);
    assertThat(net.raft("s1").commitIndex()).isEqualTo(1);
    // (b) S1 crashes; S5 is elected by S3, S4 and itself and appends 2@2 nowhere else.
    net.heal();
    net.isolate("s1");
    net.dropIf(m -> m instanceof AppendRequest && m.from().equals("s5"));
    net.electEventually("s5");
    long t5 = net.raft("s5").term();
    assertThat(net.logTerms("s5")).containsExactly(1L, t5);
    // (c) S5 crashes; S1 restarts and is elected (S2, S3, S4); it replicates 2@1 to S3, so 2@1 is
    // on a majority, but its own-term entry only reaches S2.
    net.heal();
    net.isolate("s5");
    net.node("s1").restart();
    net.dropIf(m -> m instanceof AppendRequest a && a.from().equals("s1")
        && (a.to().equals("s4") || (a.to().equals("s3") && net.raft("s3").lastIndex() >= 2
            && a.entries().stream().anyMatch(e -> e.index() >= 3))));
    net.electEventually("s1");
    return net;
  }

  @Test
  @DisplayName("§5.4.2 Figure 8: an old-term entry on a majority is not committed by counting replicas")
  void s5_4_2_figure8_oldTermEntryNotCommittedByCounting() {
    Network net = figure8UpToC();
    Raft s1 = net.raft("s1");
    long t1 = s1.term();
    assertThat(net.logTerms("s1")).containsExactly(1L, 1L, t1);
    assertThat(net.logTerms("s2")).containsExactly(1L, 1L, t1);
    assertThat(net.logTerms("s3")).containsExactly(1L, 1L);
    // 2@1 is stored on S1, S2, S3 (a majority of five) and the leader knows it...
    assertThat(s1.status().peers().get("s3").matchIndex()).isEqualTo(2);
    assertThat(s1.status().peers().get("s2").matchIndex()).isEqualTo(3);
    // ...but it is not committed: its term is not the leader's. (S1 restarted, so it does not even
    // know that index 1 is committed: the commit index is volatile.)
    assertThat(s1.commitIndex()).isLessThan(2);
    assertThat(net.node("s1").applied).extracting(Network::text).doesNotContain("X");

    // (d) S1 crashes; S5 can be elected (by S3, S4) and overwrites 2@1 everywhere: safe,
    // because 2@1 was never committed.
    net.heal();
    net.isolate("s1");
    net.node("s5").restart();
    net.electEventually("s5");
    long t5 = net.raft("s5").term();
    assertThat(t5).isGreaterThan(t1);
    net.stabilize();
    for (String id : List.of("s2", "s3", "s4", "s5")) {
      assertThat(net.raft(id).entry(2).term()).as("index 2 on %s", id).isEqualTo(2);
      assertThat(net.raft(id).commitIndex()).isEqualTo(3);
      assertThat(net.node(id).applied).extracting(Network::text).doesNotContain("X");
    }
  }

  @Test
  @DisplayName("§5.4.2 Figure 8 (e): the old-term entry commits with an entry of the leader's term")
  void s5_4_2_figure8_commitWithCurrentTermEntry() {
    Network net = figure8UpToC();
    long t1 = net.raft("s1").term();
    // S1's own-term entry now reaches S3 too: index 3 is on a majority, committing 2@1 with it.
    net.heal();
    net.isolate("s5");
    net.tick("s1", 1);
    net.stabilize();
    assertThat(net.raft("s1").commitIndex()).isEqualTo(3);
    assertThat(net.node("s1").applied).extracting(Network::text).containsExactly("", "X", "");
    // S5 can no longer be elected: S2 and S3 hold a more up-to-date log.
    net.heal();
    net.isolate("s1");
    net.node("s5").restart();
    for (int i = 0; i < 4; i++) {
      net.raft("s5").campaign();
      net.stabilize();
      assertThat(net.raft("s5").role()).isNotEqualTo(Role.LEADER);
    }
    assertThat(net.raft("s3").entry(2).term()).isEqualTo(1);
    assertThat(t1).isGreaterThan(1);
  }

  @Test
  @DisplayName("§5.4.2 a leader with only old-term entries on a majority commits nothing new")
  void s5_4_2_noCommitWithoutCurrentTermMajority() {
    Raft r = core(plain("a"), new HardState(1, null), entries(1, 1), ABC);
    win(r); // term 2, no-op at 3
    cycle(r);
    r.step(ack(r, "b", 2)); // b holds the old entries only
    assertThat(r.commitIndex()).isZero();
    r.step(ack(r, "b", 3));
    assertThat(r.commitIndex()).isEqualTo(3);
  }

  @Test
  @DisplayName("§5.4.2 late vote responses after the term moved on are ignored")
  void lateVotesIgnored() {
    Raft r = core(plain("a"), ABC);
    r.campaign();
    cycle(r);
    r.step(new AppendRequest("b", "a", 2, 0, 0, List.of(), 0));
    r.step(new VoteResponse("c", "a", 1, false, true));
    assertThat(r.role()).isEqualTo(Role.FOLLOWER);
    assertThat(r.term()).isEqualTo(2);
  }

  @Test
  @DisplayName("§5.3 a hint with an unknown term is taken as the index to probe from")
  void s5_3_hintWithUnknownTerm() {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 1, 2, 2), ABC);
    win(r);
    cycle(r);
    // the follower's log begins after a snapshot: it knows index 2 is the last it may share
    r.step(new AppendResponse("b", "a", 3, false, 0, 4, 2, 0));
    AppendRequest next = only(msgs(r), AppendRequest.class).get(0);
    assertThat(next.prevLogIndex()).isEqualTo(2);
    assertThat(next.prevLogTerm()).isEqualTo(1);
  }

  @Test
  @DisplayName("§5.3 an unanswered probe is retried once a heartbeat interval has passed")
  void s5_3_probeRetriedAfterHeartbeat() {
    Raft r = core(plain("a"), new HardState(2, null), entries(1, 1), ABC);
    win(r);
    List<AppendRequest> first = only(msgs(r), AppendRequest.class);
    assertThat(first).hasSize(2);
    // b's answer is lost; b answers the heartbeat though
    r.tick();
    long seq = only(msgs(r), Heartbeat.class).get(0).readSeq();
    r.step(new Message.HeartbeatResponse("b", "a", 3, seq));
    List<AppendRequest> retry = only(msgs(r), AppendRequest.class);
    assertThat(retry).singleElement().satisfies(a -> {
      assertThat(a.to()).isEqualTo("b");
      assertThat(a.prevLogIndex()).isEqualTo(2);
      assertThat(a.entries()).containsExactly(Entry.noop(3, 3));
    });
  }

  @Test
  @DisplayName("§5.3 an outstanding probe is not repeated before the heartbeat interval")
  void s5_3_probeNotRepeatedEarly() {
    Raft r = core(plain("a").withElection(10, 5), new HardState(2, null), entries(1, 1), ABC);
    win(r);
    cycle(r);
    r.step(new Message.HeartbeatResponse("b", "a", 3, 0));
    assertThat(only(msgs(r), AppendRequest.class)).isEmpty();
  }

  @Test
  @DisplayName("§5.3 a live follower with a full window gets a slot freed when it answers a heartbeat")
  void s5_3_fullWindowFreedOnHeartbeatResponse() {
    Raft r = stableLeader(plain("a").withAppendLimits(2, 1, 1 << 20), ABC);
    r.propose(b("x"));
    r.propose(b("y"));
    r.propose(b("z"));
    List<AppendRequest> sent = only(msgs(r), AppendRequest.class).stream()
        .filter(a -> a.to().equals("b")).toList();
    assertThat(sent).hasSize(2); // window full: index 4 waits
    r.tick();
    long seq = only(msgs(r), Heartbeat.class).get(0).readSeq();
    r.step(new Message.HeartbeatResponse("b", "a", 1, seq));
    List<AppendRequest> more = only(msgs(r), AppendRequest.class);
    assertThat(more).singleElement().satisfies(a -> {
      assertThat(a.to()).isEqualTo("b");
      assertThat(a.entries()).extracting(Entry::index).containsExactly(4L);
    });
  }

  @Test
  @DisplayName("§5.3 a caught-up follower answering a heartbeat is sent no append")
  void s5_3_caughtUpFollowerGetsNoAppend() {
    Raft r = stableLeader(plain("a"), ABC);
    r.tick();
    long seq = only(msgs(r), Heartbeat.class).get(0).readSeq();
    r.step(new Message.HeartbeatResponse("b", "a", 1, seq));
    assertThat(only(msgs(r), AppendRequest.class)).isEmpty();
  }

}
