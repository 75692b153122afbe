package io.lattice.node;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.kv.KvView;
import io.lattice.storage.SnapshotWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running {@link RaftNode} takes views, hashes and snapshot captures on its loop thread but
 * runs the queries, the hashing and the writing elsewhere, so that none of them delays writes.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OffLoopReadTest {
  @TempDir Path tmp;

  private final InMemoryTransport.Network network = new InMemoryTransport.Network();
  private RaftNode<Recording> node;

  /** A KV state machine noting which threads take and compute hashes and write snapshots. */
  static final class Recording implements StateMachine {
    final KvStateMachine kv = new KvStateMachine();
    final List<String> hasherTakenOn = new ArrayList<>();
    final List<String> hashedOn = new ArrayList<>();
    final List<String> capturedOn = new ArrayList<>();
    final List<String> writtenOn = new ArrayList<>();

    @Override
    public byte[] apply(long index, byte[] command) {
      return kv.apply(index, command);
    }

    @Override
    public byte[] snapshot() {
      return kv.snapshot();
    }

    @Override
    public void restore(byte[] snapshot) {
      kv.restore(snapshot);
    }

    @Override
    public long hash() {
      return kv.hash();
    }

    @Override
    public synchronized LongSupplier hasher() {
      hasherTakenOn.add(Thread.currentThread().getName());
      LongSupplier h = kv.hasher();
      return () -> {
        synchronized (this) {
          hashedOn.add(Thread.currentThread().getName());
        }
        return h.getAsLong();
      };
    }

    @Override
    public synchronized SnapshotWriter capture() {
      capturedOn.add(Thread.currentThread().getName());
      SnapshotWriter w = kv.capture();
      return out -> {
        synchronized (this) {
          writtenOn.add(Thread.currentThread().getName());
        }
        w.writeTo(out);
      };
    }
  }

  @AfterEach
  void close() {
    if (node != null) {
      node.close();
    }
  }

  private void start() throws Exception {
    NodeConfig config = NodeConfig.of("a", tmp.resolve("a"), Map.of("a", "127.0.0.1:7301"))
        .withTiming(10, 30, 3, 2).withTimeouts(3_000, 2_000);
    node = RaftNode.start(config, new Recording(), inbox -> network.transportFor("a", inbox));
    Await.until("a leader", () -> node.header().role() == io.lattice.raft.Role.LEADER ? 1 : null);
  }

  private static byte[] put(String key, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 1, key.getBytes(UTF_8),
        value.getBytes(UTF_8), false));
  }

  private static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void theViewIsTakenOnTheLoopAndTheQueryRunsElsewhereAtTheAppliedIndex() throws Exception {
    start();
    get(node.propose(put("k", "v")));
    for (ReadConsistency c : ReadConsistency.values()) {
      String[] threads = new String[2];
      String value = get(node.readView(c, QueryLane.POINT, sm -> {
        threads[0] = Thread.currentThread().getName();
        return sm.kv.view();
      }, (KvView v, long applied) -> {
        threads[1] = Thread.currentThread().getName();
        assertThat(applied).isGreaterThanOrEqualTo(v.appliedIndex());
        return new String(v.get("k".getBytes(UTF_8)).orElseThrow().value(), UTF_8);
      }));
      assertThat(value).as(c.name()).isEqualTo("v");
      assertThat(threads[0]).as(c.name()).startsWith("lattice-loop-");
      assertThat(threads[1]).as(c.name()).startsWith("lattice-query-");
    }
  }

  @Test
  void aQueryThatTakesLongDelaysNoWrite() throws Exception {
    start();
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Integer> slow = node.readView(ReadConsistency.LINEARIZABLE, QueryLane.SCAN,
        sm -> sm.kv.view(), (KvView v, long applied) -> {
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return v.keyCount();
        });
    for (int i = 0; i < 20; i++) {
      get(node.propose(put("k" + i, "v"))); // would time out if the loop waited for the query
    }
    assertThat(slow).isNotDone();
    release.countDown();
    assertThat(get(slow)).isZero(); // it saw the state of the moment it was taken
  }

  @Test
  void hashesAndSnapshotsAreTakenOnTheLoopAndComputedElsewhere() throws Exception {
    start();
    get(node.propose(put("k", "v")));
    RaftNode.StateHashResult h = get(node.hash());
    get(node.snapshotNow());
    Recording sm = get(node.read(ReadConsistency.STALE, s -> s));
    synchronized (sm) {
      assertThat(h.hash()).isEqualTo(sm.kv.hash()); // nothing applied since: read on the loop
      assertThat(sm.hasherTakenOn).allMatch(t -> t.startsWith("lattice-loop-"));
      assertThat(sm.hashedOn).isNotEmpty().allMatch(t -> t.startsWith("lattice-scan-"));
      assertThat(sm.capturedOn).isNotEmpty().allMatch(t -> t.startsWith("lattice-loop-"));
      assertThat(sm.writtenOn).isNotEmpty().allMatch(t -> t.startsWith("lattice-snapshot-"));
    }
  }

  @Test
  void busyScansDelayNoPointReadAndTakeAtMostHalfTheProcessors() throws Exception {
    start();
    get(node.propose(put("k", "v")));
    CountDownLatch release = new CountDownLatch(1);
    java.util.Set<String> scanThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Integer>> scans = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) { // more scans than processors: all the scan lane can hold
        scans.add(node.readView(ReadConsistency.STALE, QueryLane.SCAN, sm -> sm.kv.view(),
            (KvView v, long applied) -> {
              scanThreads.add(Thread.currentThread().getName() + "#" + Thread.currentThread().getId());
              try {
                release.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return v.keyCount();
            }));
      }
      int half = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
      Await.until("the scan lane busy", () -> scanThreads.size() == half ? 1 : null);
      // a point read is served while every scan thread is held
      String value = get(node.readView(ReadConsistency.LINEARIZABLE, QueryLane.POINT,
          sm -> sm.kv.view(), (KvView v, long applied) ->
              new String(v.get("k".getBytes(UTF_8)).orElseThrow().value(), UTF_8)));
      assertThat(value).isEqualTo("v");
      assertThat(scans).noneMatch(CompletableFuture::isDone);
      assertThat(scanThreads).hasSize(half).allMatch(t -> t.startsWith("lattice-scan-"));
    } finally {
      release.countDown();
    }
    for (CompletableFuture<Integer> f : scans) {
      assertThat(get(f)).isEqualTo(1);
    }
  }

  @Test
  void queriesBeyondTheBoundAreRefusedOverloaded() throws Exception {
    start();
    CountDownLatch release = new CountDownLatch(1);
    List<CompletableFuture<Integer>> held = new ArrayList<>();
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    CompletableFuture<Integer> refused = null;
    for (int i = 0; i < threads + QueryExecutor.MAX_QUEUED + 1; i++) {
      CompletableFuture<Integer> f = node.readView(ReadConsistency.STALE, QueryLane.POINT,
          sm -> sm.kv.view(),
          (KvView v, long applied) -> {
            try {
              release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return 1;
          });
      held.add(f);
    }
    refused = held.get(held.size() - 1);
    try {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> held.get(held.size() - 1).get(10, TimeUnit.SECONDS));
      assertThat(((NodeException) e.getCause()).reason()).isEqualTo(Reason.OVERLOADED);
      assertThat(e.getCause().getMessage()).contains("too many reads");
    } finally {
      release.countDown();
    }
    for (CompletableFuture<Integer> f : held.subList(0, held.size() - 1)) {
      assertThat(get(f)).isEqualTo(1);
    }
    assertThat(refused).isCompletedExceptionally();
  }
}
