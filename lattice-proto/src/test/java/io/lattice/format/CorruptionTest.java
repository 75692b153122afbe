package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.lattice.format.Fixtures.Scanned;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random damage to every kind of file, as a disk or a crash would do it: a flipped bit at a random
 * offset, a truncation at a random offset, a zeroed 4 KiB block at a random aligned offset. Every
 * case must be detected; none may be silently accepted or escape as an unexpected exception.
 *
 * <p>Seeded: a failure names its case; {@code -Dlattice.seed=N} runs another set of cases.
 */
class CorruptionTest {
  static final int LOG_CASES = 1500;
  static final int HARD_STATE_CASES = 1000;
  static final int SNAPSHOT_CASES = 1000;

  enum Damage { FLIP, TRUNCATE, ZERO_BLOCK }

  @TempDir
  Path dir;

  /** What was done to the bytes, for failure messages. */
  record Damaged(byte[] bytes, String what) {}

  static Damaged damage(Random rnd, Damage kind, byte[] original, int limit) {
    switch (kind) {
      case FLIP: {
        int at = rnd.nextInt(limit);
        int bit = rnd.nextInt(8);
        return new Damaged(Fixtures.flipBit(original, at, bit), "flip of bit " + bit + " at " + at);
      }
      case TRUNCATE: {
        int cut = rnd.nextInt(limit);
        return new Damaged(Fixtures.truncate(original, cut), "truncation to " + cut + " of " + original.length);
      }
      default: {
        int block = rnd.nextInt((limit - 1) / 4096 + 1) * 4096;
        return new Damaged(Fixtures.zeroBlock(original, block), "4 KiB of zeros at " + block);
      }
    }
  }


  /** Index of the first byte that differs, or -1 if identical. */
  static int firstDifference(byte[] a, byte[] b) {
    int m = Arrays.mismatch(a, b);
    return m;
  }

  // ------------------------------------------------------------------ log segments

  @Test
  void damagedLogSegmentsAreNeverSilentlyAccepted() {
    Map<LogProblem.Kind, Integer> seen = new EnumMap<>(LogProblem.Kind.class);
    int clean = 0;
    int damagedLengthsBeforeIntactRecords = 0;
    Path file = dir.resolve("raft.log");
    for (int i = 0; i < LOG_CASES; i++) {
      Random rnd = Fixtures.caseRandom(1, i);
      Damage kind = Damage.values()[i % 3];
      int maxPayload = rnd.nextInt(4) == 0 ? 2000 : 300;
      long first = rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(1_000_000);
      // zeroed blocks need segments of several blocks, or nearly all would hit the header
      int count = kind == Damage.ZERO_BLOCK ? 20 + rnd.nextInt(150) : 1 + rnd.nextInt(40);
      List<LogRecord> records = Fixtures.randomRecords(rnd, count, first, maxPayload);
      byte[] original = Fixtures.segment(records);
      Damaged d = damage(rnd, kind, original, original.length);
      String context = String.format("case %d (seed %d): %s of a %d-record, %d-byte segment", i,
          Fixtures.baseSeed(), d.what(), records.size(), original.length);
      Scanned s;
      try {
        s = Fixtures.scan(Fixtures.write(file, d.bytes()));
      } catch (RuntimeException | Error e) {
        throw new AssertionError(context + ": scanner threw " + e, e);
      }
      checkLog(context, kind, records, original, d.bytes(), s);
      if (kind == Damage.FLIP && s.scan().problem() != null && s.scan().problem().kind() == LogProblem.Kind.BAD_LENGTH
          && s.scan().records() < records.size() - 1) {
        damagedLengthsBeforeIntactRecords++;
      }
      if (s.scan().clean()) {
        clean++;
      } else {
        seen.merge(s.scan().problem().kind(), 1, Integer::sum);
      }
    }
    System.out.printf("CorruptionTest: %d log segment cases: %s, %d clean (cut at a record boundary), "
        + "%d flipped lengths before intact records%n", LOG_CASES, seen, clean, damagedLengthsBeforeIntactRecords);
    // the cases exercise the classifications that matter
    assertThat(seen).containsKeys(LogProblem.Kind.TORN_TAIL, LogProblem.Kind.CHECKSUM_MISMATCH,
        LogProblem.Kind.BAD_LENGTH, LogProblem.Kind.BAD_HEADER);
    assertThat(clean).as("clean scans (cuts at record boundaries)").isLessThan(LOG_CASES / 10);
    // and the case a torn-tail check gets wrong: a damaged length with intact records after it
    assertThat(damagedLengthsBeforeIntactRecords).as("flipped lengths before intact records").isPositive();
  }

