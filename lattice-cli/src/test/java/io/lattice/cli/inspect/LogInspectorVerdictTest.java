package io.lattice.cli.inspect;

import static io.lattice.cli.inspect.LogInspectorTextTest.indexesPrinted;
import static io.lattice.cli.inspect.TestLogs.inspect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.SegmentLayout;
import io.lattice.format.LogRecord;
import io.lattice.storage.CorruptStorageException;
import io.lattice.storage.SegmentedLogStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verdicts on damaged logs, and that they agree with what the node's store decides on open: a
 * torn tail it truncates, corruption it refuses at the same file and offset.
 */
class LogInspectorVerdictTest {
  @TempDir Path tmp;

  @Test
  void aTornLastRecordIsATornTailAndSafe() throws Exception {
    Path dir = TestLogs.writeWithUnsyncedTail(tmp.resolve("data"), TestLogs.sample(), 1);
    Path log = dir.resolve("raft.log");
    long last = TestLogs.offsetOf(log, 9);
    TestLogs.truncate(log, last + 20); // the last record, cut mid-way

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isZero();
    assertThat(indexesPrinted(run)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(run.out()).contains("entries:   8 (indexes 1..8)");
    assertThat(run.outLines()).last().isEqualTo("verdict:   TORN TAIL at " + log + " offset " + last
        + ": incomplete last record: 20 of 51 bytes; truncating drops the last 20 bytes (no"
        + " complete entry), all written after the last sync (through byte offset " + last
        + ", index 8) (safe: the node truncates it on start)");
    assertThat(run.err()).isEmpty();
    // The node agrees: it opens the log and drops exactly that record.
    try (SegmentedLogStore store = SegmentedLogStore.open(copy(dir), TestLogs.NO_SYNC, 1 << 20)) {
      assertThat(store.lastIndex()).isEqualTo(8);
    }
  }

  @Test
  void withoutVerifyATornTailIsANoteOnStderr() throws Exception {
    Path dir = TestLogs.writeWithUnsyncedTail(tmp.resolve("data"), TestLogs.sample(), 1);
    Path log = dir.resolve("raft.log");
    long last = TestLogs.offsetOf(log, 9);
    TestLogs.truncate(log, Files.size(log) - 3);

    TestLogs.Run run = inspect(dir);

    assertThat(run.exit()).isZero();
    assertThat(run.out()).doesNotContain("verdict");
    assertThat(run.err()).startsWith("lattice log inspect: note: TORN TAIL at " + log + " offset "
        + last + ":");
  }

  @Test
  void aBitFlipInTheMiddleIsCorruptionWithPlaceAndRepairCommand() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path log = dir.resolve("raft.log");
    long offset = TestLogs.offsetOf(log, 5);
    TestLogs.flipBit(log, offset + 30);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(indexesPrinted(run)).containsExactly(1L, 2L, 3L, 4L); // nothing after the damage
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + log + " offset " + offset + " (index 5): checksum"
            + " mismatch")
        .endsWith(". Run: lattice-node repair --data-dir " + dir);
    // The node refuses the same file at the same offset.
    assertThatThrownBy(() -> SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 1 << 20))
        .isInstanceOfSatisfying(CorruptStorageException.class, e -> {
          assertThat(e.file()).isEqualTo(log);
          assertThat(e.offset()).isEqualTo(offset);
        });
  }

  @Test
  void withoutVerifyCorruptionStopsThePrintingAndIsReportedOnStderr() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path log = dir.resolve("raft.log");
    TestLogs.flipBit(log, TestLogs.offsetOf(log, 7) + 10); // inside the term field

    TestLogs.Run run = inspect(dir);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(indexesPrinted(run)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(run.err().lines().toList()).singleElement().asString()
        .startsWith("lattice log inspect: stopped at damage: CORRUPT at " + log)
        .contains("(index 7)")
        .endsWith("Run: lattice-node repair --data-dir " + dir);
  }

  @Test
  void filtersDoNotHideDamage() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path log = dir.resolve("raft.log");
    TestLogs.flipBit(log, TestLogs.offsetOf(log, 8) + 20);

    TestLogs.Run run = inspect(dir, new LogInspector.Options(1, 2, Set.of("config"), true, false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(indexesPrinted(run)).containsExactly(1L);
    assertThat(run.outLines()).last().asString().contains("CORRUPT", "(index 8)");
  }

  @Test
  void damageInASealedSegmentStopsTheLogThere() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    Path sealed = dir.resolve("raft-9-12.log");
    long offset = TestLogs.offsetOf(sealed, 11);
    TestLogs.flipBit(sealed, offset + 40);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("entries:   10 (indexes 1..10)",
        "  raft-9-12.log   indexes 9..10, 451 bytes",
        "  raft-13-16.log  not read (after the damage)",
        "  raft.log        not read (after the damage) (open)");
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + sealed + " offset " + offset + " (index 11)");
  }

  @Test
  void aTornEndOfASealedSegmentIsCorruption() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    Path sealed = dir.resolve("raft-5-8.log");
    long offset = TestLogs.offsetOf(sealed, 8);
    TestLogs.truncate(sealed, offset + 10);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + sealed + " offset " + offset + " (index 8)")
        .contains("in a sealed segment");
    assertThatThrownBy(() -> SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 380))
        .isInstanceOf(CorruptStorageException.class);
  }

  @Test
  void aMissingSegmentIsAGap() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    Files.delete(dir.resolve("raft-5-8.log"));

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("entries:   4 (indexes 1..4)");
    assertThat(run.outLines()).last().isEqualTo("verdict:   CORRUPT at "
        + dir.resolve("raft-9-12.log") + " offset " + SegmentLayout.V2_RECORDS_START + " (index 5): gap between"
        + " segments: raft-1-4.log ends at index 4 but raft-9-12.log starts at index 9. Run:"
        + " lattice-node repair --data-dir " + dir);
  }

  @Test
  void aSealedSegmentMustHoldWhatItsNameSays() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    Path misnamed = dir.resolve("raft-13-17.log");
    Files.move(dir.resolve("raft-13-16.log"), misnamed);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("entries:   12 (indexes 1..12)");
    assertThat(run.outLines()).last().asString().startsWith("verdict:   CORRUPT at " + misnamed
        + " offset 88 (index 13): sealed segment holds indexes 13..16 but its name says 13..17");
  }

  @Test
  void aTermGoingDownAcrossSegmentsIsCorruption() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("data"));
    TestLogs.writeSegment(dir.resolve("raft-1-2.log"), List.of(
        new LogRecord(LogRecord.KIND_NOOP, 1, 1, new byte[0]),
        new LogRecord(LogRecord.KIND_NOOP, 3, 2, new byte[0])));
    TestLogs.writeSegment(dir.resolve("raft.log"), List.of(
        new LogRecord(LogRecord.KIND_NOOP, 2, 3, new byte[0])));

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.outLines()).last().asString().startsWith("verdict:   CORRUPT at "
        + dir.resolve("raft.log") + " offset 8 (index 3): term 2 at index 3 is below term 3 at the"
        + " end of raft-1-2.log");
  }

  @Test
  void aDamagedHeaderInADataDirectoryIsCorruption() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path log = dir.resolve("raft.log");
    TestLogs.flipBit(log, 1);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + log + " offset 0: not a LOG_SEGMENT file");
  }

  @Test
  void theRepairCommandIsQuotedForTheShell() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("node 1's data"), TestLogs.sample());
    TestLogs.flipBit(dir.resolve("raft.log"), TestLogs.offsetOf(dir.resolve("raft.log"), 2) + 9);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.outLines()).last().asString()
        .endsWith("Run: lattice-node repair --data-dir '" + tmp + "/node 1'\\''s data'");
  }

  private Path copy(Path dir) throws Exception {
    Path to = Files.createDirectory(tmp.resolve("copy-" + dir.getFileName()));
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    return to;
  }
}
