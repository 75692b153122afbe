package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.kv.KvEntry;
import io.lattice.node.NodeStatus;
import io.lattice.node.ReadConsistency;
import io.lattice.raft.Role;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A follower that installs a snapshot from the leader restores its state machine off the loop (as
 * the simulation's scheduled step, held here for as long as the test likes: a slow restore) and
 * meanwhile stays a working member: its loop answers requests, persists and acknowledges the
 * leader's appends and answers its heartbeats, but applies nothing after the snapshot and serves
 * no linearizable read until the restored state is in place. A newer snapshot arriving during the
 * restore replaces it: the older one is never put in place.
 */
class OffLoopRestoreTest {
  private static SimParams params() {
    SimParams p = new SimParams();
    p.clusterSize = 3;
    p.snapshotThreshold = 5;
    p.trailingEntries = 2;
    p.restoreDelay = 0; // off the loop, at the next step unless held
    p.requestTimeoutTicks = 2000; // the read below waits out the whole restore
    return p;
  }

  private static SimNode followerOf(Harness h, SimNode leader) {
    return h.cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
  }

  /** Cuts {@code lagging} off, writes until the leader compacted past it, and heals. */
  private static void fallBehindAndHeal(Harness h, SimNode leader, SimNode lagging, int writes,
      String prefix) {
    h.cluster.network.cutBothWays(leader.id, lagging.id);
    for (int i = 0; i < writes; i++) {
      h.write(prefix + (i % 3), "v" + i);
    }
    assertThat(leader.raft().firstIndex())
        .as("the leader compacted past what the follower has")
        .isGreaterThan(lagging.raft().lastIndex() + 1);
    h.cluster.network.healAll();
  }

  private static long matchIndex(SimNode leader, SimNode follower) {
    return leader.raft().status().peers().get(follower.id).matchIndex();
  }

  @Test
  void theLoopGoesOnDuringASlowRestoreAndAppliesNothingUntilItIsInPlace() {
    Harness h = new Harness(3, params());
    SimNode leader = h.awaitLeader();
    SimNode lagging = followerOf(h, leader);
    h.write("before", "x");
    h.runUntil("the follower applied the first write", 100,
        () -> lagging.appliedIndex() == leader.raft().commitIndex());
    lagging.holdRestores(true);
    fallBehindAndHeal(h, leader, lagging, 40, "k");
    h.runUntil("the follower installs the snapshot and begins restoring it", 300,
        () -> lagging.raft().applyHeld());
    long snapshot = lagging.raft().snapshot().index();
    long appliedBefore = lagging.appliedIndex();
    long hashBefore = lagging.sm().hash();
    long term = leader.raft().term();
    assertThat(appliedBefore).isLessThan(snapshot);
    assertThat(lagging.restoreQueued()).isTrue();

    CompletableFuture<KvEntry> read = lagging.loop().read(ReadConsistency.LINEARIZABLE,
        sm -> sm.get(Harness.bytes("k0")).orElse(null));
    for (int i = 0; i < 10; i++) {
      h.write("during", "w" + i); // the leader and the third member commit them
    }
    h.run(60);
    CompletableFuture<NodeStatus> status = lagging.loop().status();
    h.run(1);

    assertThat(status).as("the loop answers requests").isDone();
    assertThat(status.join().appliedIndex()).isEqualTo(appliedBefore);
    assertThat(matchIndex(leader, lagging))
        .as("the follower persisted and acknowledged every append")
        .isEqualTo(leader.raft().lastIndex());
    assertThat(lagging.raft().commitIndex())
        .as("entries after the snapshot committed on the follower")
        .isGreaterThan(snapshot);
    assertThat(leader.raft().term()).as("heartbeats answered: no election").isEqualTo(term);
    assertThat(leader.raft().role()).isEqualTo(Role.LEADER);
    assertThat(lagging.appliedIndex()).as("nothing applied").isEqualTo(appliedBefore);
    assertThat(lagging.raft().appliedIndex()).isEqualTo(snapshot);
    assertThat(lagging.sm().hash()).as("the state from before the snapshot").isEqualTo(hashBefore);
    assertThat(read).as("no read served from the state before the snapshot").isNotDone();

    lagging.holdRestores(false);
    h.runUntil("the restore completes and the follower catches up", 300,
        () -> !lagging.raft().applyHeld()
            && lagging.appliedIndex() == leader.raft().commitIndex());
    h.runUntil("the read is answered", 50, read::isDone);
    assertThat(new String(read.join().value())).isEqualTo(leader.value("k0"));
    assertThat(lagging.sm().hash()).isEqualTo(leader.sm().hash());
    assertThat(lagging.value("during")).isEqualTo("w9");
    assertThat(h.cluster.stats.get(Stats.Kind.COMMITTED_DURING_RESTORE)).isEqualTo(1);

    // A restart on top of the installed snapshot recovers from the disk alone.
    h.cluster.crashAndRestartNow(lagging);
    h.write("after", "restart");
    h.runUntil("the restarted follower catches up", 300,
        () -> lagging.alive() && lagging.appliedIndex() == leader.raft().commitIndex());
    assertThat(lagging.sm().hash()).isEqualTo(leader.sm().hash());
  }

  @Test
  void aNewerSnapshotDuringARestoreReplacesItAndTheOlderIsNeverPutInPlace() {
    Harness h = new Harness(4, params());
    SimNode leader = h.awaitLeader();
    SimNode lagging = followerOf(h, leader);
    lagging.holdRestores(true);
    fallBehindAndHeal(h, leader, lagging, 30, "a");
    h.runUntil("the follower begins restoring a first snapshot", 300,
        () -> lagging.raft().applyHeld());
    long first = lagging.raft().snapshot().index();
    long installedBefore = h.cluster.stats.get(Stats.Kind.SNAPSHOT_INSTALLED);

    fallBehindAndHeal(h, leader, lagging, 30, "b");
    h.runUntil("the follower installs a newer snapshot, still restoring", 300,
        () -> lagging.raft().snapshot().index() > first);
    assertThat(lagging.raft().applyHeld()).isTrue();

    lagging.holdRestores(false);
    h.runUntil("the newer restore completes and the follower catches up", 300,
        () -> !lagging.raft().applyHeld()
            && lagging.appliedIndex() == leader.raft().commitIndex());
    assertThat(h.cluster.stats.get(Stats.Kind.SNAPSHOT_INSTALLED) - installedBefore)
        .as("only the newer snapshot was put in place").isEqualTo(1);
    assertThat(lagging.sm().hash()).isEqualTo(leader.sm().hash());
    assertThat(lagging.value("b0")).isEqualTo(leader.value("b0"));
  }
}