  static void checkLog(String context, Damage kind, List<LogRecord> records, byte[] original, byte[] damaged,
      Scanned s) {
    long[] at = Fixtures.offsets(records);
    LogScan scan = s.scan();
    int d = firstDifference(original, damaged);
    if (d < 0) {
      assertThat(scan.clean()).as(context + ": identical bytes").isTrue();
      assertThat(s.records()).as(context).containsExactlyElementsOf(records);
      return;
    }
    // records entirely before the first damaged byte are intact and must all be reported; the one
    // holding that byte is damaged and must not be
    int intact = 0;
    while (intact < records.size() && at[intact + 1] <= d) {
      intact++;
    }
    int expected = d < FileHeader.SIZE ? 0 : intact;
    assertThat(s.records()).as(context + ": records reported").containsExactlyElementsOf(records.subList(0, expected));
    for (int i = 0; i < expected; i++) {
      assertThat(s.seen().get(i).offset()).as(context).isEqualTo(at[i]);
      assertThat(s.seen().get(i).framedSize()).as(context).isEqualTo((int) (at[i + 1] - at[i]));
    }
    assertThat(scan.records()).as(context).isEqualTo(expected);
    assertThat(scan.fileSize()).as(context).isEqualTo(damaged.length);

    boolean cutAtBoundary = kind == Damage.TRUNCATE && damaged.length == at[expected] && d >= FileHeader.SIZE;
    if (cutAtBoundary) {
      // A segment cut exactly between records is a valid, shorter segment: nothing in the format can
      // tell it from one whose later appends never happened. It must read as exactly that prefix.
      assertThat(scan.clean()).as(context + ": cut at a record boundary").isTrue();
      assertThat(scan.validEnd()).isEqualTo(damaged.length);
      return;
    }
    assertThat(scan.problem()).as(context + ": damage went unnoticed").isNotNull();
    LogProblem p = scan.problem();
    if (d < FileHeader.SIZE) {
      assertThat(p.kind()).as(context + ": " + p.describe())
          .isIn(LogProblem.Kind.BAD_HEADER, LogProblem.Kind.TORN_TAIL);
      if (p.kind() == LogProblem.Kind.TORN_TAIL) {
        assertThat(damaged.length).as(context + ": torn header only when shorter than a header")
            .isLessThan(FileHeader.SIZE);
      }
      assertThat(scan.validEnd()).isZero();
      return;
    }
    assertThat(scan.validEnd()).as(context).isEqualTo(at[expected]);
    assertThat(p.offset()).as(context).isEqualTo(at[expected]);
    assertThat(p.lastGoodIndex()).as(context).isEqualTo(expected == 0 ? 0 : records.get(expected - 1).index());
    if (p.kind() == LogProblem.Kind.TORN_TAIL) {
      // Recovery truncates a torn tail: that is only safe if no intact record lies beyond it.
      for (int m = expected + 1; m < records.size(); m++) {
        boolean survived = at[m + 1] <= damaged.length
            && Arrays.equals(original, (int) at[m], (int) at[m + 1], damaged, (int) at[m], (int) at[m + 1]);
        assertThat(survived).as(context + ": torn tail reported although record %d at %d is intact: %s", m, at[m],
            p.describe()).isFalse();
      }
      if (kind == Damage.FLIP) {
        // documented case: a flipped length in the last record that points past the end of the file
        assertThat(d - at[expected]).as(context + ": a flip is a torn tail only in a length field").isLessThan(4);
      }
    } else {
      assertThat(p.kind()).as(context + ": " + p.describe())
          .isIn(LogProblem.Kind.CHECKSUM_MISMATCH, LogProblem.Kind.BAD_LENGTH);
    }
  }

  // ------------------------------------------------------------------ hard state

  @Test
  void damagedHardStateIsNeverSilentlyAccepted() {
    int identical = 0;
    for (int i = 0; i < HARD_STATE_CASES; i++) {
      Random rnd = Fixtures.caseRandom(2, i);
      HardStateRecord hs = Fixtures.randomHardState(rnd);
      byte[] original = hs.encode();
      Damaged d = damage(rnd, Damage.values()[i % 3], original, original.length);
      String context = String.format("case %d (seed %d): %s of %s", i, Fixtures.baseSeed(), d.what(), hs);
      if (Arrays.equals(original, d.bytes())) {
        identical++;
        assertDecodes(context, () -> assertThat(HardStateRecord.decode(d.bytes())).isEqualTo(hs));
      } else {
        assertRejected(context, () -> HardStateRecord.decode(d.bytes()));
      }
    }
    assertThat(identical).isLessThan(HARD_STATE_CASES / 100);
  }

  // ------------------------------------------------------------------ snapshot headers

  @Test
  void damagedSnapshotHeadersAreNeverSilentlyAccepted() {
    for (int i = 0; i < SNAPSHOT_CASES; i++) {
      Random rnd = Fixtures.caseRandom(3, i);
      SnapshotHeader h = Fixtures.randomSnapshotHeader(rnd);
      byte[] header = h.encode();
      // the file: header, then data (damage is aimed at the header)
      byte[] original = Arrays.copyOf(header, header.length + rnd.nextInt(3000));
      Damaged d = damage(rnd, Damage.values()[i % 3], original, header.length);
      String context = String.format("case %d (seed %d): %s of a %d-byte snapshot header", i, Fixtures.baseSeed(),
          d.what(), header.length);
      byte[] damaged = d.bytes();
      if (Arrays.equals(original, 0, header.length, damaged, 0, Math.min(damaged.length, header.length))
          && damaged.length >= header.length) {
        assertDecodes(context, () -> assertThat(SnapshotHeader.decode(ByteBuffer.wrap(damaged)).encode()).isEqualTo(header));
        continue;
      }
      // as a reader sees the whole file
      assertRejected(context, () -> SnapshotHeader.decode(ByteBuffer.wrap(damaged)));
      // as the node reads it: the first 12 bytes say how much header to read, then decode that much
      assertRejected(context + " (two-step read)", () -> {
        int required = SnapshotHeader.requiredBytes(ByteBuffer.wrap(damaged, 0, Math.min(12, damaged.length)));
        SnapshotHeader.decode(ByteBuffer.wrap(damaged, 0, Math.min(required, damaged.length)).slice());
      });
    }
  }

  // ------------------------------------------------------------------ helpers

  interface Decode {
    void run() throws Exception;
  }

  static void assertRejected(String context, Decode decode) {
    try {
      decode.run();
    } catch (FormatException expected) {
      return;
    } catch (Throwable t) {
      throw new AssertionError(context + ": expected FormatException, got " + t, t);
    }
    fail(context + ": damage went unnoticed");
  }

  static void assertDecodes(String context, Decode decode) {
    try {
      decode.run();
    } catch (Throwable t) {
      throw new AssertionError(context + ": intact bytes failed to decode: " + t, t);
    }
  }
}
