package io.lattice.storage;

import static io.lattice.storage.StorageFixtures.entries;
import static io.lattice.storage.StorageFixtures.readAll;
import static io.lattice.storage.StorageFixtures.recordOffsets;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lattice.format.FileHeader;
import io.lattice.format.FileKind;
import io.lattice.format.LogRecordCodec;
import io.lattice.format.LogScan;
import io.lattice.format.LogScanner;
import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.storage.StorageFixtures.LogCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A torn write can only lose what came after the last sync; the sync mark in raft.log's header
 * tells it from a cut. A log cut short of its mark refuses to start (file, offset, what is lost,
 * the remedy), {@code lattice-node repair} accepts the loss explicitly, a torn unsynced tail is
 * still truncated on start, cutting a conflicting suffix or resetting the log lowers the mark
 * first, and a version-1 log is read as before.
 */
class CutLogRecoveryTest {
  /** Entries per group commit, as the node writes them (one append and one sync per Ready). */
  static final int BATCH = 10;

  Path dir;

  @BeforeEach
  void createDir() throws IOException {
    dir = Files.createTempDirectory(StorageFixtures.scratchRoot(), "lattice-cut-");
  }

  @AfterEach
  void deleteDir() {
    StorageFixtures.deleteRecursively(dir);
  }

  private Path openFile() {
    return dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
  }

  /** Writes {@code [1, last]} in synced batches, then {@code unsynced} more without a sync. */
  private void write(long last, int unsynced) throws IOException {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      for (long i = 1; i <= last; i += BATCH) {
        log.append(entries(i, Math.min(last, i + BATCH - 1), 1, 100));
        log.sync();
      }
      if (unsynced > 0) {
        log.append(entries(last + 1, last + unsynced, 1, 100));
      }
    }
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  @Test
  void aLogCutInHalfRefusesToStartAndSaysWhatIsLost() throws IOException {
    write(2160, 0);
    Path file = openFile();
    long size = Files.size(file);
    List<Long> offsets = recordOffsets(file);
    truncate(file, size / 2);
    int intact = 0;
    while (intact + 1 < offsets.size() && offsets.get(intact + 1) <= size / 2) {
      intact++;
    }
    // records 1..intact end at or before the cut; intact + 1 is the first one cut
    long validEnd = offsets.get(intact);

    CorruptStorageException e = catchThrowableOfType(
        () -> SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20), CorruptStorageException.class);

