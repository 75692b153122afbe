package io.lattice.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Membership;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several {@link RaftNode}s in one JVM over {@link InMemoryTransport}, with real file storage and
 * real wall-clock ticks (10 ms ticks, so elections take 100–200 ms). Every wait is bounded and says
 * what it waited for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RaftNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path tmp;

  private final InMemoryTransport.Network network = new InMemoryTransport.Network();
  private final Map<String, RaftNode<KvStateMachine>> nodes = new LinkedHashMap<>();
  private final Map<String, String> cluster = new LinkedHashMap<>();

  @AfterEach
  void closeAll() {
    for (RaftNode<KvStateMachine> n : new ArrayList<>(nodes.values())) {
      n.close();
    }
    nodes.clear();
  }

  // ---------------------------------------------------------------- cluster plumbing

  private NodeConfig tuned(NodeConfig c) {
    return c.withTiming(10, 30, 3, 2).withTimeouts(3_000, 2_000);
  }

  private void startCluster(String... ids) throws Exception {
    for (String id : ids) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    for (String id : ids) {
      start(tuned(NodeConfig.of(id, tmp.resolve(id), cluster)));
    }
  }

  private RaftNode<KvStateMachine> start(NodeConfig config) throws Exception {
    RaftNode<KvStateMachine> n = RaftNode.start(config, new KvStateMachine(), inbox -> network.transportFor(config.id(), inbox));
    nodes.put(config.id(), n);
    return n;
  }

  private void stop(String id) {
    RaftNode<KvStateMachine> n = nodes.remove(id);
    n.close(); // still reachable while it hands leadership off
    network.remove(id);
  }

  private RaftNode<KvStateMachine> restart(String id, NodeConfig config) throws Exception {
    return start(config);
  }

  private RaftNode<KvStateMachine> leader() {
    return leaderAmong(nodes.values());
  }

  private static RaftNode<KvStateMachine> leaderAmong(Iterable<RaftNode<KvStateMachine>> candidates) {
    RaftNode<KvStateMachine> found = null;
    long term = -1;
    for (RaftNode<KvStateMachine> n : candidates) {
      RaftNode.Header h = n.header();
      if (h.role() == Role.LEADER && h.term() > term) {
        found = n;
        term = h.term();
      }
    }
    return found;
  }

  /** Waits until some running node is leader and every other agrees on it. */
  private RaftNode<KvStateMachine> awaitLeader() {
    return await("a leader that all running nodes agree on", () -> {
      RaftNode<KvStateMachine> l = leader();
      if (l == null) {
        return null;
      }
      for (RaftNode<KvStateMachine> n : nodes.values()) {
        if (!l.id().equals(n.header().leaderId())) {
          return null;
        }
      }
      return l;
    });
  }

  /** Polls {@code probe} until it returns non-null (see {@link Await#until}). */
  static <T> T await(String what, Supplier<T> probe) {
    return Await.until(what, probe);
  }

  static void awaitTrue(String what, BooleanSupplier probe) {
    await(what, () -> probe.getAsBoolean() ? Boolean.TRUE : null);
  }

  static <T> T get(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception) {
        throw (Exception) e.getCause();
      }
      throw e;
    }
  }

  static NodeException failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(NodeException.class);
      return (NodeException) e.getCause();
    }
    throw new AssertionError("expected a failure, got " + f.join());
  }

  /** Retries an admin call that the leader refuses while its no-op or a change is uncommitted. */
  private <T> T retrying(Supplier<CompletableFuture<T>> call) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return get(call.get());
      } catch (NodeException e) {
        boolean transientReason = e.reason() == Reason.MEMBERSHIP_CHANGE_IN_PROGRESS
            || e.reason() == Reason.TRANSFER_IN_PROGRESS;
        if (!transientReason || System.nanoTime() - deadline > 0) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  static byte[] put(String key, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, System.currentTimeMillis(),
        key.getBytes(UTF_8), value.getBytes(UTF_8), false));
  }

  static String value(RaftNode<KvStateMachine> n, String key, ReadConsistency c) throws Exception {
    Optional<KvEntry> e = get(n.read(c, sm -> sm.get(key.getBytes(UTF_8))));
    return e.map(kv -> new String(kv.value(), UTF_8)).orElse(null);
  }

  private void awaitValueEverywhere(String key, String value) {
    for (RaftNode<KvStateMachine> n : nodes.values()) {
      awaitTrue(n.id() + " to apply " + key + "=" + value, () -> {
        try {
          return value.equals(value(n, key, ReadConsistency.STALE));
        } catch (Exception e) {
          return false;
        }
      });
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void threeNodesElectOneLeaderAndReplicateProposals() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();

    byte[] result = get(leader.propose(put("k", "v1")));
    KvResult r = KvResultCodec.decodeTrusted(result);
    assertThat(r).isInstanceOf(KvResult.Put.class);

    // batching: many proposals at once all complete
    List<CompletableFuture<byte[]>> many = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      many.add(leader.propose(put("k" + i, "v" + i)));
    }
    for (CompletableFuture<byte[]> f : many) {
      assertThat(KvResultCodec.decodeTrusted(get(f))).isInstanceOf(KvResult.Put.class);
    }
    awaitValueEverywhere("k", "v1");
    awaitValueEverywhere("k49", "v49");

    long applied = get(leader.status()).appliedIndex();
    for (RaftNode<KvStateMachine> n : nodes.values()) {
      awaitTrue(n.id() + " to apply up to " + applied,
          () -> n.header().appliedIndex() >= applied);
    }
    // replicas at the same index hash alike
    awaitTrue("equal hashes at equal indexes", () -> {
      List<RaftNode.StateHashResult> hs = new ArrayList<>();
      for (RaftNode<KvStateMachine> n : nodes.values()) {
        hs.add(n.hash().join());
      }
      return hs.stream().distinct().count() == 1;
    });
  }

  @Test
  void followerRefusesProposalsNamingTheLeader() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    RaftNode<KvStateMachine> follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
    // the hint names the leader's client address, once recorded (a server's publisher does this)
    get(leader.propose(put("first", "1")));
    String client = "client-of-" + leader.id() + ":1";
    get(leader.setClientAddress(leader.id(), client));
    awaitTrue("the follower knows the leader's client address", () -> client.equals(
        follower.header().membership().member(leader.id()).clientAddress()));

    NodeException e = failure(follower.propose(put("k", "v")));
    assertThat(e.reason()).isEqualTo(Reason.NOT_LEADER);
    assertThat(e.leaderId()).isEqualTo(leader.id());
    assertThat(e.leaderAddress()).isEqualTo(client).isNotEqualTo(cluster.get(leader.id()));
  }

  @Test
  void linearizableLeaseAndStaleReads() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("x", "1")));
    RaftNode<KvStateMachine> follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();

    assertThat(value(leader, "x", ReadConsistency.LINEARIZABLE)).isEqualTo("1");
    // a linearizable read through a follower sees the write the leader acknowledged
    assertThat(value(follower, "x", ReadConsistency.LINEARIZABLE)).isEqualTo("1");
    assertThat(value(leader, "x", ReadConsistency.LEASE)).isEqualTo("1");
    assertThat(value(leader, "x", ReadConsistency.STALE)).isEqualTo("1");
    awaitValueEverywhere("x", "1");
    assertThat(value(follower, "missing", ReadConsistency.STALE)).isNull();
  }

  @Test
  void writesAndReadsFailWithoutAQuorum() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    for (String id : new ArrayList<>(nodes.keySet())) {
      if (!id.equals(leader.id())) {
        stop(id);
      }
    }
    // the entry cannot commit: once check-quorum makes the leader step down, its outcome is unknown
    NodeException w = failure(leader.propose(put("lost", "maybe")));
    assertThat(w.reason()).isEqualTo(Reason.INDETERMINATE);
    NodeException e = failure(leader.read(ReadConsistency.LINEARIZABLE, sm -> sm.keyCount()));
    assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
    NodeException p = failure(leader.propose(put("after", "stepdown")));
    assertThat(p.reason()).isEqualTo(Reason.NOT_LEADER);
    // stale reads still work
    Integer keys = get(leader.read(ReadConsistency.STALE, sm -> sm.keyCount()));
    assertThat(keys).isEqualTo(0);
  }

  @Test
  void restartedNodeRecoversFromItsDataDirectory() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    for (int i = 0; i < 20; i++) {
      get(leader.propose(put("r" + i, "v" + i)));
    }
    awaitValueEverywhere("r19", "v19");

    // the whole cluster goes down and comes back from disk
    List<String> ids = new ArrayList<>(nodes.keySet());
    for (String id : ids) {
      stop(id);
    }
    for (String id : ids) {
      start(tuned(NodeConfig.of(id, tmp.resolve(id), cluster)));
    }
    RaftNode<KvStateMachine> again = awaitLeader();
    assertThat(value(again, "r7", ReadConsistency.LINEARIZABLE)).isEqualTo("v7");
    awaitValueEverywhere("r19", "v19");
    get(again.propose(put("after", "restart")));
    awaitValueEverywhere("after", "restart");
  }

  @Test
  void addedLearnerIsPromotedAutomatically() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("before", "join")));

    start(tuned(NodeConfig.joining("d", tmp.resolve("d"), "127.0.0.1:7004")));
    Membership added = retrying(() -> leader.addMember("d", "127.0.0.1:7004", false));
    assertThat(added.contains("d")).isTrue();

    awaitTrue("d to be promoted to voter", () -> leader.header().membership().isVoter("d"));
    awaitValueEverywhere("before", "join");
    assertThat(get(nodes.get("d").memberList()).voters()).contains("a", "b", "c", "d");
  }

  @Test
  void learnerThatStaysALearner() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    start(tuned(NodeConfig.joining("d", tmp.resolve("d"), "127.0.0.1:7004")));
    retrying(() -> leader.addMember("d", "127.0.0.1:7004", true));
    get(leader.propose(put("l", "1")));
    awaitValueEverywhere("l", "1");
    assertThat(leader.header().membership().isLearner("d")).isTrue();
    Membership promoted = retrying(() -> leader.promoteMember("d"));
    assertThat(promoted.isVoter("d")).isTrue();
  }

  @Test
  void removingTheLeaderHandsLeadershipOffFirst() throws Exception {
    // DESIGN §3: removing the leader hands leadership off first; the removal is then made by the
    // new leader (the old one never proposes its own removal while it is about to leave).
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    String old = leader.id();
    get(leader.propose(put("before", "remove")));
    NodeException handedOff = failure(leader.removeMember(old));
    assertThat(handedOff.reason()).isEqualTo(Reason.NOT_LEADER);
    assertThat(handedOff.leaderId()).isNotNull().isNotEqualTo(old);
    assertThat(get(leader.memberList()).contains(old)).isTrue();

    RaftNode<KvStateMachine> next = nodes.get(handedOff.leaderId());
    awaitTrue(next.id() + " to lead", () -> next.header().role() == Role.LEADER);
    Membership after = retrying(() -> next.removeMember(old));
    assertThat(after.contains(old)).isFalse();
    get(next.propose(put("after", "remove")));
    assertThat(value(next, "after", ReadConsistency.LINEARIZABLE)).isEqualTo("remove");
    assertThat(value(next, "before", ReadConsistency.LINEARIZABLE)).isEqualTo("remove");
    assertThat(get(next.memberList()).voters()).doesNotContain(old).hasSize(2);
  }

  @Test
  void transferLeadershipToAChosenFollower() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("t", "1")));
    String target = nodes.keySet().stream().filter(id -> !id.equals(leader.id()))
        .findFirst().orElseThrow();

    String newLeader = get(leader.transferLeadership(target));
    assertThat(newLeader).isEqualTo(target);
    awaitTrue(target + " to be leader", () -> nodes.get(target).header().role() == Role.LEADER);
    get(nodes.get(target).propose(put("t", "2")));
    assertThat(value(nodes.get(target), "t", ReadConsistency.LINEARIZABLE)).isEqualTo("2");

    NodeException e = failure(leader.transferLeadership(null));
    assertThat(e.reason()).isEqualTo(Reason.NOT_LEADER);
    assertThat(e.leaderId()).isEqualTo(target);
  }

  @Test
  void stoppedFollowerCatchesUpThroughASnapshot() throws Exception {
    for (String id : List.of("a", "b", "c")) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    Map<String, NodeConfig> configs = new LinkedHashMap<>();
    for (String id : cluster.keySet()) {
      // no automatic snapshots, and only two entries kept behind a snapshot
      configs.put(id, tuned(NodeConfig.of(id, tmp.resolve(id), cluster)).withSnapshots(0, 2));
      start(configs.get(id));
    }
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("s0", "v0")));
    awaitValueEverywhere("s0", "v0");
    String lagging = nodes.keySet().stream().filter(id -> !id.equals(leader.id()))
        .findFirst().orElseThrow();
    stop(lagging);

    for (int i = 1; i <= 30; i++) {
      get(leader.propose(put("s" + i, "v" + i)));
    }
    SnapshotMeta snap = get(leader.snapshotNow());
    assertThat(snap.index()).isGreaterThanOrEqualTo(31);
    NodeStatus st = get(leader.status());
    assertThat(st.snapshotIndex()).isEqualTo(snap.index());
    assertThat(st.logFirstIndex()).isGreaterThan(3); // compacted past what the lagging node has

    restart(lagging, configs.get(lagging));
    awaitValueEverywhere("s30", "v30");
    RaftNode<KvStateMachine> back = nodes.get(lagging);
    NodeStatus bs = get(back.status());
    assertThat(bs.snapshotIndex()).isGreaterThanOrEqualTo(snap.index()); // installed, not replayed
    long idx = get(leader.status()).appliedIndex();
    awaitTrue("the restarted node to reach " + idx, () -> back.header().appliedIndex() >= idx);
    assertThat(get(back.hash()).hash()).isEqualTo(get(leader.hash()).hash());
  }

  @Test
  void theWindowBehindASnapshotIsBoundedInBytesAndAFollowerBeyondItGetsTheSnapshot()
      throws Exception {
    for (String id : List.of("a", "b", "c")) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    Map<String, NodeConfig> configs = new LinkedHashMap<>();
    for (String id : cluster.keySet()) {
      // the count would keep every entry here; the byte bound keeps three of 256 KiB
      configs.put(id, tuned(NodeConfig.of(id, tmp.resolve(id), cluster)).withSnapshots(0, 1000)
          .withTrailingBytes(1 << 20));
      start(configs.get(id));
    }
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("s0", "v0")));
    awaitValueEverywhere("s0", "v0");
    String lagging = nodes.keySet().stream().filter(id -> !id.equals(leader.id()))
        .findFirst().orElseThrow();
    stop(lagging);

    String big = "x".repeat(256 << 10);
    for (int i = 1; i <= 12; i++) {
      get(leader.propose(put("b" + i, big)));
    }
    SnapshotMeta snap = get(leader.snapshotNow());
    NodeStatus st = get(leader.status());
    assertThat(st.logFirstIndex()).as("the log store drops what the core drops")
        .isEqualTo(st.raft().firstIndex());
    assertThat(snap.index() - st.raft().firstIndex() + 1)
        .as("entries kept behind the snapshot: 3 of 256 KiB fit in 1 MiB (and at most a small one)")
        .isBetween(1L, 4L);

    restart(lagging, configs.get(lagging));
    awaitValueEverywhere("b12", big);
    RaftNode<KvStateMachine> back = nodes.get(lagging);
    assertThat(get(back.status()).snapshotIndex()).as("installed, not replayed")
        .isGreaterThanOrEqualTo(snap.index());
    long idx = get(leader.status()).appliedIndex();
    awaitTrue("the restarted node to reach " + idx, () -> back.header().appliedIndex() >= idx);
    assertThat(get(back.hash()).hash()).isEqualTo(get(leader.hash()).hash());
  }

  @Test
  void closingTheLeaderHandsLeadershipOff() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("c", "1")));
    String old = leader.id();
    long term = leader.header().term();

    long t0 = System.nanoTime();
    stop(old);
    RaftNode<KvStateMachine> next = awaitLeader();
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(next.id()).isNotEqualTo(old);
    assertThat(next.header().term()).isGreaterThan(term);
    // with the hand-off, the new leader exists once close() returns (no election timeout waited)
    assertThat(tookMs).isLessThan(2_000);
    get(next.propose(put("c", "2")));
  }

  @Test
  void statusReportsPeersOnTheLeader() throws Exception {
    startCluster("a", "b", "c");
    RaftNode<KvStateMachine> leader = awaitLeader();
    get(leader.propose(put("k", "v")));
    assertThat(get(leader.status()).leaderAddress()).as("no client address recorded yet").isEmpty();
    get(leader.setClientAddress(leader.id(), "client-of-" + leader.id() + ":1"));
    NodeStatus st = get(leader.status());
    assertThat(st.role()).isEqualTo(Role.LEADER);
    assertThat(st.leaderId()).isEqualTo(leader.id());
    assertThat(st.leaderAddress()).isEqualTo("client-of-" + leader.id() + ":1");
    List<String> others = new ArrayList<>(cluster.keySet());
    others.remove(leader.id());
    assertThat(st.peers()).extracting(NodeStatus.PeerLag::id).containsAll(others);
    assertThat(st.peers()).allSatisfy(p -> assertThat(p.lastContactMillis()).isLessThan(1_000));
    assertThat(st.logBytes()).isPositive();
    assertThat(st.appliedIndex()).isEqualTo(st.commitIndex());
  }

  @Test
  void requestsFailWithStoppedAfterClose() throws Exception {
    startCluster("a");
    RaftNode<KvStateMachine> solo = awaitLeader();
    get(solo.propose(put("k", "v")));
    stop("a");
    assertThat(failure(solo.propose(put("k", "w"))).reason())
        .isEqualTo(Reason.SHUTTING_DOWN);
    assertThat(failure(solo.status()).reason()).isEqualTo(Reason.SHUTTING_DOWN);
    assertThat(solo.fatalError()).isNotDone();
    assertThat(solo.terminated()).isDone();
  }

  @Test
  void tooLargeRequestIsRefused() throws Exception {
    startCluster("a");
    RaftNode<KvStateMachine> solo = awaitLeader();
    NodeException e = failure(solo.propose(new byte[NodeConfig.DEFAULT_MAX_REQUEST_BYTES + 1]));
    assertThat(e.reason()).isEqualTo(Reason.REQUEST_TOO_LARGE);
  }
}
