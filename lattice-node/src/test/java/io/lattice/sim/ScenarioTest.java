package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.node.NodeException;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryId;
import io.lattice.raft.MembershipChange;
import io.lattice.raft.ReadMode;
import io.lattice.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Scripted deterministic scenarios on the simulated cluster (same nodes, ReadyHandler, network,
 * disks and safety checks as the randomized runs; the faults are chosen by the test).
 */
class ScenarioTest {
  private static SimParams params(int size) {
    SimParams p = new SimParams();
    p.clusterSize = size;
    return p;
  }

  private static List<SimNode> followersOf(Harness h, SimNode leader) {
    List<SimNode> out = new ArrayList<>();
    for (SimNode n : h.cluster.nodes()) {
      if (n != leader) {
        out.add(n);
      }
    }
    return out;
  }

  @Test
  void followerFarBehindCatchesUpViaInstallSnapshot() {
    SimParams p = params(3);
    p.snapshotThreshold = 5;
    p.trailingEntries = 2;
    Harness h = new Harness(1, p);
    SimNode leader = h.awaitLeader();
    SimNode lagging = followersOf(h, leader).get(0);
    h.cluster.network.cutBothWays(leader.id, lagging.id);
    for (int i = 0; i < 40; i++) {
      h.write("k" + (i % 3), "v" + i);
    }
    assertThat(leader.raft().firstIndex())
        .as("the leader compacted past what the follower has")
        .isGreaterThan(lagging.raft().lastIndex() + 1);
    h.cluster.network.healAll();
    h.runUntil("the follower catches up", 300,
        () -> lagging.appliedIndex() == leader.raft().commitIndex());
    assertThat(h.cluster.stats.get(Stats.Kind.SNAPSHOT_INSTALLED)).isGreaterThanOrEqualTo(1);
    assertThat(lagging.raft().snapshot().index()).isGreaterThan(0);
    assertThat(lagging.sm().hash()).isEqualTo(leader.sm().hash());
    // And it survives a restart from its own disk: snapshot + log after it.
    h.cluster.crashAndRestartNow(lagging);
    h.write("k0", "after-restart");
    h.runUntil("the restarted follower catches up", 300,
        () -> lagging.alive() && lagging.appliedIndex() == leader.raft().commitIndex());
    assertThat(lagging.value("k0")).isEqualTo("after-restart");
  }

  @Test
  void lostInstallSnapshotIsReportedAndRetried() {
    SimParams p = params(3);
    p.snapshotThreshold = 5;
    p.trailingEntries = 0;
    Harness h = new Harness(2, p);
    SimNode leader = h.awaitLeader();
    SimNode lagging = followersOf(h, leader).get(0);
    h.cluster.network.cutBothWays(leader.id, lagging.id);
    for (int i = 0; i < 20; i++) {
      h.write("k", "v" + i);
    }
    // The follower can be reached again, but the first snapshots sent to it are dropped.
    h.cluster.network.healAll();
    h.cluster.network.setFaults(new NetworkFaults(0.5, 0, 1, 2, 0, 0));
    h.runUntil("a snapshot was lost", 300, () -> h.cluster.stats.get(Stats.Kind.SNAPSHOT_LOST) > 0);
    h.cluster.network.setFaults(NetworkFaults.CALM);
    h.runUntil("the follower catches up", 300,
        () -> lagging.appliedIndex() == leader.raft().commitIndex());
  }

  @Test
  void removingTheLeaderHandsOffLeadership() {
    Harness h = new Harness(3, params(3));
    SimNode leader = h.awaitLeader();
    h.write("k", "v1");
    h.change(new MembershipChange.Remove(leader.id));
    long took = h.runUntil("another node leads", 100,
        () -> h.cluster.leader() != null && h.cluster.leader() != leader);
    SimNode next = h.cluster.leader();
    assertThat(next.raft().membership().contains(leader.id)).isFalse();
    assertThat(next.raft().membership().voters()).hasSize(2);
    // TimeoutNow: faster than an election timeout plus a pre-vote round.
    assertThat(took).isLessThan(h.cluster.params.electionTicks);
    assertThat(leader.raft().role()).isNotEqualTo(Role.LEADER);
    h.write("k", "v2");
  }

  @Test
  void removingAFollowerKeepsTheLeader() {
    Harness h = new Harness(4, params(5));
    SimNode leader = h.awaitLeader();
    SimNode follower = followersOf(h, leader).get(1);
    h.change(new MembershipChange.Remove(follower.id));
    h.runUntil("the removal commits", 100,
        () -> !h.cluster.committedConfig().contains(follower.id));
    assertThat(h.cluster.leader()).isSameAs(leader);
    assertThat(leader.raft().membership().voters()).hasSize(4);
    h.write("k", "v");
  }

  @Test
  void learnerWithAutoPromoteIsPromotedOnceCaughtUp() {
    Harness h = new Harness(5, params(3));
    h.awaitLeader();
    for (int i = 0; i < 30; i++) {
      h.write("k", "v" + i);
    }
    SimNode joining = h.cluster.addNode("n4", true);
    joining.start();
    h.change(new MembershipChange.AddLearner("n4", "sim://n4", true));
    h.runUntil("n4 is a voter in a committed configuration", 300,
        () -> h.cluster.committedConfig().isVoter("n4"));
    assertThat(joining.appliedIndex()).isGreaterThan(30);
    h.write("k", "with four voters");
  }