    assertThat(e).isNotNull();
    assertThat(e.file()).isEqualTo(file);
    assertThat(e.offset()).isEqualTo(validEnd);
    assertThat(e.getMessage())
        .contains("corrupt Raft log at index " + (intact + 1))
        .contains((2160 - intact) + " synced entries (indexes " + (intact + 1) + "..2160)")
        .contains((size - validEnd) + " bytes of synced records are missing")
        .contains("the file was cut")
        .contains("lattice-node repair --data-dir " + dir)
        .contains("to accept the loss");
    assertThat(Files.size(file)).as("the file is left as it is").isEqualTo(size / 2);
  }

  @Test
  void aCutOnARecordBoundaryRefusesToStartToo() throws IOException {
    write(100, 0);
    Path file = openFile();
    truncate(file, recordOffsets(file).get(60)); // indexes 61..100 gone, ends between records

    CorruptStorageException e = catchThrowableOfType(
        () -> SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20), CorruptStorageException.class);

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("40 synced entries (indexes 61..100)");
  }

  @Test
  void aTornUnsyncedBatchIsStillTruncatedOnStart() throws IOException {
    write(100, BATCH);
    Path file = openFile();
    List<Long> offsets = recordOffsets(file);
    long torn = offsets.get(102); // index 103 (a command: every 7th entry is an empty no-op), in
    // the unsynced batch 101..110
    truncate(file, torn + 40);

    try (LogCapture logs = new LogCapture(SegmentedLogStore.class);
        SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      assertThat(log.lastIndex()).isEqualTo(102);
      assertThat(readAll(log)).hasSize(102);
      assertThat(logs.warnings()).singleElement().asString()
          .contains("torn tail in " + file + " at byte offset " + torn)
          .contains("drops the last 40 bytes")
          .contains("the file was synced through byte offset " + offsets.get(100)
              + " (index 100)");
    }
    assertThat(Files.size(file)).isEqualTo(torn);
  }

  @Test
  void repairAcceptsTheCutAndTheMemberWaitsForWhatItLost() throws IOException {
    write(200, 0);
    new FileHardStateStore(dir, FileIo.SYSTEM).save(new HardState(1, null));
    Path file = openFile();
    List<Long> offsets = recordOffsets(file);
    truncate(file, offsets.get(120) + 7); // inside index 121

    DataDirRepair.Report report = DataDirRepair.repair(dir, FileIo.SYSTEM);

    assertThat(report.log().repaired()).isTrue();
    assertThat(report.log().offset()).isEqualTo(offsets.get(120));
    assertThat(report.log().lastIndexAfter()).isEqualTo(120);
    assertThat(report.log().lastIndexBefore()).as("known from the sync mark").isEqualTo(200);
    assertThat(report.after().noVoteBelow()).isEqualTo(200);
    assertThat(report.describe()).contains("this member will not vote until it has fetched"
        + " entries up to 200");
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      assertThat(log.lastIndex()).isEqualTo(120);
      log.append(entries(121, 130, 2, 100));
      log.sync();
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      assertThat(log.lastIndex()).isEqualTo(130);
    }
  }

  @Test
  void cuttingAConflictingSuffixLowersTheMarkBeforeTheFileIsCut() throws IOException {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      log.append(entries(1, 50, 1, 100));
      log.sync();
      log.append(entries(31, 32, 2, 100)); // cuts 31..50 at once; no sync after the append
    }
    Path file = openFile();
    LogScan scan = LogScanner.scan(file, (o, s, r) -> { }, false);
    assertThat(scan.syncMark().end()).isLessThanOrEqualTo(recordOffsets(file).get(30));

    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      assertThat(log.lastIndex()).isEqualTo(32);
      assertThat(log.read(31, 32)).extracting(Entry::term).containsExactly(2L, 2L);
    }
  }

  @Test
  void resettingTheLogLowersTheMark() throws IOException {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      log.append(entries(1, 50, 1, 100));
      log.sync();
      log.reset(500); // a snapshot installed from the leader
    }
    // Opens (an empty log: the node continues it after its snapshot), not cut short of its mark.
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      assertThat(log.lastIndex()).isZero();
      log.append(entries(501, 510, 2, 100));
      log.sync();
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 64L << 20)) {
      assertThat(log.firstIndex()).isEqualTo(501);
      assertThat(log.lastIndex()).isEqualTo(510);
    }
  }

  @Test
  void aVersionOneLogIsReadAsBeforeAndTheNextSegmentIsVersionTwo() throws IOException {
    List<Entry> written = entries(1, 20, 1, 100);
    int size = FileHeader.SIZE;
    for (Entry e : written) {
      size += LogRecordCodec.framedSize(e.data().length);
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    new FileHeader(FileKind.LOG_SEGMENT, 1).writeTo(buf);
    for (Entry e : written) {
      LogRecordCodec.write(buf, EntryRecords.toRecord(e));
    }
    Files.write(openFile(), buf.array());
    long cutAt = recordOffsets(openFile()).get(15) + 30; // inside index 16: a version-1 file
    truncate(openFile(), cutAt); // cannot tell this from a torn write, so it is truncated

    try (LogCapture logs = new LogCapture(SegmentedLogStore.class);
        SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 2000)) {
      assertThat(log.lastIndex()).isEqualTo(15);
      assertThat(logs.warnings()).singleElement().asString()
          .contains("format version 1 records no sync mark");
      log.append(entries(16, 20, 1, 100)); // still version 1: the file is written on as it is
      log.sync();
      log.append(entries(21, 40, 1, 100)); // past 2000 bytes it rolls: a new raft.log is started
      log.sync();
    }
    assertThat(LogScanner.scan(openFile(), (o, s, r) -> { }, false).formatVersion())
        .isEqualTo(FileKind.LOG_SEGMENT.currentVersion());
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 2000)) {
      assertThat(readAll(log)).hasSize(40);
    }
  }
}
