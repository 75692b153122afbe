package io.lattice.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.raft.HardState;
import io.lattice.raft.LogIndex;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hard state that is missing from a server that has run, or damaged: the node refuses to start
 * and names the file and the repair, and {@code lattice-node repair --term} writes one in which the
 * server cannot vote again in a term it may have voted in.
 */
class HardStateLossTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve(FileHardStateStore.FILE_NAME);
  }

  private FileHardStateStore store() {
    return new FileHardStateStore(dir, FileIo.SYSTEM);
  }

  private void writeLog(long from, long to, long term) throws IOException {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 1 << 20)) {
      log.append(StorageFixtures.entries(from, to, term, 40));
      log.sync();
    }
  }

  private String repairCommand() {
    return "'lattice-node repair --data-dir " + dir + " --term T'";
  }

  // ---------------------------------------------------------------- on start

  @Test
  void aMissingFileIsANewServerOnlyWhileLogAndSnapshotsAreEmpty() throws IOException {
    assertThat(store().loadOnStart(LogIndex.NONE, LogIndex.NO_TERM)).isEqualTo(HardState.INITIAL);
    assertThat(file()).doesNotExist();

    assertThatThrownBy(() -> store().loadOnStart(20, 3))
        .isInstanceOfSatisfying(CorruptStorageException.class, e -> {
          assertThat(e.file()).isEqualTo(file());
          assertThat(e.offset()).isEqualTo(CorruptStorageException.NO_OFFSET);
        })
        .hasMessage("the hard state (term and vote) is missing, but the log and snapshots hold"
            + " entries up to index 20 (term 3) [file " + file() + "]. The node will not start"
            + " without its last term and vote: it may have voted in a term after its last"
            + " entry's, and could then vote twice in one term. If the whole cluster is being"
            + " restored from a backup, copy the backup's hardstate file into " + dir + "."
            + " Otherwise, with the node stopped, read the highest TERM that 'lattice status'"
            + " shows for the other members and run " + repairCommand() + " with it: the node"
            + " will start in a term above T, in which it cannot have voted.");
  }

  @Test
  void aSavedHardStateIsLoadedOnStartWhateverTheLogHolds() throws IOException {
    HardState saved = new HardState(5, "b", 0);
    store().save(saved);
    assertThat(store().loadOnStart(20, 3)).isEqualTo(saved);
    // older than the log (a whole cluster restored from a backup): loaded as it is, the core
    // raises the term
    assertThat(store().loadOnStart(900, 9)).isEqualTo(saved);
  }

  @Test
  void anEmptyHardStateFileIsDamageNamingFileOffsetAndRepair() throws IOException {
    Files.write(file(), new byte[0]);
    assertThatThrownBy(() -> store().loadOnStart(LogIndex.NONE, LogIndex.NO_TERM))
        .isInstanceOfSatisfying(CorruptStorageException.class,
            e -> assertThat(e.offset()).isZero())
        .hasMessageStartingWith("the hard state (term and vote) is damaged: file is shorter than"
            + " its 8-byte header [file " + file() + ", byte offset 0]. It is replaced"
            + " atomically, so this is disk damage. The node will not start without its last term"
            + " and vote")
        .hasMessageContaining(repairCommand());
  }

  @Test
  void aTruncatedHardStateFileIsDamageAtItsEnd() throws IOException {
    store().save(new HardState(7, "node-b", 0));
    byte[] whole = Files.readAllBytes(file());
    for (int len = 1; len < whole.length; len++) {
      Files.write(file(), Arrays.copyOf(whole, len));
      int n = len;
      assertThatThrownBy(() -> store().load())
          .as("cut to %d of %d bytes", len, whole.length)
          .isInstanceOfSatisfying(CorruptStorageException.class,
              e -> assertThat(e.offset()).isBetween(0L, (long) n))
          .hasMessageContaining("the hard state (term and vote) is damaged: ")
          .hasMessageContaining("[file " + file() + ", byte offset ")
          .hasMessageContaining(repairCommand());
    }
    Files.write(file(), Arrays.copyOf(whole, whole.length - 1));
    assertThatThrownBy(() -> store().load())
        .hasMessageContaining("is truncated (" + (whole.length - 1) + " bytes)");
  }

  // ---------------------------------------------------------------- repair

  @Test
  void repairWithoutATermRefusesAndChangesNothing() throws IOException {
    writeLog(1, 20, 3);
    byte[] log = Files.readAllBytes(dir.resolve(SegmentedLogStore.OPEN_SEGMENT));
    assertThatThrownBy(() -> DataDirRepair.repair(dir, FileIo.SYSTEM))
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageStartingWith("the hard state (term and vote) is missing, but the log holds"
            + " 20 entries [file " + file() + "].")
        .hasMessageContaining(repairCommand());
    assertThat(file()).doesNotExist();
    assertThat(Files.readAllBytes(dir.resolve(SegmentedLogStore.OPEN_SEGMENT))).isEqualTo(log);
  }

  @Test
  void repairWritesATermAboveTheClustersWithNoVote() throws IOException {
    writeLog(1, 20, 3);
    DataDirRepair.Report r = DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(8));
    assertThat(r.changed()).isTrue();
    assertThat(r.before()).isNull();
    assertThat(r.after()).isEqualTo(new HardState(9, null, LogIndex.NONE));
    assertThat(store().load()).isEqualTo(r.after());
    assertThat(r.describe())
        .startsWith("The hard state " + file() + " was missing, but the log holds 20 entries:"
            + " wrote a new one in term 9, with no vote. No term this member can have voted in is"
            + " above 8 (the higher of --term 8 and the highest term in its log and snapshots,"
            + " 3), so it will not vote again in any of them.")
        .endsWith(" The log is intact (last index 20).");
    // and now the node may start
    assertThat(store().loadOnStart(20, 3)).isEqualTo(r.after());
  }

  @Test
  void repairNeverWritesATermBelowItsOwnLogOrSnapshots() throws IOException {
    writeLog(1, 20, 3);
    new FileSnapshotStore(dir, FileIo.SYSTEM).save(
        new SnapshotMeta(10, 6, Membership.ofVoterIds("a", "b", "c")), new byte[] {1, 2, 3});
    DataDirRepair.Report r = DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(0));
    assertThat(r.after()).isEqualTo(new HardState(7, null, LogIndex.NONE));
    assertThat(r.rewrite().storedTerm()).isEqualTo(6);
    assertThat(r.rewrite().problem()).isEqualTo("was missing, but the log holds 20 entries and"
        + " there is a snapshot, " + dir.resolve("snapshots").resolve("snap-6-10.snap"));
  }

  @Test
  void aSnapshotAloneShowsThatTheServerHasRun() throws IOException {
    new FileSnapshotStore(dir, FileIo.SYSTEM).save(
        new SnapshotMeta(50, 7, Membership.ofVoterIds("a")), new byte[] {1});
    assertThatThrownBy(() -> DataDirRepair.repair(dir, FileIo.SYSTEM))
        .hasMessageStartingWith("the hard state (term and vote) is missing, but there is a"
            + " snapshot, ");
    assertThat(DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(12)).after())
        .isEqualTo(new HardState(13, null, LogIndex.NONE));
  }

  @Test
  void repairRewritesADamagedHardState() throws IOException {
    writeLog(1, 5, 2);
    store().save(new HardState(11, "c", 0));
    try (RandomAccessFile f = new RandomAccessFile(file().toFile(), "rw")) {
      f.seek(10);
      int b = f.read();
      f.seek(10);
      f.write(b ^ 0x01);
    }
    assertThatThrownBy(() -> DataDirRepair.repair(dir, FileIo.SYSTEM))
        .hasMessageContaining("is damaged").hasMessageContaining(repairCommand());
    DataDirRepair.Report r = DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(11));
    assertThat(r.rewrite().problem()).startsWith("was damaged at byte offset ");
    assertThat(r.after()).isEqualTo(new HardState(12, null, LogIndex.NONE));
    assertThat(store().load()).isEqualTo(r.after());
  }

  @Test
  void aMissingHardStateAndACorruptLogAreRepairedTogether() throws IOException {
    writeLog(1, 20, 4);
    Path log = dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
    long at = StorageFixtures.recordOffsets(log).get(10) + 30; // inside record 11's payload
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x40);
    }
    assertThatThrownBy(() -> DataDirRepair.repair(dir, FileIo.SYSTEM))
        .hasMessageContaining("is missing, but the log holds 10 entries");
    DataDirRepair.Report r = DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(5));
    assertThat(r.log().lastIndexAfter()).isEqualTo(10);
    // one above the cluster's term, no vote, and the log repair's mark as well
    assertThat(r.after()).isEqualTo(new HardState(6, null, 20));
    assertThat(store().load()).isEqualTo(r.after());
    assertThat(r.describe()).contains("wrote a new one in term 6").contains("Truncated " + log)
        .contains("will not vote until it has fetched entries up to 20");
  }

  @Test
  void aNewDataDirectoryNeedsNoHardStateAndGetsNone() throws IOException {
    DataDirRepair.Report r = DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(4));
    assertThat(r.changed()).isFalse();
    assertThat(r.describe()).contains("nothing to repair").contains("--term was not used");
    assertThat(file()).doesNotExist();
  }

  @Test
  void anIntactHardStateIsKeptWhenATermIsGiven() throws IOException {
    writeLog(1, 3, 1);
    store().save(new HardState(4, "b", 0));
    DataDirRepair.Report r = DataDirRepair.repair(dir, FileIo.SYSTEM, OptionalLong.of(40));
    assertThat(r.changed()).isFalse();
    assertThat(r.after()).isEqualTo(new HardState(4, "b", 0));
    assertThat(store().load()).isEqualTo(new HardState(4, "b", 0));
    assertThat(r.describe()).isEqualTo("The log is intact (last index 3): nothing to repair."
        + " The hard state is intact as well, so --term was not used.");
  }
}
