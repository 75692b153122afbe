package io.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.proto.v1.Alarm;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.SnapshotRequest;
import io.lattice.proto.v1.StatusResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real lattice-node whose data directory is a small tmpfs that fills up (issue: disk full ended
 * in a crash loop). Below its reserve it refuses writes with NO_SPACE and serves reads; a snapshot
 * that meets the very end of the disk fails cleanly instead of killing it; a restart on the full
 * disk says so and stays up; once space is freed writes resume without a restart, and no
 * acknowledged write is lost on the way.
 *
 * <p>Needs to mount a tmpfs (root, Linux): skipped with a message where that is not permitted.
 */
class DiskFullProcessTest extends ProcessClusterTest {
  private static final long MIB = 1 << 20;
  private static final String RESERVE = "8MiB";
  private Path mounted;

  @AfterEach
  void unmount() throws Exception {
    if (cluster != null) {
      cluster.close(); // nothing may hold the mount
    }
    if (mounted != null) {
      run("umount", mounted.toString());
    }
  }

  private static int run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.exitValue() != 0) {
      System.err.println(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out);
    }
    return p.exitValue();
  }

  private void mountTmpfs(Path dir, int mib) throws Exception {
    Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"),
        "skipped: needs Linux to mount a tmpfs");
    Files.createDirectories(dir);
    int rc;
    try {
      rc = run("mount", "-t", "tmpfs", "-o", "size=" + mib + "m", "tmpfs", dir.toString());
    } catch (IOException e) {
      rc = -1;
    }
    Assumptions.assumeTrue(rc == 0, "skipped: cannot mount a " + mib + " MiB tmpfs on " + dir
        + " (needs root; see the output above)");
    mounted = dir;
  }

  /** Grows {@code filler} until the disk has about {@code leave} bytes free (0: until ENOSPC). */
  private static void fill(Path filler, long leave) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND)) {
      while (Files.getFileStore(filler).getUsableSpace() > leave) {
        long room = Files.getFileStore(filler).getUsableSpace() - leave;
        out.write(chunk, 0, (int) Math.min(chunk.length, Math.max(1, room)));
        out.flush();
      }
    } catch (IOException e) {
      if (leave > 0 || !e.getMessage().contains("No space left on device")) {
        throw e;
      }
    }
  }

  private void put(NodeProcess n, String key, String value) {
    n.kv().put(PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build());
  }

  private String get(NodeProcess n, String key) {
    return client.call(n.address(), OP_BOUND, kv -> kv.get(GetRequest.newBuilder()
        .setKey(bs(key)).setConsistency(ReadConsistency.LINEARIZABLE).build()))
        .getKv().getValue().toStringUtf8().transform(v -> v.isEmpty() ? null : v);
  }

  private static ErrorInfo.Reason reasonOf(StatusRuntimeException e) {
    ErrorInfo info = KvClient.errorInfo(e);
    return info == null ? null : info.getReason();
  }

  private static List<Alarm.Type> alarms(NodeProcess n) {
    return n.status().getAlarmsList().stream().map(Alarm::getType).toList();
  }

  /**
   * Waits (bounded) until {@code n} has raised the NO_SPACE alarm (it reads the free space at most
   * every 100 ms, so a write right after the disk filled may still be taken), then checks that a
   * put through it fails with NO_SPACE; returns that error.
   */
  private StatusRuntimeException awaitNoSpace(NodeProcess n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!alarms(n).contains(Alarm.Type.NO_SPACE)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no NO_SPACE alarm within 10 s");
      }
      Thread.sleep(50);
    }
    while (System.nanoTime() < deadline) {
      try {
        put(n, "refused", "x");
        fail("a write was accepted with the NO_SPACE alarm raised");
      } catch (StatusRuntimeException e) {
        if (reasonOf(e) == ErrorInfo.Reason.NO_SPACE) {
          return e;
        }
        Thread.sleep(50); // e.g. no leader yet after a restart
      }
    }
    throw new AssertionError("no NO_SPACE within 10 s");
  }

  private void awaitWritable(NodeProcess n, String key, String value) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    StatusRuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        put(n, key, value);
        return;
      } catch (StatusRuntimeException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new AssertionError("writes did not resume within 10 s", last);
  }

  private long countInOutput(NodeProcess n, String text) throws IOException {
    try (Stream<String> lines = Files.lines(n.output)) {
      return lines.filter(l -> l.contains(text)).count();
    }
  }

  @Test
  @Timeout(value = 50, unit = TimeUnit.SECONDS)
  void aFullDiskRefusesWritesServesReadsSurvivesASnapshotAndARestartAndRecovers()
      throws Exception {
    mountTmpfs(tmp.resolve("n1"), 32);
    start(1, List.of("--disk-reserve", RESERVE));
    NodeProcess n = cluster.awaitLeader(ELECTION_BOUND);
    Path filler = n.dataDir.resolve("filler");

    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String key = "k" + i;
      String value = "v" + i;
      client.call(n.address(), OP_BOUND, kv -> kv.put(PutRequest.newBuilder()
          .setKey(bs(key)).setValue(bs(value)).build()));
      acknowledged.add(key);
    }

    // 1. Below the reserve: writes refused with NO_SPACE, reads served, the alarm in Status.
    fill(filler, 4 * MIB);
    StatusRuntimeException refused = awaitNoSpace(n);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).contains("is full");
    assertThat(alarms(n)).contains(Alarm.Type.NO_SPACE);
    assertThat(n.status().getDiskFreeBytes()).isLessThan(8 * MIB);
    assertThat(get(n, "k99")).isEqualTo("v99");

    // 2. The very end of the disk: a snapshot meets ENOSPC and fails cleanly, the node lives.
    fill(filler, 0);
    try {
      n.cluster(10).snapshot(SnapshotRequest.getDefaultInstance());
      fail("a snapshot was written on a disk with no space at all");
    } catch (StatusRuntimeException e) {
      assertThat(reasonOf(e)).as(e.toString()).isEqualTo(ErrorInfo.Reason.NO_SPACE);
    }
    assertThat(n.isAlive()).isTrue();
    assertThat(alarms(n)).contains(Alarm.Type.NO_SPACE, Alarm.Type.SNAPSHOT_FAILED);
    try (Stream<Path> files = Files.list(n.dataDir.resolve("snapshots"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("the partial snapshot was removed").noneMatch(f -> f.endsWith(".tmp"));
    }
    assertThat(get(n, "k0")).isEqualTo("v0");

    // 3. Restart on the full (below the reserve) disk: one clear line, up, no loop.
    n.kill();
    try (var ch = Files.newByteChannel(filler, StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(filler) - 2 * MIB); // room for a vote and a term's no-op only
    }
    n.start();
    cluster.awaitLeader(ELECTION_BOUND);
    awaitNoSpace(n);
    Thread.sleep(2000);
    assertThat(n.isAlive()).as("no crash loop").isTrue();
    StatusResponse st = n.status();
    assertThat(st.getAlarmsList()).extracting(Alarm::getType).contains(Alarm.Type.NO_SPACE);
    assertThat(countInOutput(n, "Starting with the NO_SPACE alarm")).isEqualTo(1);
    for (String k : acknowledged) {
      assertThat(get(n, k)).as(k).isEqualTo("v" + k.substring(1));
    }

    // 4. Space is freed: writes resume without a restart, the alarm clears by itself.
    Files.delete(filler);
    awaitWritable(n, "after", "freed");
    assertThat(get(n, "after")).isEqualTo("freed");
    assertThat(get(n, "refused")).as("a refused write had no effect").isNull();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!alarms(n).equals(List.of()) && System.nanoTime() < deadline) {
      n.cluster(10).snapshot(SnapshotRequest.getDefaultInstance()); // clears SNAPSHOT_FAILED
      Thread.sleep(100);
    }
    assertThat(alarms(n)).isEmpty();
    assertThat(n.isAlive()).isTrue();
  }

  @Test
  @Timeout(value = 50, unit = TimeUnit.SECONDS)
  void aRestartOnADiskFullToTheLastByteSavesItsNewTermInTheReservedRoomAndStaysUp()
      throws Exception {
    mountTmpfs(tmp.resolve("n1"), 32);
    start(1, List.of("--disk-reserve", RESERVE));
    NodeProcess n = cluster.awaitLeader(ELECTION_BOUND);
    Path reservation = n.dataDir.resolve("space.reserve");
    assertThat(Files.size(reservation)).as("made at start").isEqualTo(MIB);
    put(n, "k", "v");
    long term = n.status().getTerm();

    // Full to the last byte, by something else; the restarted node must save a new term.
    n.kill();
    Path filler = n.dataDir.resolve("filler");
    fill(filler, 0);
    n.start();
    cluster.awaitLeader(ELECTION_BOUND);
    awaitNoSpace(n);
    assertThat(n.status().getTerm()).as("a new term, saved on the full disk").isGreaterThan(term);
    assertThat(Files.exists(reservation)).as("its room was used").isFalse();
    assertThat(countInOutput(n, "The space reservation space.reserve")).isEqualTo(1);
    assertThat(get(n, "k")).isEqualTo("v");
    Thread.sleep(1000);
    assertThat(n.isAlive()).as("up, no crash loop").isTrue();

    // Space is freed: the reservation is made again, the alarm clears, writes resume.
    Files.delete(filler);
    awaitWritable(n, "after", "freed");
    assertThat(get(n, "after")).isEqualTo("freed");
    assertThat(alarms(n)).isEmpty();
    assertThat(Files.size(reservation)).isEqualTo(MIB);
  }
}
