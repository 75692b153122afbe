package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.ApplyListener;
import io.lattice.node.ReadyHandler;
import io.lattice.node.SnapshotPolicy;
import io.lattice.node.Transport;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The automatic snapshot policy ({@link SnapshotPolicy}) driven through the real {@link
 * ReadyHandler}, a real {@link KvStateMachine} and a single-voter core, deterministically (no
 * clock, no threads; the workloads' seeds are fixed and printed): a small state is snapshotted at
 * the entry threshold exactly as before; a large state far less often, with the bytes snapshots
 * write within the policy's bound of the log's bytes; and the log since the last snapshot stays
 * within {@code max(logBytes, logRatio × last snapshot)} plus one entry, also with large entries.
 */
class SnapshotPolicyTest {
  /** Log bytes a record takes besides its payload (as the handler counts them). */
  private static final int RECORD_OVERHEAD = 25;

  /** What one run did. */
  private static final class Run {
    final List<Long> snapshotIndexes = new ArrayList<>();
    long snapshotBytes;
    long logBytes;
    /** The largest log-bytes-since-snapshot seen after a Ready, beyond the policy's bound. */
    long worstExcess = Long.MIN_VALUE;
    long largestEntry;
  }

  /** Proposes {@code commands} one per Ready through a single-voter node under {@code policy}. */
  private static Run run(SnapshotPolicy policy, int commands, LongFunction<byte[]> command) {
    Run out = new Run();
    SimDisk disk = new SimDisk((SnapshotMeta m, byte[] data) -> {
      out.snapshotIndexes.add(m.index());
      out.snapshotBytes += data.length;
    });
    Raft raft = new Raft(RaftConfig.defaults("a").withSnapshots(1, 300),
        RestoredState.bootstrap(Membership.ofVoterIds("a")), new SplittableRandom(1));
    Transport transport = new Transport() {
      @Override
      public void send(Message message) {
        throw new AssertionError("a single voter sends nothing: " + message);
      }

      @Override
      public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot s) {
        throw new AssertionError("a single voter sends no snapshot");
      }
    };
    ReadyHandler h = new ReadyHandler(raft, disk.storage(), new KvStateMachine(), transport,
        ApplyListener.NONE, policy);
    raft.campaign();
    drain(h);
    for (long i = 0; i < commands; i++) {
      byte[] c = command.apply(i);
      out.logBytes += RECORD_OVERHEAD + c.length;
      out.largestEntry = Math.max(out.largestEntry, RECORD_OVERHEAD + c.length);
      raft.propose(c);
      drain(h);
      long bound = Math.max(policy.logBytes(),
          (long) Math.ceil(policy.logRatio() * h.lastSnapshotBytes()));
      out.worstExcess = Math.max(out.worstExcess, h.logBytesSinceSnapshot() - bound);
    }
    assertThat(h.appliedIndex()).isEqualTo(commands + 1); // the leader's no-op, then the puts
    return out;
  }

  private static void drain(ReadyHandler h) {
    while (h.handleReady()) {
      // keep going
    }
  }

  private static byte[] put(long seq, String key, int valueBytes) {
    byte[] value = new byte[valueBytes];
    new SplittableRandom(seq).nextBytes(value); // incompressible, different each time
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, SimClock.EPOCH_MILLIS + seq,
        key.getBytes(StandardCharsets.UTF_8), value, false));
  }

  private static final SnapshotPolicy DEFAULT_BYTES_1000 = new SnapshotPolicy(1000,
      SnapshotPolicy.DEFAULT_LOG_RATIO, SnapshotPolicy.DEFAULT_LOG_BYTES);

  @Test
  void aSmallStateIsSnapshottedAtTheThresholdAsBefore() {
    // 10 keys of 100-byte values, overwritten: the state stays ~1.5 KB, the log grows 150 KB
    // per 1,000 entries.
    LongFunction<byte[]> small = i -> put(i, "k" + (i % 10), 100);
    Run before = run(SnapshotPolicy.everyEntries(1000), 5_000, small);
    Run now = run(DEFAULT_BYTES_1000, 5_000, small);
    assertThat(before.snapshotIndexes).containsExactly(1000L, 2000L, 3000L, 4000L, 5000L);
    assertThat(now.snapshotIndexes).isEqualTo(before.snapshotIndexes);
  }

  @Test
  void aLargeStateIsSnapshottedFarLessOftenWithinTheBoundOfTheLogsBytes() {
    long seed = 11;
    System.out.println("SnapshotPolicyTest workload seed " + seed);
    // 1,000 keys of 512-byte values inserted (a state of ~0.5 MiB), then 9,000 updates of random
    // keys among them; threshold 100 entries.
    LongFunction<byte[]> large = i -> i < 1000 ? put(i, "key-" + i, 512)
        : put(i, "key-" + new SplittableRandom(seed + i).nextInt(1000), 512);
    Run before = run(SnapshotPolicy.everyEntries(100), 10_000, large);
    for (double ratio : new double[] {1.0, 0.5, 2.0}) {
      Run now = run(new SnapshotPolicy(100, ratio, SnapshotPolicy.DEFAULT_LOG_BYTES), 10_000,
          large);
      String what = "ratio " + ratio + ": " + now.snapshotIndexes.size() + " snapshots, "
          + now.snapshotBytes + " snapshot bytes for " + now.logBytes + " log bytes (before: "
          + before.snapshotIndexes.size() + " snapshots, " + before.snapshotBytes + " bytes)";
      System.out.println("SnapshotPolicyTest " + what);
      // The bound of SnapshotPolicy: at most (1/ratio + 1) × the log's bytes, whatever the state.
      assertThat((double) now.snapshotBytes).as(what)
          .isLessThanOrEqualTo((1 / ratio + 1) * now.logBytes);
      assertThat(now.snapshotIndexes.size()).as(what)
          .isLessThanOrEqualTo(before.snapshotIndexes.size() / 4);
      assertThat(now.snapshotIndexes).as(what).isNotEmpty();
    }
    // The entry threshold alone breaks that bound by far: every 100 entries rewrite the state.
    assertThat(before.snapshotIndexes).hasSize(100);
    assertThat(before.snapshotBytes).isGreaterThan(5 * before.logBytes);
  }

  @Test
  void theLogStaysWithinItsByteBoundWithLargeEntries() {
    // 32 KiB values over 4 keys: 1,000 entries would be 32 MiB of log. With a 1 MiB log bound the
    // small state is snapshotted about every 32 entries, well below the entry threshold.
    LongFunction<byte[]> big = i -> put(i, "k" + (i % 4), 32 << 10);
    SnapshotPolicy policy = new SnapshotPolicy(1000, 1.0, 1 << 20);
    Run small = run(policy, 600, big);
    assertThat(small.worstExcess).isLessThanOrEqualTo(0);
    assertThat(small.snapshotIndexes).hasSizeGreaterThanOrEqualTo(600 / 33);
    assertThat(small.snapshotIndexes.get(0)).isLessThan(40);

    // A state larger than the bound (96 keys × 32 KiB = 3 MiB): the ratio wins, so the log grows
    // to about the state's size between snapshots (never rewriting 3 MiB every 1 MiB of writes),
    // and still no further.
    LongFunction<byte[]> wide = i -> put(i, "k" + (i % 96), 32 << 10);
    Run large = run(policy, 600, wide);
    assertThat(large.worstExcess).isLessThanOrEqualTo(0);
    assertThat((double) large.snapshotBytes).isLessThanOrEqualTo(2.0 * large.logBytes);
    assertThat(large.snapshotIndexes).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void theRuleItself() {
    SnapshotPolicy p = new SnapshotPolicy(1000, 1.0, 64 << 20);
    assertThat(p.due(999, 10L << 20, 1 << 10)).as("below the threshold and the bytes").isFalse();
    assertThat(p.due(1000, 10L << 20, 1 << 10)).as("small state at the threshold").isTrue();
    assertThat(p.due(5000, 10L << 20, 20L << 20)).as("large state: the ratio waits").isFalse();
    assertThat(p.due(5000, 20L << 20, 20L << 20)).as("the ratio met").isTrue();
    assertThat(p.due(10, 64L << 20, 1 << 10)).as("the byte bound below the threshold").isTrue();
    assertThat(p.due(10, 64L << 20, 128L << 20)).as("the ratio wins over the bound").isFalse();
    assertThat(p.due(0, 1L << 30, 0)).as("nothing applied").isFalse();
    assertThat(new SnapshotPolicy(0, 1.0, 1).due(10, 1L << 30, 0)).as("disabled").isFalse();
    assertThat(SnapshotPolicy.everyEntries(10).due(10, 1, 1L << 30)).isTrue();
  }
}
