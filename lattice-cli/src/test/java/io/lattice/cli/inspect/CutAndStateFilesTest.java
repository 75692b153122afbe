package io.lattice.cli.inspect;

import static io.lattice.cli.inspect.TestLogs.inspect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lattice.format.LogScanner;
import io.lattice.format.SnapshotDataWriter;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.CorruptStorageException;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SegmentedLogStore;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log cut short of what was synced is corruption, a torn unsynced tail is not, and {@code
 * --verify} checks the snapshots and the hard state too: verdicts, exit codes, and that the node
 * decides the same on open.
 */
class CutAndStateFilesTest {
  @TempDir Path tmp;

  /** Record offsets of {@code log} by index, plus the end of the last record. */
  private static List<Long> offsets(Path log) throws Exception {
    List<Long> at = new ArrayList<>();
    long[] end = {0};
    LogScanner.scan(log, (offset, size, r) -> {
      at.add(offset);
      end[0] = offset + size;
    }, false);
    at.add(end[0]);
    return at;
  }

  @Test
  void aLogCutInHalfIsCorruptionThatSaysWhatWasLost() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.puts(1, 200, 1));
    Path log = dir.resolve("raft.log");
    List<Long> at = offsets(log);
    long size = Files.size(log);
    TestLogs.truncate(log, size / 2);
    int intact = 0;
    while (at.get(intact + 1) <= size / 2) {
      intact++; // records 1..intact end at or before the cut
    }
    long validEnd = at.get(intact);
    long lost = 200 - intact;

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).doesNotContain("INDEX"); // the verdict, not every entry
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + log + " offset " + validEnd + " (index "
            + (intact + 1) + "): the records end at byte offset " + validEnd
            + " but the file was synced through byte offset " + size + " (index 200): " + lost
            + " synced entries (indexes " + (intact + 1) + "..200) and " + (size - validEnd)
            + " bytes of synced records are missing or incomplete.")
        .contains("this is not a torn write: the file was cut")
        .endsWith("Run: lattice-node repair --data-dir " + dir);

    // The node refuses to start on it, naming the file, the offset and the remedy.
    assertThatThrownBy(() -> SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 1 << 20))
        .isInstanceOf(CorruptStorageException.class)
        .satisfies(e -> {
          CorruptStorageException c = (CorruptStorageException) e;
          assertThat(c.file()).isEqualTo(log);
          assertThat(c.offset()).isEqualTo(validEnd);
        })
        .hasMessageContaining(lost + " synced entries")
        .hasMessageContaining("lattice-node repair --data-dir " + dir);
    assertThat(Files.size(log)).isEqualTo(size / 2); // and leaves the file as it was
  }

  @Test
  void aCutOnARecordBoundaryIsCorruptionToo() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.puts(1, 30, 1));
    Path log = dir.resolve("raft.log");
    TestLogs.truncate(log, TestLogs.offsetOf(log, 21));

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("entries:   20 (indexes 1..20)")
        .contains("10 synced entries (indexes 21..30)");
    assertThatThrownBy(() -> SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 1 << 20))
        .isInstanceOf(CorruptStorageException.class);
  }

  @Test
  void aTornUnsyncedTailIsSafeAndTheNodeTruncatesIt() throws Exception {
    Path dir = TestLogs.writeWithUnsyncedTail(tmp.resolve("data"), TestLogs.puts(1, 20, 1), 5);
    Path log = dir.resolve("raft.log");
    long synced = TestLogs.offsetOf(log, 16);
    long torn = TestLogs.offsetOf(log, 18);
    long framed = TestLogs.offsetOf(log, 19) - torn;
    TestLogs.truncate(log, torn + 30); // the crash tore the unsynced batch inside index 18

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isZero();
    assertThat(run.outLines()).last().isEqualTo("verdict:   TORN TAIL at " + log + " offset "
        + torn + ": incomplete last record: 30 of " + framed + " bytes; truncating drops the last 30 bytes"
        + " (no complete entry), all written after the last sync (through byte offset " + synced
        + ", index 15) (safe: the node truncates it on start)");
    try (SegmentedLogStore store = SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 1 << 20)) {
      assertThat(store.lastIndex()).isEqualTo(17);
    }
    assertThat(Files.size(log)).isEqualTo(torn);
  }

  @Test
  void verifyListsEntriesOnlyWhenAsked() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    TestLogs.Run plain = inspect(dir, TestLogs.verifyOnly(false));
    TestLogs.Run withEntries = inspect(dir, TestLogs.verify());

    assertThat(plain.exit()).isZero();
    assertThat(plain.out()).doesNotContain("INDEX");
    assertThat(LogInspectorTextTest.indexesPrinted(withEntries)).hasSize(9);
    assertThat(plain.outLines()).contains("hardstate: OK (term 4, no vote)", "snapshot:  none");
    assertThat(plain.outLines()).last().isEqualTo("verdict:   OK");
  }

  // ---------------------------------------------------------------- snapshots and hard state

  private static byte[] snapshotData(long index) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SnapshotDataWriter w = new SnapshotDataWriter(out, index, 2, 0)) {
      w.key(TestLogs.utf8("a"), TestLogs.utf8("one"), 1, 1, 1);
      w.key(TestLogs.utf8("b"), TestLogs.utf8("two"), 2, 2, 1);
      w.finish();
    }
    return out.toByteArray();
  }

  /** A data directory with a log from index 1 to 20 and a snapshot at index 10, term 1. */
  private Path withSnapshot() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.puts(1, 20, 1));
    new FileSnapshotStore(dir, TestLogs.NO_SYNC).save(
        new SnapshotMeta(10, 1, Membership.ofVoterIds("n1", "n2", "n3")), snapshotData(10));
    return dir;
  }

  private static Path snapshotFile(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("snapshots"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".snap")).findFirst()
          .orElseThrow();
    }
  }

  @Test
  void anIntactSnapshotAndHardStateVerify() throws Exception {
    Path dir = withSnapshot();
    Path snap = snapshotFile(dir);

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isZero();
    assertThat(run.outLines()).contains("hardstate: OK (term 1, no vote)",
        "snapshot:  snap-1-10.snap OK (index 10, term 1, 3 members, 2 keys, " + Files.size(snap)
            + " bytes)");
    assertThat(run.outLines()).last().isEqualTo("verdict:   OK");
  }

  @Test
  void aDamagedSnapshotFailsVerification() throws Exception {
    Path dir = withSnapshot();
    Path snap = snapshotFile(dir);
    long size = Files.size(snap);
    TestLogs.flipBit(snap, size - 5); // inside the data: the header is intact

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).containsPattern(
        "snapshot:  snap-1-10\\.snap DAMAGED at offset \\d+: damaged snapshot: snapshot data"
            + " checksum mismatch \\(stored [0-9a-f]{8}, computed [0-9a-f]{8}\\)");
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + snap + " offset ")
        .contains("snapshot data checksum mismatch")
        .contains("The node skips a damaged snapshot and starts from an older one, or gets one"
            + " from the leader");

    JsonObject summary = lastJson(inspect(dir, TestLogs.verifyOnly(true)));
    assertThat(summary.get("verdict").getAsString()).isEqualTo("CORRUPT");
    assertThat(summary.getAsJsonObject("problem").get("subject").getAsString())
        .isEqualTo("snapshot");
    assertThat(summary.getAsJsonArray("state_files")).hasSize(2);
  }

  @Test
  void aSnapshotWithADamagedHeaderFailsVerification() throws Exception {
    Path dir = withSnapshot();
    Path snap = snapshotFile(dir);
    TestLogs.flipBit(snap, 14); // inside lastIndex, covered by the header checksum

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).contains("snapshot:  snap-1-10.snap DAMAGED at offset 8: damaged"
        + " snapshot: snapshot header checksum mismatch");
  }

  @Test
  void aDamagedHardStateFailsVerificationWithItsRemedy() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path hs = dir.resolve("hardstate");
    TestLogs.flipBit(hs, 10);

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).containsPattern("hardstate: DAMAGED at offset \\d+: the hard state"
        + " \\(term and vote\\) is damaged: hard-state checksum mismatch");
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + hs + " offset ")
        .contains("run: lattice-node repair --data-dir " + dir + " --term T");
  }

  @Test
  void aMissingHardStateOfAMemberThatHasRunFailsVerification() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Files.delete(dir.resolve("hardstate"));

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.outLines()).last().asString()
        .startsWith("verdict:   CORRUPT at " + dir.resolve("hardstate") + ": the hard state (term"
            + " and vote) is missing");
  }

  @Test
  void aCorruptLogStaysTheVerdictOverADamagedSnapshot() throws Exception {
    Path dir = withSnapshot();
    TestLogs.flipBit(snapshotFile(dir), 14);
    Path log = dir.resolve("raft.log");
    TestLogs.flipBit(log, TestLogs.offsetOf(log, 5) + 30);

    TestLogs.Run run = inspect(dir, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.outLines()).last().asString().startsWith("verdict:   CORRUPT at " + log);
  }

  @Test
  void aSingleSegmentFileSaysTheStateFilesWereNotChecked() throws Exception {
    Path dir = withSnapshot();
    TestLogs.flipBit(snapshotFile(dir), 14);
    Path copy = tmp.resolve("raft.log");
    Files.copy(dir.resolve("raft.log"), copy, StandardCopyOption.REPLACE_EXISTING);

    TestLogs.Run run = inspect(copy, TestLogs.verifyOnly(false));

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("state:     not checked");
  }

  private static JsonObject lastJson(TestLogs.Run run) {
    List<String> lines = run.outLines();
    return JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
  }
}
