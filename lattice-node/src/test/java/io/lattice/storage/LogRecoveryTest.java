package io.lattice.storage;

import static io.lattice.storage.StorageFixtures.entries;
import static io.lattice.storage.StorageFixtures.entry;
import static io.lattice.storage.StorageFixtures.readAll;
import static io.lattice.storage.StorageFixtures.recordOffsets;
import static io.lattice.storage.StorageFixtures.sealedSegments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lattice.format.SegmentLayout;
import io.lattice.raft.Entry;
import io.lattice.storage.StorageFixtures.LogCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery on open (DESIGN §4): a torn tail of raft.log is truncated with a warning naming file
 * and offset; a complete record with a bad checksum anywhere is corruption that names file, offset,
 * index and the repair command; {@link LogRepair} then cuts the log at the first damaged record and
 * the store opens with the intact prefix.
 */
class LogRecoveryTest {
  static final int ENTRIES = 100;

  /** On tmpfs when there is one: the per-byte loops reopen the log hundreds of times. */
  Path dir;

  @BeforeEach
  void createDir() throws IOException {
    dir = Files.createTempDirectory(StorageFixtures.scratchRoot(), "lattice-recovery-");
  }

  @AfterEach
  void deleteDir() {
    StorageFixtures.deleteRecursively(dir);
  }

  private Path openFile() {
    return dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
  }

