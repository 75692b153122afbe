package io.lattice.storage;

import static io.lattice.storage.StorageFixtures.readAll;
import static io.lattice.storage.StorageFixtures.sealedSegments;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.StorageFixtures.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Random damage to every kind of durable file, through the real stores: a bit flip at a random
 * offset, a truncation at a random offset, or a zeroed 4 KiB block (at a random or a block-aligned
 * offset). Whatever the damage, it is detected and reported, and nothing damaged is ever returned:
 *
 * <ul>
 *   <li>log: reopening either throws {@link CorruptStorageException} naming the file and the repair
 *       command (after which {@link LogRepair} leaves a log that opens with an intact prefix), or
 *       recovers a torn tail of raft.log with a warning, keeping exactly an intact prefix of what
 *       was written (never a changed entry, never a hole);
 *   <li>hard state: load throws {@link CorruptStorageException}, or returns exactly the saved state
 *       when the damage changed no byte;
 *   <li>snapshots: {@link FileSnapshotStore#latest()} skips a damaged snapshot (with a warning) and
 *       returns the older intact one, or nothing; never a damaged one.
 * </ul>
 *
 * Any other exception fails the test. Every case is a seed: a failure names it, {@code
 * -Dlattice.seed=S} replays that one case and {@code -Dlattice.seeds=N} runs N cases (default 600).
 */
class CorruptionFuzzTest {
  static final int DEFAULT_CASES = 600;

  enum Target { OPEN_SEGMENT, SEALED_SEGMENT, HARD_STATE, SNAPSHOT_NEWEST, SNAPSHOT_OLDER }

  enum Damage { BIT_FLIP, TRUNCATE, ZERO_BLOCK }

  private Path root;

  @BeforeEach
  void createRoot() throws IOException {
    root = Files.createTempDirectory(StorageFixtures.scratchRoot(), "lattice-corruption-");
  }

  @AfterEach
  void deleteRoot() {
    StorageFixtures.deleteRecursively(root);
  }

  private final Map<String, Integer> outcomes = new TreeMap<>();
  private final Map<Target, Long> millis = new TreeMap<>();

  @Test
  void randomDamageIsAlwaysDetectedAndNeverReturned() throws IOException {
    String replay = StorageFixtures.property("lattice.seed");
    String count = StorageFixtures.property("lattice.seeds");
    List<Long> seeds = new ArrayList<>();
    if (replay != null) {
      seeds.add(Long.parseLong(replay));
    } else {
      int n = count == null ? DEFAULT_CASES : Integer.parseInt(count);
      for (long s = 1; s <= n; s++) {
        seeds.add(s);
      }
    }
    for (long seed : seeds) {
      Path dir = root.resolve("case-" + seed);
      try {
        runCase(seed, dir);
      } catch (Throwable t) {
        throw new AssertionError("corruption case seed " + seed + " failed: " + t
            + "\n  replay: cd lattice-node && mvn -q test -Dtest=CorruptionFuzzTest -Dlattice.seed="
            + seed, t);
      } finally {
        StorageFixtures.deleteRecursively(dir);
      }
    }
    System.out.println("CorruptionFuzzTest: " + seeds.size() + " cases: " + outcomes
        + "; milliseconds by target: " + millis);
    if (replay == null) {
      assertThat(seeds.size()).isGreaterThanOrEqualTo(count == null ? 500 : 0);
    }
  }

  private void count(String outcome) {
    outcomes.merge(outcome, 1, Integer::sum);
  }

  private void runCase(long seed, Path dir) throws IOException {
    Random rnd = new Random(seed * 0x9E3779B97F4A7C15L);
    Target target = Target.values()[rnd.nextInt(Target.values().length)];
    if (rnd.nextInt(3) == 0) {
      target = Target.OPEN_SEGMENT; // raft.log is where torn tails and most damage meet
    }
    Damage damage = Damage.values()[rnd.nextInt(Damage.values().length)];
    Files.createDirectories(dir);
    long start = System.nanoTime();
    switch (target) {
      case OPEN_SEGMENT, SEALED_SEGMENT -> logCase(rnd, dir, target, damage);
      case HARD_STATE -> hardStateCase(rnd, dir, damage);
      case SNAPSHOT_NEWEST, SNAPSHOT_OLDER -> snapshotCase(rnd, dir, target, damage);
      default -> throw new AssertionError(target);
    }
    millis.merge(target, (System.nanoTime() - start) / 1_000_000, Long::sum);
  }

  /** Damages {@code file} in place; returns whether any byte changed. */
  private static boolean damage(Random rnd, Path file, Damage damage) throws IOException {
    byte[] before = Files.readAllBytes(file);
    byte[] after;
    int size = before.length;
    switch (damage) {
      case BIT_FLIP -> {
        after = before.clone();
        after[rnd.nextInt(size)] ^= (byte) (1 << rnd.nextInt(8));
      }
      case TRUNCATE -> after = Arrays.copyOf(before, rnd.nextInt(size));
      case ZERO_BLOCK -> {
        after = before.clone();
        int start = rnd.nextInt(size);
        if (rnd.nextBoolean()) {
          start = start / 4096 * 4096; // a whole disk block
        }
        Arrays.fill(after, start, Math.min(size, start + 4096), (byte) 0);
      }
      default -> throw new AssertionError(damage);
    }
    Files.write(file, after);
    return !Arrays.equals(before, after);
  }

  // ---------------------------------------------------------------- the log

  private void logCase(Random rnd, Path dir, Target target, Damage damage) throws IOException {
    long segmentBytes = 4096 + rnd.nextInt(12288);
    List<Entry> written = new ArrayList<>();
    try (SegmentedLogStore log = open(dir, segmentBytes)) {
      long term = 1;
      int appends = 10 + rnd.nextInt(50);
      for (int a = 0; a < appends; a++) {
        long next = written.size() + 1;
        if (!written.isEmpty() && rnd.nextInt(8) == 0) {
          // a conflicting append from a new leader: overwrite a suffix
          term++;
          next = Math.max(1, written.size() - rnd.nextInt(10));
        } else if (rnd.nextInt(10) == 0) {
          term++;
        }
        List<Entry> batch = StorageFixtures.randomEntries(rnd, next, next + rnd.nextInt(6), term,
            rnd.nextInt(4) == 0 ? 1000 : 200);
        log.append(batch);
        written.subList((int) next - 1, written.size()).clear();
        written.addAll(batch);
      }
      log.sync();
      assertThat(readAll(log)).isEqualTo(written);
    }
    List<Path> sealed = sealedSegments(dir);
    Path file = target == Target.SEALED_SEGMENT && !sealed.isEmpty()
        ? sealed.get(rnd.nextInt(sealed.size()))
        : dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
    boolean isOpenSegment = file.getFileName().toString().equals(SegmentedLogStore.OPEN_SEGMENT);
    boolean changed = damage(rnd, file, damage);
    String kind = (isOpenSegment ? "raft.log" : "sealed") + " " + damage;

    try (LogCapture logs = new LogCapture(SegmentedLogStore.class)) {
      SegmentedLogStore log;
      try {
        log = SegmentedLogStore.open(dir, StorageFixtures.NO_SYNC, segmentBytes);
      } catch (CorruptStorageException e) {
        assertThat(changed).isTrue();
        assertThat(e.file()).isEqualTo(file);
        assertThat(e.getMessage()).contains(file.toString())
            .contains("byte offset " + e.offset())
            .contains("lattice-node repair --data-dir " + dir);
        count("log: " + kind + ": corruption reported");
        repairAndCheck(dir, segmentBytes, written, damage, isOpenSegment);
        return;
      }
      try (log) {
        List<Entry> recovered = readAll(log);
        assertThat(log.firstIndex()).isEqualTo(1);
        assertIntactPrefix(recovered, written);
        if (recovered.size() < written.size()) {
          assertThat(isOpenSegment).as("only raft.log may lose a torn tail on open").isTrue();
          if (logs.warnings().isEmpty()) {
            // Cut exactly at a record boundary: indistinguishable from a shorter log.
            assertThat(damage).as("lost entries without a warning").isEqualTo(Damage.TRUNCATE);
            count("log: " + kind + ": clean cut at a record boundary");
          } else {
            assertThat(logs.warnings().get(0)).contains(file.toString()).contains("byte offset");
            count("log: " + kind + ": torn tail recovered");
          }
          // the store goes on where it was cut
          log.append(written.subList(recovered.size(), written.size()));
        } else if (changed && logs.warnings().stream().anyMatch(w -> w.contains("sync-mark slot"))) {
          // One of the two sync-mark slots: the other one holds, no entry is affected, and the
          // node says so (it cannot tell this from a torn write of the mark).
          assertThat(logs.warnings()).singleElement().asString().contains(file.toString());
          count("log: " + kind + ": damaged sync-mark slot reported, the other used");
        } else {
          assertThat(changed).as("undetected damage").isFalse();
          count("log: " + kind + ": nothing changed");
        }
      }
      try (SegmentedLogStore again =
          SegmentedLogStore.open(dir, StorageFixtures.NO_SYNC, segmentBytes)) {
        assertThat(readAll(again)).isEqualTo(written);
      }
    }
  }

  private void repairAndCheck(Path dir, long segmentBytes, List<Entry> written, Damage damage,
      boolean isOpenSegment) throws IOException {
    LogRepair.Result r = LogRepair.repair(dir, StorageFixtures.NO_SYNC);
    assertThat(r.repaired()).as("repair found the damage the store refused").isTrue();
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(r.lastIndexAfter());
    if (damage == Damage.BIT_FLIP || !isOpenSegment) {
      // one damaged record (or a sealed segment, named by its range): nothing unnoticed is lost
      assertThat(r.lastIndexBefore()).as("lastIndexBefore").isGreaterThanOrEqualTo(written.size());
    }
    try (LogCapture logs = new LogCapture(SegmentedLogStore.class);
        SegmentedLogStore log = open(dir, segmentBytes)) {
      List<Entry> recovered = readAll(log);
      assertIntactPrefix(recovered, written);
      assertThat(log.lastIndex()).isEqualTo(r.lastIndexAfter());
      // the repaired log goes on: the lost entries come back from the leader
      if (recovered.isEmpty()) {
        log.append(written);
      } else {
        log.append(written.subList(recovered.size(), written.size()));
      }
    }
    try (SegmentedLogStore log = open(dir, segmentBytes)) {
      assertThat(readAll(log)).isEqualTo(written);
    }
  }

  private static SegmentedLogStore open(Path dir, long segmentBytes) throws IOException {
    return SegmentedLogStore.open(dir, StorageFixtures.NO_SYNC, segmentBytes);
  }

  private static void assertIntactPrefix(List<Entry> recovered, List<Entry> written) {
    assertThat(recovered.size()).isLessThanOrEqualTo(written.size());
    assertThat(recovered).as("an intact prefix of what was written")
        .isEqualTo(written.subList(0, recovered.size()));
  }

  // ---------------------------------------------------------------- the hard state

  private void hardStateCase(Random rnd, Path dir, Damage damage) throws IOException {
    FileHardStateStore store = new FileHardStateStore(dir, StorageFixtures.NO_SYNC);
    HardState saved = null;
    for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
      saved = new HardState(1 + rnd.nextInt(1_000_000), randomVote(rnd),
          rnd.nextBoolean() ? 0 : rnd.nextInt(1 << 30));
      store.save(saved);
    }
    Path file = dir.resolve(FileHardStateStore.FILE_NAME);
    boolean changed = damage(rnd, file, damage);
    HardState loaded;
    try {
      loaded = new FileHardStateStore(dir, StorageFixtures.NO_SYNC).load();
    } catch (CorruptStorageException e) {
      assertThat(changed).isTrue();
      assertThat(e.file()).isEqualTo(file);
      assertThat(e.getMessage()).contains(file.toString());
      count("hardstate: " + damage + ": corruption reported");
      return;
    }
    assertThat(changed).as("undetected damage to the hard state, loaded " + loaded).isFalse();
    assertThat(loaded).isEqualTo(saved);
    count("hardstate: " + damage + ": nothing changed");
  }

  private static String randomVote(Random rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> null;
      case 1 -> "n" + rnd.nextInt(10);
      case 2 -> "node-" + Long.toHexString(rnd.nextLong()) + "-ünïcødé";
      default -> "x".repeat(1 + rnd.nextInt(300));
    };
  }

  // ---------------------------------------------------------------- snapshots

  private void snapshotCase(Random rnd, Path dir, Target target, Damage damage) throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, StorageFixtures.NO_SYNC);
    boolean two = target == Target.SNAPSHOT_OLDER || rnd.nextInt(4) != 0;
    long index = 1 + rnd.nextInt(1000);
    long term = 1 + rnd.nextInt(10);
    List<SnapshotStore.Snapshot> saved = new ArrayList<>();
    for (int k = two ? 2 : 1; k > 0; k--) {
      SnapshotMeta meta = new SnapshotMeta(index, term, randomMembership(rnd));
      byte[] data = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(20_000)];
      rnd.nextBytes(data);
      store.save(meta, data);
      saved.add(new SnapshotStore.Snapshot(meta, data));
      index += 1 + rnd.nextInt(1000);
      term += rnd.nextInt(3);
    }
    int damaged = target == Target.SNAPSHOT_OLDER ? 0 : saved.size() - 1;
    SnapshotMeta dm = saved.get(damaged).meta();
    Path file = store.directory().resolve(FileSnapshotStore.fileName(dm.term(), dm.index()));
    assertThat(file).exists();
    boolean changed = damage(rnd, file, damage);

    // reading the damaged file itself
    try {
      SnapshotStore.Snapshot s = FileSnapshotStore.read(file);
      assertThat(changed).as("undetected damage to a snapshot").isFalse();
      assertSameSnapshot(s, saved.get(damaged));
    } catch (CorruptStorageException e) {
      assertThat(changed).isTrue();
      assertThat(e.file()).isEqualTo(file);
    }

    // the store (reopened) never returns it
    Optional<SnapshotStore.Snapshot> latest;
    try (LogCapture logs = new LogCapture(FileSnapshotStore.class)) {
      latest = new FileSnapshotStore(dir, StorageFixtures.NO_SYNC).latest();
      SnapshotStore.Snapshot expected;
      if (!changed) {
        expected = saved.get(saved.size() - 1);
        assertThat(logs.warnings()).isEmpty();
      } else {
        boolean newestDamaged = damaged == saved.size() - 1;
        expected = newestDamaged ? (saved.size() == 2 ? saved.get(0) : null) : saved.get(1);
        if (newestDamaged) {
          assertThat(logs.warnings()).as("a skipped snapshot is reported").hasSize(1);
          assertThat(logs.warnings().get(0)).contains(file.toString());
        }
      }
      if (expected == null) {
        assertThat(latest).isEmpty();
      } else {
        assertThat(latest).isPresent();
        assertSameSnapshot(latest.get(), expected);
      }
    }
    count("snapshot: " + (damaged == saved.size() - 1 ? "newest" : "older") + " " + damage
        + (changed ? ": skipped" : ": nothing changed"));
  }

  private static Membership randomMembership(Random rnd) {
    List<Member> members = new ArrayList<>();
    for (int k = rnd.nextInt(6); k >= 0; k--) {
      String id = "n" + k + "-" + rnd.nextInt(1000);
      String address = "127.0.0." + (1 + rnd.nextInt(200)) + ":" + (7000 + rnd.nextInt(100));
      members.add(rnd.nextInt(4) == 0 ? Member.learner(id, address, rnd.nextBoolean())
          : Member.voter(id, address));
    }
    TreeMap<String, Member> m = new TreeMap<>();
    for (Member x : members) {
      m.put(x.id(), x);
    }
    return new Membership(m);
  }

  private static void assertSameSnapshot(SnapshotStore.Snapshot actual,
      SnapshotStore.Snapshot expected) {
    assertThat(actual.meta()).isEqualTo(expected.meta());
    assertThat(actual.data()).isEqualTo(expected.data());
  }
}
