package io.lattice.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeStatus;
import io.lattice.node.ReadConsistency;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader whose newest snapshot file is damaged on its own disk (its data no longer matches its
 * checksum) and a follower that needs that snapshot: three {@link NodeServer}s in one JVM, real
 * files, real gRPC on 127.0.0.1. The leader's transport refuses to send the damaged file; the
 * leader sets it aside as {@code *.damaged} (kept, not deleted) and takes a fresh snapshot at
 * once, which goes to the follower, which catches up. (Before, the transport refused to send and
 * nothing else happened: the follower never caught up.)
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DamagedSnapshotRecoveryTest {
  private static final long WAIT_MILLIS = 30_000;
  private static final int KEYS = 120;

  @TempDir Path tmp;
  private final Map<String, String> cluster = new LinkedHashMap<>();
  private final Map<String, NodeServer> servers = new LinkedHashMap<>();
  /** Short back-off: a failed transfer is reported (and retried by the core) within 200 ms. */
  private final GrpcPeerTransport.Options options = GrpcPeerTransport.Options.defaults()
      .withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));

  @AfterEach
  void closeAll() {
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }

  private NodeConfig config(String id) {
    // A snapshot every 20 entries, 5 entries kept behind it: a follower 100 entries behind needs
    // the snapshot. No byte rule, so the entry threshold alone decides.
    return NodeConfig.of(id, tmp.resolve(id), cluster).withSnapshots(20, 5)
        .withSnapshotBytes(0, 0);
  }

  private NodeServer start(String id) throws IOException {
    NodeServer s = NodeServer.start(config(id), node -> List.of(), options);
    servers.put(id, s);
    return s;
  }

  @Test
  void aFollowerCatchesUpFromAFreshSnapshotTakenInPlaceOfTheDamagedOne() throws Exception {
    for (String id : List.of("n1", "n2", "n3")) {
      cluster.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    for (String id : cluster.keySet()) {
      start(id);
    }
    NodeServer leader = awaitLeader();
    String behind = cluster.keySet().stream().filter(id -> !id.equals(leader.node().id()))
        .findFirst().orElseThrow();
    servers.remove(behind).close();

    for (int i = 0; i < KEYS; i++) {
      leader.node().propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
    }
    // The newest snapshot at the applied index, the log compacted far past the stopped follower.
    SnapshotMeta snap = leader.node().snapshotNow().get(10, TimeUnit.SECONDS);
    NodeStatus ls = status(leader);
    assertThat(ls.snapshotIndex()).isEqualTo(snap.index());
    assertThat(ls.logFirstIndex()).isGreaterThan(KEYS / 2);
    Path snapshots = tmp.resolve(leader.node().id()).resolve(FileSnapshotStore.DIR_NAME);
    Path file = snapshots.resolve("snap-" + snap.term() + "-" + snap.index() + ".snap");
    assertThat(file).exists();
    // Flip one byte of the data, near the end: the header (with the recorded checksum) is intact.
    byte[] raw = Files.readAllBytes(file);
    raw[raw.length - 3] ^= 0x40;
    Files.write(file, raw);

    NodeServer follower = start(behind);
    String last = "k" + (KEYS - 1);
    await(behind + " to catch up through a snapshot",
        () -> ("v" + (KEYS - 1)).equals(staleValue(follower, last)) ? Boolean.TRUE : null);
    NodeStatus fs = status(follower);
    assertThat(fs.snapshotIndex()).isGreaterThanOrEqualTo(snap.index());
    for (int i = 0; i < KEYS; i += 17) {
      assertThat(staleValue(follower, "k" + i)).isEqualTo("v" + i);
    }

    // The damaged file is kept aside, under a name the store never lists; the newest snapshot
    // file in its place is intact.
    List<String> names = list(snapshots);
    assertThat(names).contains(file.getFileName() + FileSnapshotStore.DAMAGED_SUFFIX);
    assertThat(Files.readAllBytes(snapshots.resolve(file.getFileName()
        + FileSnapshotStore.DAMAGED_SUFFIX))).isEqualTo(raw);
    NodeStatus after = status(leader);
    Path newest = snapshots.resolve("snap-" + after.snapshotTerm() + "-" + after.snapshotIndex()
        + ".snap");
    assertThat(after.snapshotIndex()).isGreaterThanOrEqualTo(snap.index());
    assertThat(FileSnapshotStore.read(newest).meta().index()).isEqualTo(after.snapshotIndex());
    assertThat(leader.node().fatalError()).isNotDone();
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Polls {@code probe} until it returns non-null, failing with {@code what} after the deadline. */
  private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT_MILLIS + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static NodeStatus status(NodeServer s) {
    try {
      return s.node().status().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** A leader that every running node agrees on. */
  private NodeServer awaitLeader() throws InterruptedException {
    return await("a leader all running nodes agree on", () -> {
      String leader = null;
      for (NodeServer s : servers.values()) {
        NodeStatus st = status(s);
        if (st == null || st.leaderId() == null || st.leaderId().isEmpty()
            || (leader != null && !leader.equals(st.leaderId()))) {
          return null;
        }
        leader = st.leaderId();
      }
      NodeServer l = servers.get(leader);
      NodeStatus ls = l == null ? null : status(l);
      return ls != null && ls.role() == Role.LEADER ? l : null;
    });
  }

  private static byte[] put(String key, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, System.currentTimeMillis(),
        key.getBytes(UTF_8), value.getBytes(UTF_8), false));
  }

  private static String staleValue(NodeServer s, String key) {
    try {
      Optional<KvEntry> e = s.node().read(ReadConsistency.STALE,
          sm -> sm.get(key.getBytes(UTF_8))).get(2, TimeUnit.SECONDS);
      return e.map(kv -> new String(kv.value(), UTF_8)).orElse(null);
    } catch (Exception e) {
      return null;
    }
  }
}
