package io.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.StatusResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A follower far behind catches up through InstallSnapshot with a small heap: it is killed, the
 * others write {@code lattice.snapshot.bytes} (default 48 MiB) of 1 MiB values and compact their
 * logs past it, and it restarts with an {@code -Xmx} smaller than the state (half of it, between 64
 * and 256 MiB), or {@code lattice.snapshot.follower.xmx} if set: the transfer streams to disk in 1
 * MiB chunks, the restore decodes the snapshot file as it reads it, and it keeps the large values
 * as mapped regions of the file rather than copies in the heap (before, the receiver held a whole
 * copy per incoming stream, the restore read the whole file into memory, and the state it built
 * was all in the heap). It must catch up, through one transfer (the
 * leader does not restart it every heartbeat), leaving no temporary file behind, and serve the
 * values. Its peak heap after GC (from its GC log) and the restore's duration (from its log) are
 * printed.
 */
class SnapshotCatchUpProcessTest extends ProcessClusterTest {
  private static final int VALUE = 1 << 20;
  private static final long BYTES = bytes();

  private static long bytes() {
    String v = System.getProperty("lattice.snapshot.bytes");
    if (v == null || v.isBlank() || v.trim().startsWith("${")) {
      return 48L << 20;
    }
    return Long.parseLong(v.trim());
  }

  /**
   * The follower's -Xmx: {@code lattice.snapshot.follower.xmx}, or half the state, at least 64 MiB
   * and at most 256 MiB: a heap that cannot hold the state, since the restore keeps the values in
   * the snapshot file.
   */
  private static String followerXmx(long state) {
    String v = System.getProperty("lattice.snapshot.follower.xmx");
    if (v == null || v.isBlank() || v.trim().startsWith("${")) {
      return mib(Math.max(64L << 20, Math.min(256L << 20, state / 2)));
    }
    return v.trim();
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + "m";
  }

  @Test
  @Timeout(value = 1800, unit = TimeUnit.SECONDS)
  void aFollowerFarBehindCatchesUpThroughASnapshotStreamedToDisk() throws Exception {
    int values = (int) Math.max(8, BYTES / VALUE);
    long state = (long) values * VALUE;
    // A few snapshots over the run (each one writes the whole state), the last one compacting the
    // log far past the follower.
    String threshold = Integer.toString(Math.max(8, values / 4));
    // No byte rule (--snapshot-log-ratio 0): the entry threshold alone, so that the last one
    // lands at the end of the writes whatever the state's size.
    cluster = new ProcessCluster(3, tmp, List.of("--snapshot-threshold", threshold,
        "--snapshot-trailing", "4", "--snapshot-log-ratio", "0"));
    for (NodeProcess n : cluster.nodes) {
      // The members that keep running hold the state and write snapshots of it.
      n.addJvmArgs("-Xmx" + mib(3 * state + (256L << 20)));
    }
    cluster.start();
    client = new KvClient(cluster.addresses(), cluster.tls);
    NodeProcess leader = cluster.awaitLeader(Duration.ofSeconds(90)); // slow JVM starts when loaded
    NodeProcess follower = cluster.nodes.stream().filter(n -> n != leader).findFirst()
        .orElseThrow();
    put(leader, "before", bs("x"));
    follower.kill();

    for (int i = 0; i < values; i++) {
      put(leader, key(i), value(i));
    }
    put(leader, "last", bs("done"));
    StatusResponse ls = awaitStatus(leader, s -> s.getSnapshotIndex() >= values);
    assertThat(ls.getLogFirstIndex()).as("the leader compacted its log").isGreaterThan(10);

    Path gcLog = tmp.resolve(follower.id + "-gc.log");
    String xmx = followerXmx(state);
    follower.addJvmArgs("-Xmx" + xmx, "-Xlog:gc:file=" + gcLog);
    long restartedAt = System.nanoTime();
    follower.start();
    StatusResponse fs = awaitStatus(follower,
        s -> s.getAppliedIndex() >= ls.getCommitIndex()
            && s.getSnapshotIndex() >= ls.getSnapshotIndex());
    long catchUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);

