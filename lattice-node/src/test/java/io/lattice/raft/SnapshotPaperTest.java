package io.lattice.raft;

import static io.lattice.raft.Network.ack;
import static io.lattice.raft.Network.app;
import static io.lattice.raft.Network.core;
import static io.lattice.raft.Network.cycle;
import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.msgs;
import static io.lattice.raft.Network.only;
import static io.lattice.raft.Network.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.InstallSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Raft paper §7: log compaction and InstallSnapshot. */
class SnapshotPaperTest {
  private static final String[] ABC = {"a", "b", "c"};
  private static final Membership M_ABC = Membership.ofVoterIds(ABC);

  /** a leads, c was cut off while 10 entries committed, then a compacted with the given window. */
  private static Network compactedWhileCIsAway(long trailing, int snapshotTimeout) {
    Network net = Network.of(id -> plain(id).withSnapshots(trailing, snapshotTimeout), ABC);
    net.elect("a");
    net.isolate("c");
    for (int i = 0; i < 10; i++) {
      net.propose("a", "v" + i);
    }
    assertThat(net.raft("a").appliedIndex()).isEqualTo(11);
    SnapshotMeta meta = net.compact("a");
    assertThat(meta).isEqualTo(new SnapshotMeta(11, 1, M_ABC));
    return net;
  }

