package io.lattice.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.raft.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random programs of append / conflicting append (truncate) / compactUpTo / reset / roll / sync /
 * reopen against {@link SegmentedLogStore} with tiny segments, checked after every step against a
 * list-backed model of the log.
 *
 * <p>Reopening loses the logical first index that {@code compactUpTo} set (only whole segments are
 * deleted): the store then starts at the first index still in a file. The model keeps the entries
 * compacted away but possibly still on disk ("ghosts") and, after a reopen, requires the store to
 * start within them and to hold exactly them below the old first index.
 *
 * <p>Programs are generated from seeds; a failure names its program's seed, and
 * {@code -Dlattice.seed=S} runs just that program.
 */
class LogStoreModelTest {
  static final long SEGMENT = 1024;

  /** One step; its numbers are interpreted against the current state (so any list is valid). */
  record Op(int kind, int a, int b) {
    String describe() {
      int k = kind % 100;
      if (k < 35) {
        return "append";
      } else if (k < 50) {
        return "overwrite";
      } else if (k < 58) {
        return "compact";
      } else if (k < 63) {
        return "reset";
      } else if (k < 73) {
        return "roll";
      } else if (k < 85) {
        return "reopen";
      }
      return "sync";
    }
  }

  static List<Op> program(long seed) {
    Random r = new Random(seed);
    int n = 1 + r.nextInt(40);
    List<Op> ops = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      ops.add(new Op(r.nextInt(10000), r.nextInt(10000), r.nextInt(10000)));
    }
    return ops;
  }

  @Test
  void storeAgreesWithTheModelAfterEveryStepAndReopen() throws IOException {
    String one = System.getProperty("lattice.seed", "");
    if (!one.isBlank() && !one.startsWith("$")) {
      runProgram(Long.parseLong(one.trim()));
      return;
    }
    Random seeds = new Random(0x5EEDL);
    for (int t = 0; t < 300; t++) {
      runProgram(seeds.nextLong());
    }
  }

  private void runProgram(long seed) throws IOException {
    try {
      runProgram(program(seed));
    } catch (AssertionError | IOException | RuntimeException e) {
      throw new AssertionError("program seed " + seed + " failed (replay: -Dlattice.seed=" + seed
          + ")", e);
    }
  }

  private void runProgram(List<Op> program) throws IOException {
    Path dir = Files.createTempDirectory(StorageFixtures.scratchRoot(), "lattice-model-");
    Model model = new Model();
    SegmentedLogStore log = SegmentedLogStore.open(dir, StorageFixtures.NO_SYNC, SEGMENT);
    List<String> done = new ArrayList<>();
    try {
      for (Op op : program) {
        done.add(op.describe());
        log = apply(op, log, model, dir);
        check(log, model, done);
      }
      log = reopen(log, model, dir);
      check(log, model, done);
    } finally {
      log.close();
      StorageFixtures.deleteRecursively(dir);
    }
  }

  /** The log as it should be. */
  static final class Model {
    long first = 1;
    final List<Entry> entries = new ArrayList<>();
    /** Entries just below {@code first}, compacted away but perhaps still in a segment file. */
    final List<Entry> ghosts = new ArrayList<>();
    long term = 1;
    /** After reopening an empty log the store may have forgotten where the log continues. */
    boolean startForgotten;

    long last() {
      return first + entries.size() - 1;
    }

    Entry next(int size) {
      return StorageFixtures.entry(term, last() + 1, size);
    }
  }

  private SegmentedLogStore apply(Op op, SegmentedLogStore log, Model m, Path dir)
      throws IOException {
    int size = op.b() % 220;
    switch (op.describe()) {
      case "append" -> {
        List<Entry> batch = StorageFixtures.entries(m.last() + 1, m.last() + 1 + op.a() % 8, m.term,
            size);
        log.append(batch);
        m.entries.addAll(batch);
        m.startForgotten = false;
      }
      case "overwrite" -> {
        if (m.entries.isEmpty()) {
          return log;
        }
        m.term++;
        long at = m.first + op.a() % m.entries.size();
        List<Entry> batch = StorageFixtures.entries(at, at + op.b() % 5, m.term, op.a() % 150);
        log.append(batch);
        m.entries.subList((int) (at - m.first), m.entries.size()).clear();
        m.entries.addAll(batch);
      }
      case "compact" -> {
        long index = m.first - 1 + op.a() % (m.entries.size() + 3);
        log.compactUpTo(index);
        if (index < m.first) {
          break;
        }
        if (index >= m.last()) {
          m.entries.clear();
          m.ghosts.clear();
        } else {
          List<Entry> gone = m.entries.subList(0, (int) (index + 1 - m.first));
          m.ghosts.addAll(gone);
          gone.clear();
        }
        m.first = index + 1;
      }
      case "reset" -> {
        long after = Math.max(0, m.last() + op.a() % 21 - 10);
        log.reset(after);
        m.entries.clear();
        m.ghosts.clear();
        m.first = after + 1;
      }
      case "roll" -> {
        int sealed = StorageFixtures.sealedSegments(dir).size();
        for (int k = 0; k < 100 && StorageFixtures.sealedSegments(dir).size() == sealed; k++) {
          Entry e = m.next(size);
          log.append(List.of(e));
          m.entries.add(e);
          m.startForgotten = false;
        }
      }
      case "reopen" -> {
        return reopen(log, m, dir);
      }
      case "sync" -> log.sync();
      default -> throw new AssertionError(op);
    }
    return log;
  }

  private SegmentedLogStore reopen(SegmentedLogStore log, Model m, Path dir) throws IOException {
    log.close();
    SegmentedLogStore again = SegmentedLogStore.open(dir, StorageFixtures.NO_SYNC, SEGMENT);
    if (m.entries.isEmpty()) {
      assertThat(again.lastIndex()).as("an empty log reopens empty").isLessThan(again.firstIndex());
      m.startForgotten = true;
      return again;
    }
    long storeFirst = again.firstIndex();
    long lowest = m.first - m.ghosts.size();
    assertThat(storeFirst).as("first index after reopen").isBetween(lowest, m.first);
    if (storeFirst < m.first) {
      List<Entry> back = m.ghosts.subList((int) (storeFirst - lowest), m.ghosts.size());
      assertThat(again.read(storeFirst, m.first - 1)).as("compacted entries still on disk")
          .isEqualTo(back);
      m.entries.addAll(0, back);
    }
    m.ghosts.clear();
    m.first = storeFirst;
    return again;
  }

  private static void check(SegmentedLogStore log, Model m, List<String> done) throws IOException {
    String at = "after " + done;
    if (m.startForgotten) {
      assertThat(log.lastIndex()).as(at).isLessThan(log.firstIndex());
      return;
    }
    assertThat(log.firstIndex()).as(at + ": firstIndex").isEqualTo(m.first);
    assertThat(log.lastIndex()).as(at + ": lastIndex").isEqualTo(m.last());
    if (!m.entries.isEmpty()) {
      assertThat(log.read(m.first, m.last())).as(at + ": read").isEqualTo(m.entries);
      // a range that starts and ends inside the log
      int from = m.entries.size() / 3;
      int to = m.entries.size() - 1 - m.entries.size() / 4;
      assertThat(log.read(m.first + from, m.first + to)).as(at + ": read a part")
          .isEqualTo(m.entries.subList(from, to + 1));
    }
  }
}