  @Test
  void learnerWithoutAutoPromoteStaysALearner() {
    Harness h = new Harness(6, params(3));
    h.awaitLeader();
    SimNode joining = h.cluster.addNode("n4", true);
    joining.start();
    h.change(new MembershipChange.AddLearner("n4", "sim://n4", false));
    h.runUntil("n4 is a learner", 100, () -> h.cluster.committedConfig().isLearner("n4"));
    for (int i = 0; i < 10; i++) {
      h.write("k", "v" + i);
    }
    h.runUntil("n4 caught up", 100,
        () -> joining.appliedIndex() == h.leader().raft().commitIndex());
    h.run(50);
    assertThat(h.cluster.committedConfig().isLearner("n4")).isTrue();
    h.change(new MembershipChange.Promote("n4"));
    h.runUntil("n4 is promoted on request", 100, () -> h.cluster.committedConfig().isVoter("n4"));
  }

  @Test
  void transferMovesLeadershipToTheTarget() {
    Harness h = new Harness(7, params(5));
    SimNode leader = h.awaitLeader();
    h.write("k", "v1");
    SimNode target = followersOf(h, leader).get(2);
    h.transfer(leader, target);
    h.runUntil("the target leads", 50, () -> h.cluster.leader() == target);
    h.write("k", "v2");
    assertThat(h.read(target, "k", ReadMode.LINEARIZABLE)).isGreaterThan(0);
  }

  @Test
  void crashLosesUnsyncedEntriesButNeverAnAcknowledgedOne() {
    Harness h = new Harness(8, params(3));
    SimNode leader = h.awaitLeader();
    long acked = h.write("k", "acknowledged");
    // The leader appends a proposal and dies before its sync takes effect: the entry was never
    // durable on the leader and never acknowledged to the client. Its appends may have left
    // before its own write (dissertation §10.2.1), so followers may hold it: it then either
    // vanishes everywhere or commits, identically everywhere; either way its client outcome is
    // "may have applied" (INDETERMINATE), never a failure.
    leader.disk.arm(SimDisk.Fault.CRASH_BEFORE_SYNC);
    EntryId lost = new EntryId(leader.raft().term(), leader.raft().lastIndex() + 1);
    CompletableFuture<byte[]> f = leader.loop().propose(KvCommandCodec.encode(new KvCommand.Put(
        Session.NONE, leader.clock.wallMillis(), Harness.bytes("k"),
        Harness.bytes("never-acknowledged"), false)));
    h.cluster.step(leader);
    assertThat(leader.alive()).as("died inside the step").isFalse();
    assertThat(f).isCompletedExceptionally();
    assertThat(f.handle((v, e) -> ((NodeException) e).reason()).join())
        .as("appended, so its outcome is unknown").isEqualTo(Reason.INDETERMINATE);
    assertThat(leader.disk.log().lastIndex()).isLessThan(lost.index());
    SimNode next = h.awaitLeader();
    assertThat(next).isNotSameAs(leader);
    h.write("k", "after");
    h.runUntil("the old leader restarts and catches up", 200, () -> leader.alive()
        && leader.appliedIndex() == next.raft().commitIndex());
    boolean committed = h.cluster.safety.committedTerm(lost.index()) == lost.term();
    for (SimNode n : h.cluster.nodes()) {
      h.runUntil(n.id + " caught up", 200, () -> n.alive()
          && n.appliedIndex() == next.raft().commitIndex());
      Entry there = n.raft().entry(lost.index());
      boolean holds = there != null && there.term() == lost.term();
      if (committed) {
        assertThat(n.raft().commitIndex()).as(n.id).isGreaterThanOrEqualTo(lost.index());
        assertThat(there == null || holds)
            .as(n.id + ": the unsynced proposal committed, identically everywhere").isTrue();
      } else {
        assertThat(holds).as(n.id + ": the unsynced proposal is gone everywhere").isFalse();
      }
    }
    assertThat(h.cluster.safety.committedTerm(acked)).isGreaterThan(0);
    assertThat(leader.value("k")).isEqualTo("after");
  }

  @Test
  void followerCrashMidApplyReappliesFromItsDisk() {
    Harness h = new Harness(9, params(3));
    SimNode leader = h.awaitLeader();
    SimNode follower = followersOf(h, leader).get(0);
    follower.armCrash(SimNode.CrashPoint.MID_APPLY, 1);
    int incarnation = follower.incarnation();
    for (int i = 0; i < 5; i++) {
      h.write("k" + i, "v" + i);
    }
    // (It may have crashed, and restarted, while the writes were still being acknowledged.)
    h.runUntil("the follower crashed mid-apply", 50,
        () -> !follower.alive() || follower.incarnation() > incarnation);
    h.runUntil("it restarts and catches up", 200, () -> follower.alive()
        && follower.appliedIndex() == leader.raft().commitIndex());
    assertThat(follower.sm().hash()).isEqualTo(leader.sm().hash());
  }

  @Test
  void failedFsyncStopsTheNodeAndItRecoversFromDisk() {
    Harness h = new Harness(10, params(3));
    SimNode leader = h.awaitLeader();
    SimNode follower = followersOf(h, leader).get(0);
    follower.disk.arm(SimDisk.Fault.FAIL_SYNC);
    h.write("k", "v1");
    h.runUntil("the follower stopped", 50, () -> !follower.alive());
    assertThat(h.cluster.stats.get(Stats.Kind.FSYNC_FAILURE)).isEqualTo(1);
    h.write("k", "v2");
    h.runUntil("it restarts and catches up", 200, () -> follower.alive()
        && follower.appliedIndex() == leader.raft().commitIndex());
  }

  @Test
  void followerReadIsForwardedToTheLeader() {
    Harness h = new Harness(11, params(3));
    SimNode leader = h.awaitLeader();
    long written = h.write("k", "v");
    SimNode follower = followersOf(h, leader).get(0);
    assertThat(h.read(follower, "k", ReadMode.LINEARIZABLE)).isEqualTo(written);
    assertThat(h.read(leader, "k", ReadMode.LEASE)).isEqualTo(written);
  }
}