  /**
   * Writes entries 1..{@link #ENTRIES} with single appends, one sync before the last entry (which
   * is the unsynced batch a crash may tear) and none after it; closes.
   */
  private List<Entry> writeLog(long segmentBytes) throws IOException {
    List<Entry> written = new ArrayList<>();
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, segmentBytes)) {
      for (Entry e : entries(1, ENTRIES, 1, 150)) {
        if (e.index() == ENTRIES) {
          log.sync();
        }
        log.append(List.of(e));
        written.add(e);
      }
    }
    return written;
  }

  private SegmentedLogStore open(long segmentBytes) throws IOException {
    return SegmentedLogStore.open(dir, StorageFixtures.NO_SYNC, segmentBytes);
  }

  private static void flipBit(Path file, long offset, int bit) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[(int) offset] ^= (byte) (1 << bit);
    Files.write(file, b);
  }

  private static long firstIndexOf(Path sealed) {
    Matcher m = SegmentedLogStore.SEALED_NAME.matcher(sealed.getFileName().toString());
    assertThat(m.matches()).isTrue();
    return Long.parseLong(m.group(1));
  }

  // ---------------------------------------------------------------- torn tails

  @ParameterizedTest(name = "segment size {0}")
  @ValueSource(longs = {4096, 1 << 20})
  void tornTailAtEveryByteOfTheLastRecordIsTruncatedWithAWarning(long segmentBytes)
      throws IOException {
    List<Entry> written = writeLog(segmentBytes);
    Path file = openFile();
    byte[] original = Files.readAllBytes(file);
    List<Long> offsets = recordOffsets(file);
    long lastStart = offsets.get(offsets.size() - 1);
    assertThat(original.length - lastStart).as("the last record is a big one").isGreaterThan(100);
    if (segmentBytes == 4096) {
      assertThat(sealedSegments(dir)).as("raft.log follows sealed segments").isNotEmpty();
    }

    try (LogCapture logs = new LogCapture(SegmentedLogStore.class)) {
      for (long len = lastStart; len < original.length; len++) {
        Files.write(file, Arrays.copyOf(original, (int) len));
        logs.clear();
        try (SegmentedLogStore log = open(segmentBytes)) {
          String at = "cut at " + len + " of " + original.length;
          assertThat(log.lastIndex()).as(at).isEqualTo(ENTRIES - 1);
          assertThat(log.firstIndex()).as(at).isEqualTo(1);
          assertThat(readAll(log)).as(at).isEqualTo(written.subList(0, ENTRIES - 1));
          assertThat(Files.size(file)).as(at + ": truncated to the last intact record")
              .isEqualTo(lastStart);
          if (len == lastStart) {
            assertThat(logs.warnings()).as(at + ": a clean cut needs no repair").isEmpty();
          } else {
            assertThat(logs.warnings()).as(at).hasSize(1);
            assertThat(logs.warnings().get(0)).as(at)
                .contains(file.toString()).contains("byte offset " + lastStart);
          }
          // the log goes on where it was cut
          log.append(List.of(written.get(ENTRIES - 1)));
        }
      }
    }
    try (SegmentedLogStore log = open(segmentBytes)) {
      assertThat(readAll(log)).isEqualTo(written);
    }
  }

  @ParameterizedTest(name = "segment size {0}")
  @ValueSource(longs = {4096, 1 << 20})
  void trailingZerosAreATornTail(long segmentBytes) throws IOException {
    List<Entry> written = writeLog(segmentBytes);
    Path file = openFile();
    byte[] original = Files.readAllBytes(file);
    byte[] withZeros = Arrays.copyOf(original, original.length + 4096);
    Files.write(file, withZeros);
    try (LogCapture logs = new LogCapture(SegmentedLogStore.class);
        SegmentedLogStore log = open(segmentBytes)) {
      assertThat(readAll(log)).isEqualTo(written);
      assertThat(Files.size(file)).isEqualTo(original.length);
      assertThat(logs.warnings()).hasSize(1);
      assertThat(logs.warnings().get(0))
          .contains(file.toString()).contains("byte offset " + original.length);
    }
  }

  @Test
  void aRaftLogShorterThanItsHeaderIsRecreatedAfterTheSealedSegments() throws IOException {
    List<Entry> written = writeLog(4096);
    Path file = openFile();
    List<Long> offsets = recordOffsets(file);
    long firstInOpen = ENTRIES - offsets.size() + 1;
    Files.write(file, new byte[] {0x4C, 0x54, 0x4C}); // 3 bytes of the magic
    try (LogCapture logs = new LogCapture(SegmentedLogStore.class);
        SegmentedLogStore log = open(4096)) {
      assertThat(log.lastIndex()).isEqualTo(firstInOpen - 1);
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) firstInOpen - 1));
      assertThat(Files.size(file)).isEqualTo(SegmentLayout.V2_RECORDS_START);
      assertThat(logs.warnings()).hasSize(1);
      log.append(written.subList((int) firstInOpen - 1, ENTRIES));
    }
  }

  // ---------------------------------------------------------------- corruption

  @Test
  void badChecksumInRaftLogRefusesToOpenAndRepairKeepsTheIntactPrefix() throws IOException {
    List<Entry> written = writeLog(4096);
    Path file = openFile();
    List<Long> offsets = recordOffsets(file);
    assertThat(offsets.size()).isGreaterThanOrEqualTo(4);
    int k = offsets.size() / 2;
    long recordStart = offsets.get(k);
    long index = ENTRIES - offsets.size() + 1 + k;
    flipBit(file, recordStart + 20, 3); // the index field

    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertCorruptionMessage(e, file, recordStart, index);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.repaired()).isTrue();
    assertThat(r.file()).isEqualTo(file);
    assertThat(r.offset()).isEqualTo(recordStart);
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(index - 1);
    assertThat(r.removed()).isEmpty();
    try (SegmentedLogStore log = open(4096)) {
      assertThat(log.lastIndex()).isEqualTo(index - 1);
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) index - 1));
      log.append(written.subList((int) index - 1, ENTRIES));
    }
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written);
    }
  }

  @Test
  void badChecksumInASealedSegmentRefusesToOpenAndRepairDropsEverythingAfterIt()
      throws IOException {
    List<Entry> written = writeLog(4096);
    List<Path> sealed = sealedSegments(dir);
    assertThat(sealed).hasSizeGreaterThanOrEqualTo(3);
    Path file = sealed.get(1);
    List<Long> offsets = recordOffsets(file);
    long recordStart = offsets.get(2);
    long index = firstIndexOf(file) + 2;
    flipBit(file, recordStart + 12, 0); // the term field

    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertCorruptionMessage(e, file, recordStart, index);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.repaired()).isTrue();
    assertThat(r.file()).isEqualTo(file);
    assertThat(r.offset()).isEqualTo(recordStart);
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(index - 1);
    List<Path> expectedRemoved = new ArrayList<>(sealed.subList(2, sealed.size()));
    expectedRemoved.add(openFile());
    assertThat(r.removed()).containsExactlyInAnyOrderElementsOf(expectedRemoved);
    assertThat(sealedSegments(dir)).containsExactly(sealed.get(0));
    try (SegmentedLogStore log = open(4096)) {
      assertThat(log.lastIndex()).isEqualTo(index - 1);
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) index - 1));
      for (Entry x : written.subList((int) index - 1, ENTRIES)) {
        log.append(List.of(x));
      }
    }
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written);
    }
  }

  @Test
  void badChecksumInTheLastRecordOfRaftLogIsCorruptionAndRepairRemembersItsIndex()
      throws IOException {
    List<Entry> written = writeLog(4096);
    Path file = openFile();
    List<Long> offsets = recordOffsets(file);
    long recordStart = offsets.get(offsets.size() - 1);
    flipBit(file, recordStart + 5, 7); // the stored checksum

    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertCorruptionMessage(e, file, recordStart, ENTRIES);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    // the damaged record held index 60: a repaired node must not vote until it has it again
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(ENTRIES - 1);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written.subList(0, ENTRIES - 1));
    }
  }

  @Test
  void aDamagedLengthInTheMiddleIsNotMistakenForATornTail() throws IOException {
    List<Entry> written = writeLog(1 << 20);
    Path file = openFile();
    List<Long> offsets = recordOffsets(file);
    long recordStart = offsets.get(20);
    byte[] b = Files.readAllBytes(file);
    ByteBuffer.wrap(b).putInt((int) recordStart, 1 << 20); // runs past the end of the file
    Files.write(file, b);

    // truncating there would silently drop 40 durable (acknowledged) entries
    CorruptStorageException e =
        catchThrowableOfType(() -> open(1 << 20), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertCorruptionMessage(e, file, recordStart, 21);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(20);
    try (SegmentedLogStore log = open(1 << 20)) {
      assertThat(readAll(log)).isEqualTo(written.subList(0, 20));
    }
  }

  @Test
  void aTornSealedSegmentIsCorruption() throws IOException {
    List<Entry> written = writeLog(4096);
    List<Path> sealed = sealedSegments(dir);
    Path file = sealed.get(0);
    long size = Files.size(file);
    Files.write(file, Arrays.copyOf(Files.readAllBytes(file), (int) size - 7));
    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.getMessage()).contains("lattice-node repair --data-dir " + dir);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(log.lastIndex()).isEqualTo(r.lastIndexAfter());
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) r.lastIndexAfter()));
      assertThat(r.lastIndexAfter()).isEqualTo(firstIndexOf(sealed.get(1)) - 2);
    }
  }

  @Test
  void aSealedSegmentCutAtARecordBoundaryIsCorruptionAndRepairable() throws IOException {
    List<Entry> written = writeLog(4096);
    List<Path> sealed = sealedSegments(dir);
    Path file = sealed.get(1);
    List<Long> offsets = recordOffsets(file);
    byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, offsets.get(3).intValue())); // keeps 3 intact records
    long lastKept = firstIndexOf(file) + 2;

    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.getMessage()).contains("its name says");

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.repaired()).isTrue();
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(lastKept);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) lastKept));
    }

    // and cut right after its header: no records at all
    StorageFixtures.deleteRecursively(dir);
    written = writeLog(4096);
    sealed = sealedSegments(dir);
    Files.write(sealed.get(0), Arrays.copyOf(Files.readAllBytes(sealed.get(0)),
        SegmentLayout.V2_RECORDS_START));
    assertThat(catchThrowableOfType(() -> open(4096), CorruptStorageException.class)).isNotNull();
    r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.repaired()).isTrue();
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(0);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(log.lastIndex()).isLessThan(log.firstIndex());
    }
  }

  @Test
  void aMissingSegmentIsAGap() throws IOException {
    List<Entry> written = writeLog(4096);
    List<Path> sealed = sealedSegments(dir);
    long missingFirst = firstIndexOf(sealed.get(1));
    Files.delete(sealed.get(1));
    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("gap").contains("index " + missingFirst)
        .contains("lattice-node repair --data-dir " + dir);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(missingFirst - 1);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) missingFirst - 1));
    }
  }

  @Test
  void aTermGoingBackwardsBetweenSegmentsIsCorruptionAndRepairCutsThere() throws IOException {
    List<Entry> written = new ArrayList<>();
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 4096)) {
      for (Entry e : entries(1, 80, 5, 150)) {
        log.append(List.of(e));
        written.add(e);
      }
      log.sync();
    }
    List<Path> sealed = sealedSegments(dir);
    Path second = sealed.get(1);
    long first = firstIndexOf(second);
    // The same indexes in term 3, as if copied in from another server's log: every checksum holds.
    Path other = Files.createTempDirectory(StorageFixtures.scratchRoot(), "lattice-other-");
    try {
      try (SegmentedLogStore log = SegmentedLogStore.open(other, FileIo.SYSTEM, 4096)) {
        for (Entry e : entries(first, 80, 3, 150)) {
          log.append(List.of(e));
        }
        log.sync();
      }
      Path replacement = sealedSegments(other).get(0);
      for (Path later : sealed.subList(1, sealed.size())) {
        Files.delete(later);
      }
      Files.delete(openFile());
      Files.copy(replacement, dir.resolve(replacement.getFileName()));
    } finally {
      StorageFixtures.deleteRecursively(other);
    }

    CorruptStorageException e =
        catchThrowableOfType(() -> open(4096), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("term goes backwards").contains("index " + first)
        .contains("lattice-node repair --data-dir " + dir);

    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.repaired()).isTrue();
    assertThat(r.lastIndexAfter()).isEqualTo(first - 1);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written.subList(0, (int) first - 1));
    }
  }

  @Test
  void aDamagedHeaderIsCorruption() throws IOException {
    writeLog(1 << 20);
    Path file = openFile();
    flipBit(file, 1, 2); // the magic
    CorruptStorageException e =
        catchThrowableOfType(() -> open(1 << 20), CorruptStorageException.class);
    assertThat(e).isNotNull();
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.offset()).isEqualTo(0);
    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.lastIndexBefore()).isGreaterThanOrEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(0);
    try (SegmentedLogStore log = open(1 << 20)) {
      assertThat(log.lastIndex()).isLessThan(log.firstIndex());
    }
  }

  @Test
  void repairOfAnIntactLogChangesNothing() throws IOException {
    List<Entry> written = writeLog(4096);
    List<String> before = StorageFixtures.fileNames(dir);
    LogRepair.Result r = LogRepair.repair(dir, FileIo.SYSTEM);
    assertThat(r.repaired()).isFalse();
    assertThat(r.lastIndexBefore()).isEqualTo(ENTRIES);
    assertThat(r.lastIndexAfter()).isEqualTo(ENTRIES);
    assertThat(StorageFixtures.fileNames(dir)).isEqualTo(before);
    try (SegmentedLogStore log = open(4096)) {
      assertThat(readAll(log)).isEqualTo(written);
    }
  }

  @Test
  void aRecordDamagedAfterOpenIsReportedByReadAsCorruption() throws IOException {
    writeLog(4096);
    try (SegmentedLogStore log = open(4096)) {
      Path file = sealedSegments(dir).get(0);
      long recordStart = recordOffsets(file).get(4);
      flipBit(file, recordStart + 24, 1);
      CorruptStorageException e =
          catchThrowableOfType(() -> log.read(1, ENTRIES), CorruptStorageException.class);
      assertThat(e).isNotNull();
      assertCorruptionMessage(e, file, recordStart, 5);
      // the rest of the log is still readable
      assertThat(log.read(6, ENTRIES)).hasSize(ENTRIES - 5);
      assertThat(log.read(1, 4)).isEqualTo(entries(1, 4, 1, 150));
      log.append(List.of(entry(1, ENTRIES + 1, 3)));
    }
  }

  private void assertCorruptionMessage(CorruptStorageException e, Path file, long offset,
      long index) {
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.offset()).isEqualTo(offset);
    assertThat(e.getMessage())
        .contains(file.toString())
        .contains("byte offset " + offset)
        .contains("index " + index)
        .contains("lattice-node repair --data-dir " + dir);
  }
}