  @Test
  @DisplayName("§7 the leader sends InstallSnapshot to a follower that needs compacted entries; it installs it")
  void s7_leaderSendsSnapshotFollowerInstalls() {
    Network net = compactedWhileCIsAway(0, 300);
    Raft a = net.raft("a");
    assertThat(a.firstIndex()).isEqualTo(12);
    net.heal();
    net.history.clear();
    net.tickAndStabilize(2);
    List<InstallSnapshot> snaps = net.history.stream()
        .filter(m -> m instanceof InstallSnapshot).map(m -> (InstallSnapshot) m).toList();
    assertThat(snaps).singleElement().satisfies(s -> {
      assertThat(s.to()).isEqualTo("c");
      assertThat(s.snapshot().index()).isEqualTo(11);
      assertThat(s.snapshot().membership()).isEqualTo(M_ABC);
    });
    Network.Node c = net.node("c");
    assertThat(c.readies).anySatisfy(rd -> assertThat(rd.snapshot()).isEqualTo(snaps.get(0).snapshot()));
    assertThat(c.snapshot.index()).isEqualTo(11);
    assertThat(c.raft.commitIndex()).isEqualTo(11);
    assertThat(c.raft.appliedIndex()).isEqualTo(11);
    assertThat(c.raft.firstIndex()).isEqualTo(12);
    assertThat(c.raft.membership()).isEqualTo(M_ABC);
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.REPLICATE);
    assertThat(a.status().peers().get("c").matchIndex()).isEqualTo(11);
    // replication resumes normally after the snapshot
    net.propose("a", "after");
    assertThat(c.raft.commitIndex()).isEqualTo(12);
    assertThat(c.applied).extracting(Network::text).containsExactly("after");
  }

  @Test
  @DisplayName("§7 a follower within the trailing window gets entries, not a snapshot")
  void s7_trailingWindowAvoidsSnapshot() {
    Network net = compactedWhileCIsAway(20, 300);
    assertThat(net.raft("a").firstIndex()).isEqualTo(1);
    assertThat(net.raft("a").snapshot().index()).isEqualTo(11);
    net.heal();
    net.tickAndStabilize(2);
    assertThat(net.history).noneMatch(m -> m instanceof InstallSnapshot);
    assertThat(net.raft("c").commitIndex()).isEqualTo(11);
    assertThat(net.node("c").applied).hasSize(11);
  }

  @Test
  @DisplayName("§7 while a snapshot is in flight the leader sends that follower no appends")
  void s7_snapshotPausesAppends() {
    Network net = compactedWhileCIsAway(0, 300);
    net.heal();
    // c asks for what it lacks, but its answer to the snapshot is lost
    net.dropIf(m -> m.from().equals("c") && m instanceof AppendResponse r && r.success());
    net.tickAndStabilize(2);
    Raft a = net.raft("a");
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.SNAPSHOT);
    net.history.clear();
    net.propose("a", "x");
    net.tickAndStabilize(3);
    assertThat(net.history).filteredOn(m -> m.to().equals("c"))
        .allMatch(m -> m instanceof Heartbeat);
  }

  /** A leader whose follower c is in SNAPSHOT state (c said it lacks index 1). */
  private static Raft leaderSendingSnapshot(int timeout) {
    Raft a = core(plain("a").withSnapshots(0, timeout), ABC);
    Network.win(a);
    cycle(a);
    a.step(ack(a, "b", 1));
    for (int i = 0; i < 4; i++) {
      a.propose(new byte[] {(byte) i});
    }
    cycle(a);
    a.step(ack(a, "b", 5));
    Ready rd = cycle(a);
    assertThat(rd.committedEntries()).hasSize(4);
    a.compact(a.snapshotMetaAt(5));
    // c rejects the first probe: it has nothing
    a.step(new AppendResponse("c", "a", 1, false, 0, 0, 0, 0));
    List<InstallSnapshot> snaps = only(msgs(a), InstallSnapshot.class);
    assertThat(snaps).singleElement().satisfies(s -> assertThat(s.snapshot().index()).isEqualTo(5));
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.SNAPSHOT);
    return a;
  }

  @Test
  @DisplayName("§7 a snapshot pending longer than snapshotTimeoutTicks is given up: probe again")
  void s7_snapshotTimesOut() {
    Raft a = leaderSendingSnapshot(5);
    for (int i = 0; i < 4; i++) {
      a.tick();
    }
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.SNAPSHOT);
    a.tick();
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.PROBE);
    assertThat(a.status().peers().get("c").nextIndex()).isEqualTo(6);
  }

  @Test
  @DisplayName("§7 the follower's answer to the snapshot resumes pipelined replication")
  void s7_snapshotAckResumesReplication() {
    Raft a = leaderSendingSnapshot(300);
    a.step(ack(a, "c", 3)); // an old answer, below the snapshot: still sending
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.SNAPSHOT);
    a.step(ack(a, "c", 5));
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.REPLICATE);
    assertThat(a.status().peers().get("c").nextIndex()).isEqualTo(6);
  }

  @Test
  @DisplayName("§7 the transport reports the snapshot sent: probe right after it")
  void s7_reportSnapshotSuccess() {
    Raft a = leaderSendingSnapshot(300);
    a.reportSnapshot("c", true);
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.PROBE);
    assertThat(a.status().peers().get("c").nextIndex()).isEqualTo(6);
  }

  @Test
  @DisplayName("§7 the transport reports the snapshot failed: probe from the match index")
  void s7_reportSnapshotFailure() {
    Raft a = leaderSendingSnapshot(300);
    a.reportSnapshot("c", false);
    assertThat(a.status().peers().get("c").state()).isEqualTo(Progress.State.PROBE);
    assertThat(a.status().peers().get("c").nextIndex()).isEqualTo(1);
    // not in SNAPSHOT state (or unknown peer): ignored
    a.reportSnapshot("b", false);
    assertThat(a.status().peers().get("b").state()).isEqualTo(Progress.State.REPLICATE);
    a.reportSnapshot("zz", true);
    Raft f = core(plain("b"), ABC);
    f.reportSnapshot("c", true);
    assertThat(f.hasReady()).isFalse();
  }

  @Test
  @DisplayName("§7 a snapshot at or below the follower's commit index is ignored")
  void s7_snapshotBelowCommitIgnored() {
    Raft r = Network.core(plain("c"), new HardState(1, null), entries(1, 1, 1, 1, 1), ABC);
    r.step(new Heartbeat("a", "c", 1, 5, 0));
    cycle(r);
    assertThat(r.commitIndex()).isEqualTo(5);
    r.step(new InstallSnapshot("a", "c", 1, new SnapshotMeta(3, 1, M_ABC)));
    Ready rd = cycle(r);
    assertThat(rd.snapshot()).isNull();
    assertThat(only(rd.messages(), AppendResponse.class))
        .containsExactly(new AppendResponse("c", "a", 1, true, 5, 0, 0, 0));
    assertThat(r.firstIndex()).isEqualTo(1);
    r.step(new InstallSnapshot("a", "c", 1, new SnapshotMeta(5, 1, M_ABC)));
    assertThat(cycle(r).snapshot()).isNull();
  }

  @Test
  @DisplayName("§7 a follower that already holds the snapshot's last entry keeps its log and commits")
  void s7_snapshotOfHeldEntryFastForwards() {
    Raft r = Network.core(plain("c"), new HardState(1, null), entries(1, 1, 1, 1, 1, 1), ABC);
    r.step(new InstallSnapshot("a", "c", 1, new SnapshotMeta(5, 1, M_ABC)));
    Ready rd = cycle(r);
    assertThat(rd.snapshot()).isNull();
    assertThat(r.commitIndex()).isEqualTo(5);
    assertThat(r.lastIndex()).isEqualTo(6);
    assertThat(rd.committedEntries()).hasSize(5);
    assertThat(only(rd.messages(), AppendResponse.class))
        .containsExactly(new AppendResponse("c", "a", 1, true, 5, 0, 0, 0));
  }

  @Test
  @DisplayName("§7 a follower whose log conflicts with the snapshot discards it and installs the snapshot")
  void s7_conflictingLogReplacedBySnapshot() {
    Membership ab = Membership.ofVoterIds("a", "b");
    Raft r = Network.core(plain("c"), new HardState(2, null), entries(1, 1, 1, 1, 1, 1), ABC);
    SnapshotMeta meta = new SnapshotMeta(5, 2, ab);
    r.step(new InstallSnapshot("a", "c", 2, meta));
    Ready rd = r.ready();
    assertThat(rd.snapshot()).isEqualTo(meta);
    assertThat(rd.entries()).isEmpty();
    assertThat(rd.committedEntries()).as("the snapshot replaces the state machine").isEmpty();
    assertThat(only(rd.messages(), AppendResponse.class))
        .containsExactly(new AppendResponse("c", "a", 2, true, 5, 0, 0, 0));
    assertThat(r.hasReady()).isTrue();
    r.advance(rd);
    assertThat(r.hasReady()).isFalse();
    assertThat(r.firstIndex()).isEqualTo(6);
    assertThat(r.lastIndex()).isEqualTo(5);
    assertThat(r.membership()).isEqualTo(ab);
    assertThat(r.snapshot()).isEqualTo(meta);
    // appends continue after it
    r.step(app("a", "c", 2, 5, 2, List.of(Entry.command(2, 6, null)), 6));
    rd = cycle(r);
    assertThat(rd.entries()).extracting(Entry::index).containsExactly(6L);
    assertThat(rd.committedEntries()).extracting(Entry::index).containsExactly(6L);
  }

  @Test
  @DisplayName("§7 snapshot metadata names the term and the configuration at its index")
  void s7_snapshotMeta() {
    Network net = Network.plain(ABC);
    net.elect("a");
    net.raft("a").proposeMembership(new MembershipChange.AddLearner("d", "", false));
    net.stabilize();
    net.propose("a", "x");
    Raft a = net.raft("a");
    assertThat(a.snapshotMetaAt(1)).isEqualTo(new SnapshotMeta(1, 1, M_ABC));
    assertThat(a.snapshotMetaAt(3).membership().learners()).containsExactly("d");
    assertThat(a.snapshotMetaAt(0)).isEqualTo(new SnapshotMeta(0, 0, M_ABC));
    assertThatThrownBy(() -> a.snapshotMetaAt(4)).isInstanceOf(IllegalArgumentException.class);
    net.compact("a");
    assertThat(a.snapshot().index()).isEqualTo(3);
    assertThatThrownBy(() -> a.snapshotMetaAt(2)).isInstanceOf(IllegalArgumentException.class);
    assertThat(a.snapshotMetaAt(3).membership().learners()).containsExactly("d");
  }

  @Test
  @DisplayName("§7 a server restarted from a snapshot and a trailing window serves slow followers from it")
  void s7_restartFromSnapshotWithTrailingWindow() {
    Network net = Network.of(id -> plain(id).withSnapshots(4, 300), ABC);
    net.elect("a");
    net.isolate("c");
    for (int i = 0; i < 8; i++) {
      net.propose("a", "v" + i);
    }
    net.compact("a"); // snapshot at 9, entries from 6 kept
    assertThat(net.node("a").stored.firstKey()).isEqualTo(6);
    net.node("a").restart();
    Raft a = net.raft("a");
    assertThat(a.firstIndex()).isEqualTo(6);
    assertThat(a.commitIndex()).isEqualTo(9);
    assertThat(a.appliedIndex()).isEqualTo(9);
    net.heal();
    net.electEventually("a");
    net.tickAndStabilize(2);
    // c had only index 1: it needs a snapshot
    assertThat(net.node("c").snapshot.index()).isGreaterThanOrEqualTo(9);
    assertThat(net.raft("c").commitIndex()).isEqualTo(net.raft("a").commitIndex());
  }

  @Test
  @DisplayName("§7 a joining server with an empty log catches up from a compacted leader by snapshot")
  void s7_joinerCatchesUpBySnapshot() {
    Network net = Network.of(id -> plain(id).withSnapshots(0, 300), ABC);
    net.elect("a");
    for (int i = 0; i < 3; i++) {
      net.propose("a", "v" + i);
    }
    net.compact("a");
    net.addJoiner("d", plain("d"));
    net.raft("a").proposeMembership(new MembershipChange.AddLearner("d", "", false));
    net.stabilize();
    net.tickAndStabilize(2);
    Raft d = net.raft("d");
    assertThat(net.node("d").snapshot.index()).isEqualTo(4);
    assertThat(d.commitIndex()).isEqualTo(5);
    assertThat(d.membership().learners()).containsExactly("d");
    assertThat(d.membership().voters()).containsExactly("a", "b", "c");
  }

  @Test
  @DisplayName("§7 compaction is bounded by the applied index and never goes back")
  void s7_compactBounds() {
    Raft r = core(plain("a").withSnapshots(0, 300), "a");
    r.campaign();
    cycle(r);
    cycle(r);
    assertThat(r.appliedIndex()).isEqualTo(1);
    r.propose(new byte[] {1});
    assertThatThrownBy(() -> r.compact(new SnapshotMeta(2, 1, Membership.ofVoterIds("a"))))
        .isInstanceOf(InvariantViolation.class);
    assertThat(r.compact(r.snapshotMetaAt(1))).isEqualTo(1);
    assertThat(r.firstIndex()).isEqualTo(2);
    assertThat(r.compact(new SnapshotMeta(0, 0, Membership.ofVoterIds("a")))).isEqualTo(1);
    assertThat(r.entry(1)).isNull();
    assertThat(r.entry(2)).isNotNull();
    assertThat(r.entry(3)).isNull();
  }

  @Test
  @DisplayName("§7 a heartbeat answer from a follower in SNAPSHOT state sends nothing new")
  void s7_heartbeatResponseDuringSnapshot() {
    Raft a = leaderSendingSnapshot(300);
    a.tick();
    List<Heartbeat> hbs = only(msgs(a), Heartbeat.class);
    long seq = hbs.get(0).readSeq();
    a.step(new HeartbeatResponse("c", "a", 1, seq));
    List<Message> out = msgs(a);
    assertThat(only(out, AppendRequest.class)).isEmpty();
    assertThat(only(out, InstallSnapshot.class)).isEmpty();
    List<Message> none = new ArrayList<>(out);
    none.removeIf(m -> !m.to().equals("c"));
    assertThat(none).isEmpty();
  }

  @Test
  @DisplayName("§7 InstallSnapshot comes from the leader: the follower learns who leads")
  void s7_snapshotSenderIsLeader() {
    Raft r = Network.core(plain("c"), new HardState(2, "a"), entries(1), ABC);
    assertThat(r.leaderId()).isNull();
    r.step(new InstallSnapshot("a", "c", 2, new SnapshotMeta(5, 2, M_ABC)));
    assertThat(r.leaderId()).isEqualTo("a");
  }

  @Test
  @DisplayName("§7 the configuration in a snapshot replaces uncommitted configurations of the log")
  void s7_snapshotReplacesConfigs() {
    Membership withD = M_ABC.apply(new MembershipChange.AddLearner("d", "", false));
    Membership ab = Membership.ofVoterIds("a", "b");
    Raft r = Network.core(plain("c"), new HardState(2, null),
        List.of(Entry.noop(1, 1), Entry.config(1, 2, withD)), ABC);
    assertThat(r.membership()).isEqualTo(withD);
    r.step(new InstallSnapshot("a", "c", 2, new SnapshotMeta(5, 2, ab)));
    assertThat(r.membership()).isEqualTo(ab);
  }

}
