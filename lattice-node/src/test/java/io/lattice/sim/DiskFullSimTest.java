package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.node.NodeException;
import io.lattice.raft.ReadMode;
import io.lattice.raft.Role;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Disk full in the simulated cluster, scripted (the randomized runs do the same in the DISK_FULL
 * scenario and the chaos mix): a full leader refuses writes with NO_SPACE and serves reads, a
 * snapshot that does not fit fails without stopping the node, a node restarted on its full disk
 * stays up, and once space is freed writes resume without a restart.
 */
class DiskFullSimTest {
  /** Ticks within which a node has read its disk's free space again (every 100 ms: 10 ticks). */
  private static final int SEEN = 20;
  private QuietLogs quiet;

  @BeforeEach
  void quiet() {
    quiet = QuietLogs.quiet();
  }

  @AfterEach
  void loud() {
    quiet.close();
  }

  private static SimParams params() {
    SimParams p = new SimParams();
    p.clusterSize = 3;
    p.snapshotThreshold = 10;
    p.trailingEntries = 2;
    return p;
  }

  private static CompletableFuture<byte[]> put(SimNode at, String key, String value) {
    return at.loop().propose(KvCommandCodec.encode(new KvCommand.Put(Session.NONE,
        at.clock.wallMillis(), Harness.bytes(key), Harness.bytes(value), false)));
  }

  private static Reason reason(CompletableFuture<?> f) {
    return f.handle((v, e) -> e == null ? null
        : ((NodeException) (e.getCause() != null ? e.getCause() : e)).reason()).join();
  }

  @Test
  void fullLeaderRefusesWritesServesReadsAndTakesWritesAgainOnceSpaceIsFreed() {
    Harness h = new Harness(31, params());
    SimNode leader = h.awaitLeader();
    long acked = h.write("k", "before");
    int life = leader.incarnation();
    long last = leader.raft().lastIndex();

    leader.disk.fill(16 * 1024, false);
    h.run(SEEN);
    CompletableFuture<byte[]> refused = put(leader, "k", "while full");
    h.runUntil("the write is answered", 10, refused::isDone);
    assertThat(reason(refused)).as("refused before it was proposed").isEqualTo(Reason.NO_SPACE);
    assertThat(leader.raft().lastIndex()).as("nothing entered the log").isEqualTo(last);
    assertThat(h.read(leader, "k", ReadMode.LINEARIZABLE)).as("reads are served").isEqualTo(acked);
    assertThat(h.read(leader, "k", ReadMode.LEASE)).isEqualTo(acked);

    // A snapshot that does not fit fails with NO_SPACE; the node goes on.
    CompletableFuture<?> snapshot = leader.loop().snapshotNow();
    h.runUntil("the snapshot is answered", 50, snapshot::isDone);
    assertThat(reason(snapshot)).isEqualTo(Reason.NO_SPACE);
    h.run(50);
    assertThat(leader.alive()).isTrue();
    assertThat(leader.incarnation()).isEqualTo(life);
    assertThat(leader.raft().role()).as("it keeps its place").isEqualTo(Role.LEADER);

    leader.disk.freeSpace();
    h.run(SEEN);
    CompletableFuture<byte[]> resumed = put(leader, "k", "after");
    h.runUntil("the write is applied", 50, resumed::isDone);
    assertThat(reason(resumed)).as("writes resume").isNull();
    assertThat(leader.incarnation()).as("without a restart").isEqualTo(life);
    assertThat(leader.value("k")).isEqualTo("after");
    CompletableFuture<?> again = leader.loop().snapshotNow();
    h.runUntil("the snapshot is taken", 50, again::isDone);
    assertThat(reason(again)).isNull();
  }

