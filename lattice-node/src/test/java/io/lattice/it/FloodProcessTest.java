package io.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.ReadConsistency;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 11's back-pressure test on real processes: a leader whose majority is gone (both followers
 * frozen with SIGSTOP), under a flood of writes and reads that never waits between requests. It
 * must answer every request quickly and say why (RESOURCE_EXHAUSTED while it still leads and its
 * bounds are full; NOT_LEADER / UNAVAILABLE once check-quorum has made it step down), keep its live
 * heap under {@link #LIVE_HEAP_BOUND_BYTES}, stay up, and serve writes again once the majority is
 * back.
 *
 * <p>The nodes run with scaled-down bounds (below), so that they are reached within the first
 * moments of the flood; the heap is measured as the live heap after a full collection ({@code jcmd
 * PID GC.class_histogram}) every two seconds. By default the flood lasts {@value
 * #DEFAULT_FLOOD_SECONDS} s; {@code -Dlattice.flood.seconds=60} runs the 60 s.
 */
class FloodProcessTest extends ProcessClusterTest {
  static final int DEFAULT_FLOOD_SECONDS = 12;
  static final int MAX_PENDING_REQUESTS = 256;
  static final long MAX_PENDING_BYTES = 16L << 20;
  static final long MAX_UNCOMMITTED_BYTES = 4L << 20;
  /**
   * The stated bound: what the node holds when idle (about 20 MiB) plus every bound full (16 MiB
   * of pending requests, which include the 4 MiB uncommitted, and the inbox) with room for gRPC's
   * buffers: 96 MiB, well under the 256 MiB heap the processes run with.
   */
  static final long LIVE_HEAP_BOUND_BYTES = 96L << 20;
  private static final int SMALL_WRITERS = 320;
  private static final int LARGE_WRITERS = 48;
  private static final int READERS = 32;
  private static final int LARGE_VALUE = 128 << 10;
  private static final Set<ErrorInfo.Reason> EXPECTED = Set.of(ErrorInfo.Reason.OVERLOADED,
      ErrorInfo.Reason.NOT_LEADER, ErrorInfo.Reason.UNAVAILABLE, ErrorInfo.Reason.INDETERMINATE,
      ErrorInfo.Reason.TIMEOUT);

  private final AtomicBoolean flooding = new AtomicBoolean(true);
  private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
  private final Map<String, String> unexpected = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void aLeaderWithoutItsMajorityStaysBoundedUnderAFloodAndRecovers() throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Assumptions.assumeTrue(Files.isExecutable(jcmd), "needs jcmd to measure the heap: " + jcmd);
    int seconds = ItProperties.intValue("lattice.flood.seconds", DEFAULT_FLOOD_SECONDS);
    start(3, List.of("--max-pending-requests", Integer.toString(MAX_PENDING_REQUESTS),
        "--max-pending-bytes", Long.toString(MAX_PENDING_BYTES),
        "--max-uncommitted-bytes", Long.toString(MAX_UNCOMMITTED_BYTES)));
    NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
    put("before");
    long idleHeap = liveHeap(jcmd, leader.pid());

    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      channels.add(cluster.tls.channel(leader.address()));
    }
    List<Long> heaps = new ArrayList<>();
    try {
      startFlood(channels);
      Thread.sleep(1000); // the healthy leader under the flood first
      for (NodeProcess n : cluster.nodes) {
        if (n != leader) {
          n.pause();
        }
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        Thread.sleep(2000);
        assertThat(leader.isAlive()).as("the flooded leader is up").isTrue();
        heaps.add(liveHeap(jcmd, leader.pid()));
      }
      String rss = rss(leader.pid());
      Map<String, Long> counts = new TreeMap<>();
      answers.forEach((k, v) -> counts.put(k, v.sum()));
      long maxHeap = heaps.stream().mapToLong(Long::longValue).max().orElse(0);
      System.out.printf("flood of %d s at %s with its majority frozen: answers %s; live heap "
              + "idle %.1f MiB, under the flood max %.1f MiB (samples, MiB: %s); RSS at the end %s%n",
          seconds, leader.id, counts, mib(idleHeap), mib(maxHeap),
          heaps.stream().map(h -> String.format("%.1f", mib(h))).toList(), rss);

      assertThat(unexpected).as("answers other than back-pressure or leaderlessness").isEmpty();
      assertThat(counts).as("the bounds were reached: refused with RESOURCE_EXHAUSTED")
          .containsKey("OVERLOADED");
      assertThat(counts.keySet()).as("once it stepped down: NOT_LEADER or UNAVAILABLE")
          .containsAnyOf("NOT_LEADER", "UNAVAILABLE");
      assertThat(maxHeap).as("live heap of the flooded leader").isLessThan(LIVE_HEAP_BOUND_BYTES);
    } finally {
      flooding.set(false);
      for (NodeProcess n : cluster.nodes) {
        if (n != leader && n.isAlive()) {
          n.resume();
        }
      }
    }
    long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
      Thread.sleep(50);
    }
    channels.forEach(ManagedChannel::shutdownNow);

    // The majority is back: a leader is elected and writes go through again.
    cluster.awaitLeader(ELECTION_BOUND);
    put("after");
    GetResponse got = client.call(OP_BOUND, kv -> kv.get(GetRequest.newBuilder()
        .setKey(bs("after")).setConsistency(ReadConsistency.LINEARIZABLE).build()));
    assertThat(got.getKv().getValue()).isEqualTo(bs("flood"));
    assertThat(leader.isAlive()).isTrue();
  }

  private void put(String key) {
    client.call(OP_BOUND, kv -> kv.put(PutRequest.newBuilder().setKey(bs(key))
        .setValue(bs("flood")).build()));
  }

  /** Starts every flood slot: each sends its next request as soon as the last one is answered. */
  private void startFlood(List<ManagedChannel> channels) {
    ByteString small = ByteString.copyFrom(new byte[100]);
    ByteString large = ByteString.copyFrom(new byte[LARGE_VALUE]);
    int slot = 0;
    for (int i = 0; i < SMALL_WRITERS; i++, slot++) {
      write(KVGrpc.newStub(channels.get(slot % channels.size())), "s" + i, small);
    }
    for (int i = 0; i < LARGE_WRITERS; i++, slot++) {
      write(KVGrpc.newStub(channels.get(slot % channels.size())), "l" + i, large);
    }
    for (int i = 0; i < READERS; i++, slot++) {
      read(KVGrpc.newStub(channels.get(slot % channels.size())));
    }
  }

  private void write(KVGrpc.KVStub stub, String key, ByteString value) {
    if (!flooding.get()) {
      return;
    }
    inFlight.incrementAndGet();
    stub.withDeadlineAfter(3, TimeUnit.SECONDS).put(PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8(key)).setValue(value).build(),
        new Counted<PutResponse>(() -> write(stub, key, value)));
  }

  private void read(KVGrpc.KVStub stub) {
    if (!flooding.get()) {
      return;
    }
    inFlight.incrementAndGet();
    stub.withDeadlineAfter(3, TimeUnit.SECONDS).get(GetRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("before"))
            .setConsistency(ReadConsistency.LINEARIZABLE).build(),
        new Counted<GetResponse>(() -> read(stub)));
  }

  /** Counts an answer by its reason (OK, or the ErrorInfo reason, or the bare status code). */
  private final class Counted<T> implements StreamObserver<T> {
    private final Runnable next;

    Counted(Runnable next) {
      this.next = next;
    }

    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {
      ErrorInfo info = KvClient.errorInfo(t);
      String key;
      if (info != null) {
        key = info.getReason().name();
        if (!EXPECTED.contains(info.getReason())) {
          unexpected.putIfAbsent(key, info.getMessage());
        }
      } else if (t instanceof StatusRuntimeException e) {
        key = e.getStatus().getCode().name();
        if (e.getStatus().getCode() != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
          unexpected.putIfAbsent(key, String.valueOf(e.getStatus().getDescription()));
        }
      } else {
        key = t.getClass().getSimpleName();
        unexpected.putIfAbsent(key, String.valueOf(t.getMessage()));
      }
      answers.computeIfAbsent(key, k -> new LongAdder()).increment();
      inFlight.decrementAndGet();
      next.run();
    }

    @Override
    public void onCompleted() {
      answers.computeIfAbsent("OK", k -> new LongAdder()).increment();
      inFlight.decrementAndGet();
      next.run();
    }
  }

  private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)");

  /** The live heap of process {@code pid}: the histogram's total after the full GC it forces. */
  static long liveHeap(Path jcmd, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("jcmd " + pid + " did not finish");
    }
    Matcher m = TOTAL.matcher(out);
    if (!m.find()) {
      throw new AssertionError("no Total in jcmd's histogram of " + pid + ": "
          + out.substring(0, Math.min(500, out.length())));
    }
    return Long.parseLong(m.group(1));
  }

  private static String rss(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
          .filter(l -> l.startsWith("VmRSS:")).findFirst()
          .map(l -> l.substring(6).trim()).orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }
}