    assertThat(follower.isAlive()).isTrue();
    assertThat(get(follower, "last")).isEqualTo(bs("done"));
    for (int i : new int[] {0, values / 2, values - 1}) {
      assertThat(get(follower, key(i))).as(key(i)).isEqualTo(value(i));
    }
    String out = Files.readString(follower.output);
    assertThat(out).contains("received snapshot").doesNotContain("OutOfMemoryError");
    try (Stream<Path> files = Files.list(follower.dataDir.resolve("snapshots"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no partial snapshot left").noneMatch(n -> n.endsWith(".tmp"));
    }
    List<String> senders = out.lines().filter(l -> l.contains("received snapshot"))
        .map(l -> l.substring(l.lastIndexOf(" from ") + 6).trim()).toList();
    long sends = senders.size();
    assertThat(sends).as("snapshot transfers the follower received").isPositive();
    // One leader sends it once (twice at most, when a transfer breaks): a new leader elected
    // meanwhile (the two members left are slow on a loaded machine) sends it again, and that is
    // not a leader restarting its transfer every heartbeat.
    int run = 1;
    for (int i = 1; i < senders.size(); i++) {
      run = senders.get(i).equals(senders.get(i - 1)) ? run + 1 : 1;
      assertThat(run).as("transfers in a row from one leader: " + senders).isLessThanOrEqualTo(2);
    }
    String restored = out.lines().filter(l -> l.contains("restored the state machine from snapshot"))
        .reduce((a, b) -> b).orElse("(no off-loop restore logged)");
    assertThat(restored).as("the restore ran off the loop").contains("off the loop");
    System.out.printf("snapshot catch-up: %d MiB state, snapshot %d, follower -Xmx%s, caught up "
        + "in %d ms, follower peak heap after GC %d MiB, %d transfer(s) from %s; %s%n", state >> 20,
        fs.getSnapshotIndex(), xmx, catchUpMillis, peakHeapMib(gcLog), sends, senders,
        restored.substring(restored.indexOf("restored")));
  }

  private static String key(int i) {
    return String.format("big/%06d", i);
  }

  private static ByteString value(int i) {
    byte[] b = new byte[VALUE];
    new Random(i).nextBytes(b);
    return ByteString.copyFrom(b);
  }

  private void put(NodeProcess via, String key, ByteString value) {
    client.call(via.address(), Duration.ofSeconds(60), kv -> kv
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .put(PutRequest.newBuilder().setKey(bs(key)).setValue(value).build()));
  }

  private ByteString get(NodeProcess n, String key) {
    GetResponse r = client.call(n.address(), OP_BOUND, kv -> kv.get(GetRequest.newBuilder()
        .setKey(bs(key)).setConsistency(ReadConsistency.STALE).build()));
    return r.getKv().getValue();
  }

  private static StatusResponse awaitStatus(NodeProcess n,
      java.util.function.Predicate<StatusResponse> done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(120, BYTES >> 21));
    StatusResponse last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = n.status();
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException e) {
        // starting, or busy restoring
      }
      Thread.sleep(100);
    }
    throw new AssertionError(n.id + " did not get there; last status: " + last);
  }

  /** The largest heap occupancy after a GC in a JDK unified GC log, in MiB (-1 if none). */
  private static long peakHeapMib(Path gcLog) throws java.io.IOException {
    if (!Files.exists(gcLog)) {
      return -1;
    }
    Pattern p = Pattern.compile("(\\d+)M->(\\d+)M\\(");
    long peak = -1;
    for (String line : Files.readAllLines(gcLog)) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        peak = Math.max(peak, Long.parseLong(m.group(2)));
      }
    }
    return peak;
  }
}
