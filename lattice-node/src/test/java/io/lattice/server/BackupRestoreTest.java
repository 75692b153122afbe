package io.lattice.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lattice.format.BackupFile;
import io.lattice.format.BackupWriter;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.node.NodeConfig;
import io.lattice.node.ReadConsistency;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.SnapshotSaveChunk;
import io.lattice.proto.v1.SnapshotSaveHeader;
import io.lattice.proto.v1.SnapshotSaveRequest;
import io.lattice.raft.Role;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A backup streamed from the leader ({@code SnapshotSave}) seeds a new cluster through {@code
 * lattice-node restore}, which holds every key; damaged backups and non-empty directories are
 * refused with what is wrong.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackupRestoreTest {
  private static final int KEYS = 300;

  @TempDir Path tmp;
  private final Map<String, NodeServer> servers = new LinkedHashMap<>();
  private ManagedChannel channel;

  @AfterEach
  void closeAll() {
    if (channel != null) {
      channel.shutdownNow();
    }
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }

  @Test
  void aBackupFromTheLeaderRestoresANewClusterWithEveryKey() throws Exception {
    Map<String, String> old = cluster("a1", "a2", "a3");
    start(old, "old");
    NodeServer leader = awaitLeader();
    for (int i = 0; i < KEYS; i++) {
      leader.node().propose(put("k" + i, "value-" + i)).get(10, TimeUnit.SECONDS);
    }
    NodeServer follower = servers.values().stream().filter(s -> s != leader).findFirst()
        .orElseThrow();
    StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class, () -> save(follower, tmp.resolve("no.backup")));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.getStatus().getDescription()).contains("backups are taken at the leader");

    Path backup = tmp.resolve("cluster.backup");
    BackupFile.Verified v = save(leader, backup);
    assertThat(v.meta().clusterId()).isEqualTo(NodeConfig.DEFAULT_CLUSTER_ID);
    assertThat(v.meta().memberId()).isEqualTo(leader.node().id());
    assertThat(v.snapshot().lastIndex()).isGreaterThanOrEqualTo(KEYS);
    assertThat(Files.exists(tmp.resolve("cluster.backup.part"))).isFalse();
    for (NodeServer s : servers.values()) {
      s.close();
    }
    servers.clear();

    Map<String, String> fresh = cluster("b1", "b2", "b3");
    String initial = initialCluster(fresh);
    for (String id : fresh.keySet()) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      assertThat(restore(out, err, backup.toString(), "--data-dir", tmp.resolve("new-" + id)
          .toString(), "--id", id, "--initial-cluster", initial)).as(err.toString()).isZero();
      assertThat(out.toString()).contains("Restored " + id)
          .contains("--cluster-id " + NodeConfig.DEFAULT_CLUSTER_ID + "-restored-"
              + v.snapshot().lastIndex());
    }
    start(fresh, "new");
    NodeServer newLeader = awaitLeader();
    assertThat(newLeader.node().status().get(5, TimeUnit.SECONDS).membership().members().keySet())
        .containsExactlyInAnyOrder("b1", "b2", "b3");
    for (int i = 0; i < KEYS; i += 37) {
      String key = "k" + i;
      Optional<KvEntry> e = newLeader.node().read(ReadConsistency.LINEARIZABLE,
          sm -> sm.get(key.getBytes(UTF_8))).get(10, TimeUnit.SECONDS);
      assertThat(e).as(key).isPresent();
      assertThat(new String(e.get().value(), UTF_8)).isEqualTo("value-" + i);
    }
    newLeader.node().propose(put("after", "restore")).get(10, TimeUnit.SECONDS);

    // A second restore into a directory that now holds a member is refused, and changes nothing.
    StringWriter err = new StringWriter();
    assertThat(restore(new StringWriter(), err, backup.toString(), "--data-dir",
        tmp.resolve("new-b1").toString(), "--id", "b1", "--initial-cluster", initial))
        .isEqualTo(1);
    assertThat(err.toString()).contains("is not empty");
  }

  @Test
  void aDamagedBackupIsRefusedWithItsOffsetAndNothingIsWritten() throws Exception {
    Map<String, String> old = cluster("a1");
    start(old, "old");
    NodeServer leader = awaitLeader();
    for (int i = 0; i < 50; i++) {
      leader.node().propose(put("k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
    }
    Path backup = tmp.resolve("one.backup");
    save(leader, backup);
    try (FileChannel ch = FileChannel.open(backup, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long at = ch.size() - 20;
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5a));
      b.rewind();
      ch.write(b, at);
    }
    StringWriter err = new StringWriter();
    Path dir = tmp.resolve("restored");
    assertThat(restore(new StringWriter(), err, backup.toString(), "--data-dir", dir.toString(),
        "--id", "x1", "--initial-cluster", "x1=127.0.0.1:" + LoopbackPorts.free())).isEqualTo(1);
    assertThat(err.toString()).contains("is damaged at offset").contains("CRC-32C");
    assertThat(Files.exists(dir)).isFalse();
  }

  /** Streams a backup from {@code s} into {@code file}, as {@code lattice snapshot save} does. */
  private BackupFile.Verified save(NodeServer s, Path file) throws IOException {
    if (channel != null) {
      channel.shutdownNow();
    }
    channel = NettyChannelBuilder.forAddress("127.0.0.1", s.clientPort()).usePlaintext().build();
    Iterator<SnapshotSaveChunk> it = ClusterGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS).snapshotSave(SnapshotSaveRequest.getDefaultInstance());
    SnapshotSaveHeader h = it.next().getHeader();
    try (BackupWriter w = BackupWriter.create(file, new BackupFile.Meta(h.getClusterId(),
        h.getHeader().getMemberId(), System.currentTimeMillis(), h.getServerVersion(),
        h.getFileSize(), 0))) {
      while (true) {
        SnapshotSaveChunk c = it.next();
        if (c.hasTrailer()) {
          return w.commit(c.getTrailer().getFileCrc32C());
        }
        w.write(c.getData().asReadOnlyByteBuffer());
      }
    }
  }

  private static int restore(StringWriter out, StringWriter err, String... args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "restore";
    System.arraycopy(args, 0, all, 1, args.length);
    return cl.execute(all);
  }

  private void start(Map<String, String> cluster, String dirPrefix)
      throws IOException {
    for (String id : cluster.keySet()) {
      Path dir = tmp.resolve(dirPrefix + "-" + id);
      NodeConfig c = NodeConfig.of(id, dir, cluster);
      servers.put(id, NodeServer.start(c, LatticeNodeCommand::clientServices));
    }
  }

  private NodeServer awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      for (NodeServer s : servers.values()) {
        if (s.node().header() != null && s.node().header().role() == Role.LEADER) {
          return s;
        }
      }
      assertThat(System.nanoTime() - deadline).as("waiting for a leader").isNegative();
      Thread.sleep(20);
    }
  }

  private static Map<String, String> cluster(String... ids) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    for (String id : ids) {
      m.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    return m;
  }

  private static String initialCluster(Map<String, String> cluster) {
    StringBuilder b = new StringBuilder();
    cluster.forEach((id, a) -> b.append(b.length() == 0 ? "" : ",").append(id).append('=')
        .append(a));
    return b.toString();
  }

  private static byte[] put(String key, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, System.currentTimeMillis(),
        key.getBytes(UTF_8), value.getBytes(UTF_8), false));
  }
}
