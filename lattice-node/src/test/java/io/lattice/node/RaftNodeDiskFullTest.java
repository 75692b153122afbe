package io.lattice.node;

import static io.lattice.node.RaftNodeTest.failure;
import static io.lattice.node.RaftNodeTest.get;
import static io.lattice.node.RaftNodeTest.put;
import static io.lattice.node.RaftNodeTest.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.HardState;
import io.lattice.raft.Role;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.FreeSpace;
import io.lattice.storage.SpaceReservation;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk full as a state, on real nodes with an injected free-space source and a {@link FileIo} that
 * fails snapshot writes with ENOSPC: writes are refused with NO_SPACE, reads work, the alarm shows
 * in the status, writes resume by themselves; a failed snapshot is not fatal and is retried with a
 * back-off, also after a restart on the full disk.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RaftNodeDiskFullTest {
  private static final long MIB = 1 << 20;
  private static final long PLENTY = 100_000 * MIB;

  @TempDir Path tmp;
  private final List<RaftNode<KvStateMachine>> nodes = new ArrayList<>();

  /** Fails the fsync of snapshot files with ENOSPC while {@code full}; counts the attempts. */
  private static final class SnapshotFillingIo implements FileIo {
    final AtomicBoolean full = new AtomicBoolean();
    final AtomicInteger snapshotAttempts = new AtomicInteger();

    @Override
    public void force(FileChannel channel, Path file) throws IOException {
      if (file.toString().contains(FileSnapshotStore.DIR_NAME)) {
        snapshotAttempts.incrementAndGet();
        if (full.get()) {
          throw new IOException(file + ": No space left on device");
        }
      }
      FileIo.SYSTEM.force(channel, file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      FileIo.SYSTEM.fsyncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      FileIo.SYSTEM.rename(from, to);
    }
  }

  /** Polls {@code probe} (which may call the node) until it holds; bounded by {@link Await}. */
  private static void awaitTrue(String what, java.util.concurrent.Callable<Boolean> probe) {
    Await.until(what, () -> {
      try {
        return probe.call() ? Boolean.TRUE : null;
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
  }

  @AfterEach
  void closeAll() {
    for (RaftNode<KvStateMachine> n : nodes) {
      n.close();
    }
  }

  private RaftNode<KvStateMachine> startSolo(NodeConfig config, FileIo io, AtomicLong free)
      throws Exception {
    RaftNode<KvStateMachine> n = RaftNode.start(config, new KvStateMachine(),
        inbox -> new InMemoryTransport.Network().transportFor("a", inbox), io, free::get,
        NodeMetrics.NONE);
    nodes.add(n);
    awaitTrue("a to lead itself", () -> n.header().role() == Role.LEADER);
    return n;
  }

  private NodeConfig solo(long snapshotThreshold) {
    return NodeConfig.of("a", tmp.resolve("a"), Map.of("a", "127.0.0.1:7001"))
        .withTiming(10, 10, 2, 2).withSnapshots(snapshotThreshold, 2);
  }

  private static List<DiskSpaceMonitor.AlarmType> alarms(RaftNode<KvStateMachine> n)
      throws Exception {
    return get(n.status()).alarms().stream().map(DiskSpaceMonitor.Alarm::type).toList();
  }

  private List<String> snapshotTempFiles() throws IOException {
    try (Stream<Path> s = Files.list(tmp.resolve("a").resolve(FileSnapshotStore.DIR_NAME))) {
      return s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".tmp")).toList();
    }
  }

  @Test
  void belowTheReserveWritesGetNoSpaceReadsWorkAndWritesResumeWhenSpaceIsBack() throws Exception {
    AtomicLong free = new AtomicLong(PLENTY);
    RaftNode<KvStateMachine> n = startSolo(solo(0), new SnapshotFillingIo(), free);
    get(n.propose(put("before", "1")));

    free.set(MIB);
    awaitTrue("the alarm", () -> alarms(n).contains(DiskSpaceMonitor.AlarmType.NO_SPACE));
    NodeException refused = failure(n.propose(put("during", "2")));
    assertThat(refused.reason()).isEqualTo(Reason.NO_SPACE);
    assertThat(refused).hasMessageContaining("disk of member a is full");
    assertThat(failure(n.addMember("b", "127.0.0.1:7002", false)).reason())
        .as("membership changes grow the log too").isEqualTo(Reason.NO_SPACE);
    assertThat(value(n, "before", ReadConsistency.LINEARIZABLE)).isEqualTo("1");
    assertThat(get(n.status()).diskFreeBytes()).isEqualTo(MIB);
    assertThat(n.fatalError()).isNotDone();

    free.set(PLENTY);
    awaitTrue("the alarm to clear", () -> alarms(n).isEmpty());
    get(n.propose(put("after", "3")));
    assertThat(value(n, "after", ReadConsistency.LINEARIZABLE)).isEqualTo("3");
    assertThat(value(n, "during", ReadConsistency.LINEARIZABLE)).as("refused: never applied")
        .isNull();
  }

  @Test
  void aSnapshotThatFailsForWantOfSpaceIsNotFatalAndIsRetriedLater() throws Exception {
    SnapshotFillingIo io = new SnapshotFillingIo();
    io.full.set(true);
    RaftNode<KvStateMachine> n = startSolo(solo(5), io, new AtomicLong(PLENTY));
    for (int i = 0; i < 10; i++) {
      get(n.propose(put("k" + i, "v" + i)));
    }
    awaitTrue("the SNAPSHOT_FAILED alarm",
        () -> alarms(n).contains(DiskSpaceMonitor.AlarmType.SNAPSHOT_FAILED));
    assertThat(n.fatalError()).isNotDone();
    assertThat(snapshotTempFiles()).as("the partial file was removed").isEmpty();
    // an operator's snapshot fails cleanly with NO_SPACE, and the node goes on
    assertThat(failure(n.snapshotNow()).reason()).isEqualTo(Reason.NO_SPACE);
    for (int i = 10; i < 30; i++) {
      get(n.propose(put("k" + i, "v" + i))); // the log still takes writes (space above reserve)
    }
    int attempts = io.snapshotAttempts.get();
    assertThat(attempts).as("a back-off, not a retry after every entry").isLessThan(6);

    io.full.set(false);
    awaitTrue("a snapshot once space is back", () -> get(n.status()).snapshotIndex() > 0);
    awaitTrue("the alarm to clear", () -> alarms(n).isEmpty());
    assertThat(value(n, "k29", ReadConsistency.LINEARIZABLE)).isEqualTo("v29");
    assertThat(n.fatalError()).isNotDone();
  }

  @Test
  void aNodeRestartedOnAFullDiskStartsServesReadsAndDoesNotSnapshotInALoop() throws Exception {
    SnapshotFillingIo io = new SnapshotFillingIo();
    io.full.set(true);
    AtomicLong free = new AtomicLong(PLENTY);
    RaftNode<KvStateMachine> first = startSolo(solo(5), io, free);
    for (int i = 0; i < 10; i++) {
      get(first.propose(put("k" + i, "v" + i)));
    }
    first.close();
    nodes.remove(first);

    free.set(MIB);
    io.snapshotAttempts.set(0);
    RaftNode<KvStateMachine> n = startSolo(solo(5), io, free); // a snapshot is due at once
    assertThat(alarms(n)).contains(DiskSpaceMonitor.AlarmType.NO_SPACE);
    assertThat(value(n, "k9", ReadConsistency.LINEARIZABLE)).isEqualTo("v9");
    assertThat(failure(n.propose(put("x", "y"))).reason()).isEqualTo(Reason.NO_SPACE);
    Thread.sleep(1500);
    assertThat(n.fatalError()).isNotDone();
    assertThat(io.snapshotAttempts.get()).as("tried once, then again after 1 s at most")
        .isBetween(1, 2);
    assertThat(alarms(n)).containsExactly(DiskSpaceMonitor.AlarmType.NO_SPACE,
        DiskSpaceMonitor.AlarmType.SNAPSHOT_FAILED);
  }

  @Test
  void aFollowerOnAFullDiskTakesNoEntriesStaysInTheClusterAndCatchesUpAfterwards()
      throws Exception {
    InMemoryTransport.Network network = new InMemoryTransport.Network();
    Map<String, String> cluster = new LinkedHashMap<>();
    for (String id : List.of("a", "b", "c")) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    Map<String, AtomicLong> free = new LinkedHashMap<>();
    Map<String, RaftNode<KvStateMachine>> byId = new LinkedHashMap<>();
    for (String id : cluster.keySet()) {
      free.put(id, new AtomicLong(PLENTY));
      NodeConfig config = NodeConfig.of(id, tmp.resolve(id), cluster).withTiming(10, 30, 3, 2)
          .withSnapshots(0, 2);
      FreeSpace space = free.get(id)::get;
      RaftNode<KvStateMachine> n = RaftNode.start(config, new KvStateMachine(),
          inbox -> network.transportFor(config.id(), inbox), FileIo.SYSTEM, space,
          NodeMetrics.NONE);
      nodes.add(n);
      byId.put(id, n);
    }
    awaitTrue("a leader", () -> byId.values().stream()
        .anyMatch(n -> n.header().role() == Role.LEADER));
    RaftNode<KvStateMachine> leader = byId.values().stream()
        .filter(n -> n.header().role() == Role.LEADER).findFirst().orElseThrow();
    RaftNode<KvStateMachine> follower = byId.values().stream().filter(n -> n != leader)
        .findFirst().orElseThrow();
    get(leader.propose(put("k", "0")));
    awaitTrue("the follower to hold k", () -> get(follower.status()).logLastIndex()
        == get(leader.status()).logLastIndex());
    long term = leader.header().term();

    free.get(follower.id()).set(MIB);
    awaitTrue("the follower's alarm",
        () -> alarms(follower).contains(DiskSpaceMonitor.AlarmType.NO_SPACE));
    long held = get(follower.status()).logLastIndex();
    for (int i = 1; i <= 20; i++) {
      get(leader.propose(put("k", Integer.toString(i)))); // committed by the other two
    }
    Thread.sleep(300);
    NodeStatus f = get(follower.status());
    assertThat(f.logLastIndex()).as("no new entries on the full disk").isEqualTo(held);
    assertThat(f.leaderId()).as("still follows the same leader").isEqualTo(leader.id());
    assertThat(leader.header().term()).as("no election").isEqualTo(term);
    assertThat(value(follower, "k", ReadConsistency.STALE)).as("serves what it holds")
        .isEqualTo("0");
    assertThat(value(leader, "k", ReadConsistency.LINEARIZABLE)).isEqualTo("20");
    assertThat(follower.fatalError()).isNotDone();

    free.get(follower.id()).set(PLENTY);
    awaitTrue("the follower to catch up", () -> get(follower.status()).logLastIndex()
        == get(leader.status()).logLastIndex());
    assertThat(value(follower, "k", ReadConsistency.STALE)).isEqualTo("20");
  }

  /**
   * A disk full to the last byte: while {@code full} every write fails with ENOSPC, except once
   * the file {@code givesBack} (the space reservation) is deleted: then in the room it gave back.
   */
  private static final class LastByteIo implements FileIo {
    volatile boolean full;
    volatile Path givesBack;

    @Override
    public void force(FileChannel channel, Path file) throws IOException {
      FileIo.SYSTEM.force(channel, file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      FileIo.SYSTEM.fsyncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      FileIo.SYSTEM.rename(from, to);
    }

    @Override
    public int write(FileChannel channel, java.nio.ByteBuffer src, long position)
        throws IOException {
      Path room = givesBack;
      if (full && (room == null || Files.exists(room))) {
        throw new IOException("No space left on device");
      }
      return channel.write(src, position);
    }
  }

  @Test
  void aNewTermOnADiskFullToTheLastByteIsSavedInTheReservedRoomAndTheNodeGoesOn()
      throws Exception {
    InMemoryTransport.Network network = new InMemoryTransport.Network();
    Map<String, String> cluster = new LinkedHashMap<>();
    for (String id : List.of("a", "b", "c")) {
      cluster.put(id, "127.0.0.1:" + (7001 + cluster.size()));
    }
    Map<String, NodeConfig> configs = new LinkedHashMap<>();
    Map<String, LastByteIo> ios = new LinkedHashMap<>();
    Map<String, AtomicLong> free = new LinkedHashMap<>();
    Map<String, RaftNode<KvStateMachine>> byId = new LinkedHashMap<>();
    for (String id : cluster.keySet()) {
      configs.put(id, NodeConfig.of(id, tmp.resolve(id), cluster).withTiming(10, 30, 3, 2)
          .withSnapshots(0, 2));
      ios.put(id, new LastByteIo());
      free.put(id, new AtomicLong(PLENTY));
      FreeSpace space = free.get(id)::get;
      RaftNode<KvStateMachine> n = RaftNode.start(configs.get(id), new KvStateMachine(),
          inbox -> network.transportFor(id, inbox), ios.get(id), space, NodeMetrics.NONE);
      nodes.add(n);
      byId.put(id, n);
    }
    awaitTrue("a leader", () -> byId.values().stream()
        .anyMatch(n -> n.header().role() == Role.LEADER));
    RaftNode<KvStateMachine> leader = byId.values().stream()
        .filter(n -> n.header().role() == Role.LEADER).findFirst().orElseThrow();
    get(leader.propose(put("k", "0")));
    String fullId = byId.keySet().stream().filter(id -> !id.equals(leader.id())).findFirst()
        .orElseThrow();
    RaftNode<KvStateMachine> full = byId.get(fullId);
    awaitTrue("the follower to hold k", () -> get(full.status()).logLastIndex()
        == get(leader.status()).logLastIndex());
    Path reservation = tmp.resolve(fullId).resolve(SpaceReservation.FILE_NAME);
    assertThat(Files.size(reservation)).as("made at start").isEqualTo(SpaceReservation.DEFAULT_BYTES);

    // Its disk fills up, to the last byte: the alarm, then nothing can be written at all.
    free.get(fullId).set(0);
    awaitTrue("the alarm", () -> alarms(full).contains(DiskSpaceMonitor.AlarmType.NO_SPACE));
    ios.get(fullId).givesBack = reservation;
    ios.get(fullId).full = true;

    // The leader goes: the full node must save a new term (its own vote or the winner's).
    long term = leader.header().term();
    leader.close();
    nodes.remove(leader);
    network.remove(leader.id());
    awaitTrue("a new term on the full node with a leader",
        () -> full.header().term() > term && full.header().leaderId() != null
            && !full.header().leaderId().equals(leader.id()));
    assertThat(full.fatalError()).as("it did not stop").isNotDone();
    assertThat(Files.exists(reservation)).as("its room was used").isFalse();
    HardState saved = new FileHardStateStore(tmp.resolve(fullId), FileIo.SYSTEM).load();
    assertThat(saved.term()).as("the new term is on disk, readable").isGreaterThan(term);
    assertThat(get(full.status()).alarms()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(DiskSpaceMonitor.AlarmType.NO_SPACE);
      assertThat(a.detail()).contains("space reservation");
    });
    assertThat(value(full, "k", ReadConsistency.STALE)).as("serves what it holds").isEqualTo("0");

    // Space comes back: the reservation is made again, the alarm clears, writes go through.
    ios.get(fullId).full = false;
    free.get(fullId).set(PLENTY);
    awaitTrue("the alarm to clear", () -> alarms(full).isEmpty());
    assertThat(Files.size(reservation)).isEqualTo(SpaceReservation.DEFAULT_BYTES);
    RaftNode<KvStateMachine> newLeader = Await.until("the new leader", () -> byId.values()
        .stream().filter(n -> n != leader && n.header().role() == Role.LEADER).findFirst()
        .orElse(null));
    get(newLeader.propose(put("k", "1")));
    awaitTrue("the node to apply k=1",
        () -> "1".equals(value(full, "k", ReadConsistency.STALE)));

    // And a restart reads the term it saved.
    long termBefore = full.header().term();
    full.close();
    nodes.remove(full);
    network.remove(fullId);
    RaftNode<KvStateMachine> again = RaftNode.start(configs.get(fullId), new KvStateMachine(),
        inbox -> network.transportFor(fullId, inbox), ios.get(fullId), free.get(fullId)::get,
        NodeMetrics.NONE);
    nodes.add(again);
    assertThat(again.header().term()).isGreaterThanOrEqualTo(termBefore);
    awaitTrue("the restarted node to apply k=1 again",
        () -> "1".equals(value(again, "k", ReadConsistency.STALE)));
    assertThat(again.fatalError()).isNotDone();
  }
}