  @Test
  void followerRestartedOnItsFullDiskStaysUpAndCatchesUpOnceSpaceIsFreed() {
    Harness h = new Harness(32, params());
    SimNode leader = h.awaitLeader();
    SimNode follower = h.cluster.nodes().stream().filter(n -> n != leader).findFirst()
        .orElseThrow();
    h.write("k", "v0");
    follower.disk.fill(16 * 1024, false);
    h.run(SEEN);
    h.cluster.crashAndRestartNow(follower);
    int life = follower.incarnation();
    long held = follower.raft().lastIndex();
    // The others still make a majority: writes commit; the full follower takes no entries (and
    // no snapshot, which does not fit either) but stays up, in the cluster, without looping.
    for (int i = 1; i <= 30; i++) {
      h.write("k", "v" + i);
    }
    h.run(200);
    assertThat(follower.alive()).isTrue();
    assertThat(follower.incarnation()).as("no restart loop").isEqualTo(life);
    assertThat(follower.raft().lastIndex()).isEqualTo(held);
    assertThat(follower.raft().leaderId()).isEqualTo(leader.id);

    follower.disk.freeSpace();
    h.runUntil("the follower catches up", 300,
        () -> follower.appliedIndex() == leader.raft().commitIndex());
    assertThat(follower.incarnation()).as("without a restart").isEqualTo(life);
    assertThat(follower.value("k")).isEqualTo("v30");
  }

  @Test
  void diskFullToTheLastBytesStopsTheNodeOnItsLogWriteAndLosesNothingAcknowledged() {
    Harness h = new Harness(33, params());
    SimNode leader = h.awaitLeader();
    SimNode follower = h.cluster.nodes().stream().filter(n -> n != leader).findFirst()
        .orElseThrow();
    long acked = h.write("k", "v0");
    // No room for the next batch, and the alarm not yet seen: the append fails with ENOSPC, which
    // stops the node (the Ready cannot be taken back), with the log cut back to what was durable.
    follower.disk.fill(10, false);
    h.write("k", "v1");
    h.runUntil("the follower stopped", 50, () -> !follower.alive());
    assertThat(h.cluster.stats.get(Stats.Kind.STOPPED_BY_ENOSPC)).isEqualTo(1);
    h.runUntil("it restarts on its full disk", 100, follower::alive);
    int life = follower.incarnation();
    assertThat(follower.raft().lastIndex()).isGreaterThanOrEqualTo(acked - 1);
    h.write("k", "v2");
    h.run(100);
    assertThat(follower.incarnation()).as("started on the full disk, it stays up").isEqualTo(life);
    follower.disk.freeSpace();
    h.runUntil("the follower catches up", 300,
        () -> follower.appliedIndex() == leader.raft().commitIndex());
    assertThat(follower.value("k")).isEqualTo("v2");
  }

  @Test
  void aNewTermOnADiskFullToTheLastBytesGoesIntoTheReservationAndTheNodeGoesOn() {
    Harness h = new Harness(34, params());
    SimNode leader = h.awaitLeader();
    SimNode follower = h.cluster.nodes().stream().filter(n -> n != leader).findFirst()
        .orElseThrow();
    h.write("k", "v0");
    h.runUntil("the follower holds it", 100,
        () -> follower.appliedIndex() == leader.raft().commitIndex());
    follower.disk.fill(10, false); // not even room for the hard state's temporary file
    h.run(SEEN);
    int life = follower.incarnation();
    long term = leader.raft().term();
    h.transfer(leader, follower); // the follower campaigns: its term and vote must be saved
    h.runUntil("a new term on the full follower", 100, () -> follower.raft().term() > term);
    h.run(SEEN);
    assertThat(follower.alive()).isTrue();
    assertThat(follower.incarnation()).as("without a restart").isEqualTo(life);
    assertThat(follower.disk.reservationsUsed()).isEqualTo(1);
    assertThat(follower.disk.hardState().term()).as("durable")
        .isEqualTo(follower.raft().term());
    assertThat(h.cluster.stats.get(Stats.Kind.STOPPED_BY_ENOSPC)).isZero();

    follower.disk.freeSpace();
    h.run(SEEN); // the reservation is made again and the alarm clears
    h.write("k", "v1");
    h.runUntil("the follower catches up", 300,
        () -> follower.appliedIndex() == h.leader().raft().commitIndex());
    assertThat(follower.value("k")).isEqualTo("v1");
    assertThat(follower.incarnation()).isEqualTo(life);
  }
}
