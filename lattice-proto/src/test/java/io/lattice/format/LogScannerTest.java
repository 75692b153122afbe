package io.lattice.format;

import static io.lattice.format.Fixtures.offsets;
import static io.lattice.format.Fixtures.record;
import static io.lattice.format.Fixtures.segment;
import static io.lattice.format.Fixtures.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.Fixtures.Scanned;
import io.lattice.format.LogProblem.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogScannerTest {

  @TempDir
  Path dir;

  private Path file(byte[] bytes) {
    return write(dir.resolve("raft.log"), bytes);
  }

  private Scanned scan(byte[] bytes) {
    return Fixtures.scan(file(bytes));
  }

  /** The scan reported exactly {@code expected} (at their offsets) and stopped after them. */
  private static void assertPrefix(Scanned s, List<LogRecord> all, int count) {
    List<LogRecord> expected = all.subList(0, count);
    long[] at = offsets(all);
    assertThat(s.records()).containsExactlyElementsOf(expected);
    for (int i = 0; i < count; i++) {
      assertThat(s.seen().get(i).offset()).as("offset of record %d", i).isEqualTo(at[i]);
      assertThat(s.seen().get(i).framedSize()).as("framed size of record %d", i).isEqualTo((int) (at[i + 1] - at[i]));
    }
    LogScan scan = s.scan();
    assertThat(scan.records()).isEqualTo(count);
    assertThat(scan.validEnd()).isEqualTo(at[count]);
    assertThat(scan.firstIndex()).isEqualTo(count == 0 ? 0 : expected.get(0).index());
    assertThat(scan.firstTerm()).isEqualTo(count == 0 ? 0 : expected.get(0).term());
    assertThat(scan.lastIndex()).isEqualTo(count == 0 ? 0 : expected.get(count - 1).index());
    assertThat(scan.lastTerm()).isEqualTo(count == 0 ? 0 : expected.get(count - 1).term());
    if (scan.problem() != null) {
      assertThat(scan.problem().offset()).isEqualTo(at[count]);
      assertThat(scan.problem().lastGoodIndex()).isEqualTo(scan.lastIndex());
    }
  }

  private static void assertProblem(Scanned s, Kind kind) {
    assertThat(s.scan().problem()).as("problem").isNotNull();
    assertThat(s.scan().problem().kind()).as("%s", s.scan().problem().describe()).isEqualTo(kind);
    assertThat(s.scan().clean()).isFalse();
    assertThat(s.scan().tornTail()).isEqualTo(kind == Kind.TORN_TAIL);
    assertThat(s.scan().corrupt()).isEqualTo(kind != Kind.TORN_TAIL);
  }

  private static List<LogRecord> sampleRecords() {
    List<LogRecord> records = new ArrayList<>(Fixtures.randomRecords(new Random(Fixtures.baseSeed()), 30, 1, 300));
    records.set(4, new LogRecord(LogRecord.KIND_NOOP, records.get(4).term(), 5, new byte[0])); // empty payload
    return records;
  }

  // ------------------------------------------------------------------ intact files

  @Test
  void cleanScanReportsEveryRecordWithItsOffsetAndSize() {
    List<LogRecord> records = sampleRecords();
    byte[] bytes = segment(records);
    Scanned s = scan(bytes);
    assertThat(s.scan().clean()).isTrue();
    assertThat(s.scan().problem()).isNull();
    assertThat(s.scan().formatVersion()).isEqualTo(1);
    assertThat(s.scan().fileSize()).isEqualTo(bytes.length);
    assertThat(s.scan().validEnd()).isEqualTo(bytes.length);
    assertThat(s.scan().file()).isEqualTo(dir.resolve("raft.log"));
    assertPrefix(s, records, records.size());
    assertThat(s.scan().firstIndex()).isEqualTo(1);
    assertThat(s.scan().lastIndex()).isEqualTo(30);
  }

  @Test
  void sealedSegmentMayStartAtAnyIndexAndRepeatTerms() {
    List<LogRecord> records = List.of(record(4, 1001, "a"), record(4, 1002, "b"), record(4, 1003, ""),
        record(9, 1004, "d"));
    Scanned s = scan(segment(records));
    assertThat(s.scan().clean()).isTrue();
    assertPrefix(s, records, 4);
    assertThat(s.scan().firstTerm()).isEqualTo(4);
    assertThat(s.scan().lastTerm()).isEqualTo(9);
  }

  @Test
  void headerOnlySegmentIsCleanAndEmpty() {
    Scanned s = scan(segment(List.of()));
    assertThat(s.scan().clean()).isTrue();
    assertPrefix(s, List.of(), 0);
    assertThat(s.scan().validEnd()).isEqualTo(FileHeader.SIZE);
  }

  @Test
  void scanningDoesNotChangeTheFile() throws IOException {
    byte[] bytes = segment(sampleRecords());
    byte[] torn = Arrays.copyOf(bytes, bytes.length - 3);
    Path f = file(torn);
    Fixtures.scan(f);
    assertThat(Files.readAllBytes(f)).isEqualTo(torn);
  }

  // ------------------------------------------------------------------ torn tails

  /** Cut the file at every length from the start of the last record to its end. */
  @Test
  void tornTailAtEveryByteOfTheLastRecord() {
    for (List<LogRecord> records : List.of(sampleRecords(), List.of(record(3, 1, "only-record")))) {
      byte[] bytes = segment(records);
      long[] at = offsets(records);
      int last = records.size() - 1;
      for (int cut = (int) at[last]; cut <= bytes.length; cut++) {
        Scanned s = scan(Arrays.copyOf(bytes, cut));
        if (cut == at[last]) {
          assertThat(s.scan().clean()).as("cut at the record boundary %d", cut).isTrue();
          assertPrefix(s, records, last);
        } else if (cut == bytes.length) {
          assertThat(s.scan().clean()).isTrue();
          assertPrefix(s, records, last + 1);
        } else {
          assertProblem(s, Kind.TORN_TAIL);
          assertPrefix(s, records, last);
          assertThat(s.scan().validEnd()).as("cut at %d", cut).isEqualTo(at[last]);
          assertThat(s.scan().fileSize()).isEqualTo(cut);
        }
      }
    }
  }

  /** Every cut of a whole segment: a clean prefix at record boundaries, else a torn tail. */
  @Test
  void everyTruncationIsACleanPrefixOrATornTail() {
    List<LogRecord> records = Fixtures.randomRecords(new Random(Fixtures.baseSeed() + 7), 12, 40, 40);
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    int complete = 0;
    for (int cut = 0; cut <= bytes.length; cut++) {
      while (complete < records.size() && at[complete + 1] <= cut) {
        complete++;
      }
      Scanned s = scan(Arrays.copyOf(bytes, cut));
      if (cut < FileHeader.SIZE) {
        assertProblem(s, Kind.TORN_TAIL);
        assertThat(s.scan().validEnd()).isZero();
        assertThat(s.seen()).isEmpty();
      } else if (cut == at[complete]) {
        assertThat(s.scan().clean()).as("cut %d", cut).isTrue();
        assertPrefix(s, records, complete);
      } else {
        assertProblem(s, Kind.TORN_TAIL);
        assertPrefix(s, records, complete);
      }
    }
  }

  @Test
  void trailingZerosAreATornTail() {
    List<LogRecord> records = sampleRecords();
    byte[] bytes = segment(records);
    for (int zeros : new int[] {1, 7, 8, 25, 4096, 3 << 20}) {
      Scanned s = scan(Arrays.copyOf(bytes, bytes.length + zeros));
      assertProblem(s, Kind.TORN_TAIL);
      assertPrefix(s, records, records.size());
      assertThat(s.scan().problem().detail()).as("%d zeros", zeros).contains("zero");
    }
  }

  @Test
  void headerFollowedOnlyByZerosIsATornTail() {
    Scanned s = scan(Arrays.copyOf(segment(List.of()), FileHeader.SIZE + 4096));
    assertProblem(s, Kind.TORN_TAIL);
    assertPrefix(s, List.of(), 0);
  }

  @Test
  void fileShorterThanItsHeaderIsATornTail() {
    byte[] header = FileHeader.current(FileKind.LOG_SEGMENT).toBytes();
    for (int n = 0; n < FileHeader.SIZE; n++) {
      for (byte[] bytes : new byte[][] {Arrays.copyOf(header, n), new byte[n]}) {
        Scanned s = scan(bytes);
        assertProblem(s, Kind.TORN_TAIL);
        assertThat(s.scan().validEnd()).isZero();
        assertThat(s.scan().records()).isZero();
        assertThat(s.scan().formatVersion()).isZero();
        assertThat(s.seen()).isEmpty();
      }
    }
  }

  // ------------------------------------------------------------------ bad headers

  @Test
  void wrongMagicIsABadHeader() {
    List<LogRecord> records = List.of(record(1, 1, "a"));
    for (FileKind other : new FileKind[] {FileKind.HARD_STATE, FileKind.SNAPSHOT}) {
      Scanned s = scan(segment(FileHeader.current(other).toBytes(), records));
      assertProblem(s, Kind.BAD_HEADER);
      assertThat(s.scan().problem().detail()).contains(other.name());
      assertThat(s.seen()).isEmpty();
      assertThat(s.scan().validEnd()).isZero();
    }
    byte[] garbage = segment(records);
    garbage[0] = 'X';
    assertProblem(scan(garbage), Kind.BAD_HEADER);
  }

  @Test
  void unsupportedVersionIsABadHeader() {
    List<LogRecord> records = List.of(record(1, 1, "a"));
    for (int version : new int[] {0, FileKind.LOG_SEGMENT.currentVersion() + 1, 0xFFFF}) {
      Scanned s = scan(segment(new FileHeader(FileKind.LOG_SEGMENT, version).toBytes(), records));
      assertProblem(s, Kind.BAD_HEADER);
      assertThat(s.scan().problem().offset()).isEqualTo(4);
      assertThat(s.scan().problem().detail()).contains("version " + version);
      assertThat(s.seen()).isEmpty();
    }
  }

  @Test
  void nonZeroReservedHeaderBytesAreABadHeader() {
    byte[] bytes = segment(List.of(record(1, 1, "a")));
    bytes[7] = 1;
    assertProblem(scan(bytes), Kind.BAD_HEADER);
  }

  // ------------------------------------------------------------------ damaged records

  /** Every single-bit flip in a record followed by intact records is corruption, never a torn tail. */
  @Test
  void bitFlipAnywhereInAMiddleRecordIsCorruption() {
    List<LogRecord> records = new ArrayList<>(sampleRecords().subList(0, 7));
    records.set(3, new LogRecord(LogRecord.KIND_COMMAND, records.get(3).term(), 4, "forty bytes of payload, give or take....".getBytes(StandardCharsets.UTF_8)));
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    for (int pos = (int) at[3]; pos < at[4]; pos++) {
      for (int bit = 0; bit < 8; bit++) {
        Scanned s = scan(Fixtures.flipBit(bytes, pos, bit));
        assertThat(s.scan().problem()).as("flip of bit %d at %d", bit, pos).isNotNull();
        assertThat(s.scan().problem().kind()).as("flip of bit %d at %d: %s", bit, pos, s.scan().problem().describe())
            .isIn(Kind.CHECKSUM_MISMATCH, Kind.BAD_LENGTH);
        assertPrefix(s, records, 3);
      }
    }
  }

  /**
   * A flip in the last record is never accepted. It is corruption, except in one case: a flip in
   * the length field that makes the record claim more bytes than the file holds looks exactly like
   * an interrupted write of a longer record (nothing intact follows it), so it is a torn tail. That
   * record was never acknowledged as far as the file can tell; either way it is not reported.
   */
  @Test
  void bitFlipInTheLastRecordIsNeverAccepted() {
    List<LogRecord> records = sampleRecords().subList(0, 5);
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    int tornCount = 0;
    for (int pos = (int) at[4]; pos < at[5]; pos++) {
      for (int bit = 0; bit < 8; bit++) {
        Scanned s = scan(Fixtures.flipBit(bytes, pos, bit));
        assertThat(s.scan().clean()).as("flip of bit %d at %d", bit, pos).isFalse();
        assertPrefix(s, records, 4);
        if (s.scan().tornTail()) {
          tornCount++;
          assertThat(pos - at[4]).as("torn tail only from a flip in the length field").isLessThan(4);
          assertThat(ByteBuffer.wrap(Fixtures.flipBit(bytes, pos, bit)).getInt((int) at[4]) + 8L)
              .isGreaterThan(bytes.length - at[4]);
        }
      }
    }
    assertThat(tornCount).as("the documented case occurs").isPositive();
  }

  /** The case a scanner that trusts lengths gets wrong: truncating here would drop intact records. */
  @Test
  void damagedLengthThatRunsPastTheEndIsNotATornTailWhenIntactRecordsFollow() {
    List<LogRecord> records = sampleRecords().subList(0, 6);
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    for (int victim : new int[] {0, 2, 4}) {
      byte[] damaged = Fixtures.flipBit(bytes, (int) at[victim] + 1, 4); // length += 1 MiB
      Scanned s = scan(damaged);
      assertProblem(s, Kind.BAD_LENGTH);
      assertPrefix(s, records, victim);
      assertThat(s.scan().problem().detail()).contains("intact record follows at byte offset " + at[victim + 1]);
    }
  }

  @Test
  void impossibleLengthsAreBadLength() {
    List<LogRecord> records = List.of(record(1, 1, "a"), record(1, 2, "b"), record(1, 3, "c"));
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    for (int length : new int[] {0, 1, LogRecordCodec.BODY_HEADER - 1, LogRecordCodec.MAX_BODY + 1, -1,
        Integer.MIN_VALUE}) {
      byte[] damaged = bytes.clone();
      ByteBuffer.wrap(damaged).putInt((int) at[1], length);
      Scanned s = scan(damaged);
      assertProblem(s, Kind.BAD_LENGTH);
      assertPrefix(s, records, 1);
    }
  }

  @Test
  void zeroedLengthAndChecksumBeforeNonZeroBytesAreCorruption() {
    List<LogRecord> records = List.of(record(1, 1, "a"), record(1, 2, "b"), record(1, 3, "c"));
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    Arrays.fill(bytes, (int) at[1], (int) at[1] + 8, (byte) 0);
    Scanned s = scan(bytes);
    assertProblem(s, Kind.BAD_LENGTH);
    assertPrefix(s, records, 1);
  }

  @Test
  void zeroedRecordBodyIsAChecksumMismatch() {
    List<LogRecord> records = List.of(record(1, 1, "abc"), record(1, 2, "def"), record(1, 3, "ghi"));
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    Arrays.fill(bytes, (int) at[1] + 8, (int) at[2], (byte) 0);
    Scanned s = scan(bytes);
    assertProblem(s, Kind.CHECKSUM_MISMATCH);
    assertPrefix(s, records, 1);
    assertThat(s.scan().problem().describe()).contains("raft.log").contains("offset " + at[1])
        .contains("after index 1");
  }

  // ------------------------------------------------------------------ valid checksums, wrong contents

  @Test
  void indexGapIsReported() {
    List<LogRecord> records = List.of(record(1, 1, "a"), record(1, 2, "b"), record(1, 4, "d"), record(1, 5, "e"));
    Scanned s = scan(segment(records));
    assertProblem(s, Kind.INDEX_GAP);
    assertPrefix(s, records, 2);
    assertThat(s.scan().problem().detail()).contains("index 4 follows index 2");
  }

  @Test
  void repeatedOrBackwardsIndexIsAGap() {
    for (long third : new long[] {2, 1, -3}) {
      List<LogRecord> records = List.of(record(1, 1, "a"), record(1, 2, "b"), record(1, third, "c"));
      Scanned s = scan(segment(records));
      assertProblem(s, Kind.INDEX_GAP);
      assertPrefix(s, records, 2);
    }
  }

  @Test
  void firstIndexBelowOneIsAGap() {
    for (long first : new long[] {0, -1, Long.MIN_VALUE}) {
      List<LogRecord> records = List.of(record(1, first, "a"), record(1, first + 1, "b"));
      Scanned s = scan(segment(records));
      assertProblem(s, Kind.INDEX_GAP);
      assertPrefix(s, records, 0);
    }
  }

  @Test
  void termGoingBackwardsIsReported() {
    List<LogRecord> records = List.of(record(2, 1, "a"), record(5, 2, "b"), record(5, 3, "c"), record(4, 4, "d"));
    Scanned s = scan(segment(records));
    assertProblem(s, Kind.TERM_BACKWARDS);
    assertPrefix(s, records, 3);
    assertThat(s.scan().problem().detail()).contains("term 4").contains("term 5");
  }

  @Test
  void unknownKindIsReported() {
    for (int kind : new int[] {LogRecord.KIND_CONFIG + 1, 0x7F, 0xFF}) {
      List<LogRecord> records = List.of(record(1, 1, "a"), new LogRecord(kind, 1, 2, new byte[] {1}), record(1, 3, "c"));
      Scanned s = scan(segment(records));
      assertProblem(s, Kind.UNKNOWN_KIND);
      assertPrefix(s, records, 1);
      assertThat(s.scan().problem().detail()).contains("kind " + kind);
    }
  }

  @Test
  void everyKnownKindIsAccepted() {
    List<LogRecord> records = List.of(new LogRecord(LogRecord.KIND_NOOP, 1, 1, new byte[0]),
        new LogRecord(LogRecord.KIND_COMMAND, 1, 2, new byte[] {1}),
        new LogRecord(LogRecord.KIND_CONFIG, 1, 3, MembershipCodec.encode(List.of(new MemberRecord("n1", "a", true, false)))));
    Scanned s = scan(segment(records));
    assertThat(s.scan().clean()).isTrue();
    assertPrefix(s, records, 3);
  }

  // ------------------------------------------------------------------ large records and chunking

  @Test
  void recordsLargerThanTheReadChunkScanCorrectly() {
    Random rnd = new Random(Fixtures.baseSeed());
    List<LogRecord> records = List.of(record(1, 1, "small"),
        new LogRecord(LogRecord.KIND_COMMAND, 1, 2, Fixtures.randomBytes(rnd, 3 << 20)),
        record(1, 3, "between"),
        new LogRecord(LogRecord.KIND_COMMAND, 2, 4, Fixtures.randomBytes(rnd, (5 << 19) + 3)),
        new LogRecord(LogRecord.KIND_COMMAND, 2, 5, Fixtures.randomBytes(rnd, (1 << 20) - 20)),
        record(2, 6, "last"));
    byte[] bytes = segment(records);
    Scanned s = scan(bytes);
    assertThat(s.scan().clean()).isTrue();
    assertPrefix(s, records, records.size());

    // torn inside the big record, and a flip inside it
    long[] at = offsets(records);
    Scanned torn = scan(Arrays.copyOf(bytes, (int) at[1] + (2 << 20)));
    assertProblem(torn, Kind.TORN_TAIL);
    assertPrefix(torn, records, 1);
    Scanned flipped = scan(Fixtures.flipBit(bytes, (int) at[1] + (2 << 20) + 5, 3));
    assertProblem(flipped, Kind.CHECKSUM_MISMATCH);
    assertPrefix(flipped, records, 1);
  }

  @Test
  void manySmallRecordsAcrossReadChunkBoundaries() {
    List<LogRecord> records = Fixtures.randomRecords(new Random(Fixtures.baseSeed() + 3), 8000, 1, 600);
    byte[] bytes = segment(records);
    assertThat(bytes.length).isGreaterThan(2 << 20);
    Scanned s = scan(bytes);
    assertThat(s.scan().clean()).isTrue();
    assertPrefix(s, records, records.size());
    // damage a record that straddles the first chunk boundary
    long[] at = offsets(records);
    int straddling = 0;
    while (at[straddling + 1] <= (1 << 20)) {
      straddling++;
    }
    Scanned damaged = scan(Fixtures.flipBit(bytes, (int) at[straddling + 1] - 1, 0));
    assertProblem(damaged, Kind.CHECKSUM_MISMATCH);
    assertPrefix(damaged, records, straddling);
  }

  @Test
  void problemsDescribeFileOffsetAndLastGoodIndex() {
    List<LogRecord> records = List.of(record(1, 7, "a"), record(1, 8, "b"));
    byte[] bytes = segment(records);
    long[] at = offsets(records);
    Scanned torn = scan(Arrays.copyOf(bytes, bytes.length - 1));
    assertThat(torn.scan().problem().describe()).startsWith("torn tail in ").contains("raft.log")
        .contains("byte offset " + at[1]).contains("after index 7");
    Scanned corrupt = scan(Fixtures.flipBit(bytes, bytes.length - 1, 0));
    assertThat(corrupt.scan().problem().describe()).startsWith("corrupt log ").contains("checksum mismatch");
    assertThat(corrupt.scan().problem().isCorruption()).isTrue();
  }
}
