package io.lattice.cli.inspect;

import static io.lattice.cli.inspect.TestLogs.inspect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.FileHeader;
import io.lattice.format.FileKind;
import io.lattice.raft.Entry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that cannot be inspected: one line on stderr naming the path and what to do, exit 1. */
class LogInspectorErrorsTest {
  @TempDir Path tmp;

  @Test
  void aMissingPath() {
    Path missing = tmp.resolve("nope");

    TestLogs.Run run = inspect(missing);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("lattice log inspect: " + missing + ": no such file or"
        + " directory. Pass a node's data directory or one of its raft*.log segment files.\n");
  }

  @Test
  void aDirectoryWithoutALog() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("empty"));
    Files.writeString(dir.resolve("hardstate"), "x");

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("lattice log inspect: " + dir + " holds no Raft log (no"
        + " raft.log or raft-<first>-<last>.log). Pass a node's data directory (its --data-dir) or"
        + " one of its segment files.\n");
  }

  @Test
  void aFileThatIsNotALog() throws Exception {
    Path text = tmp.resolve("notes.txt");
    Files.writeString(text, "hello, this is not a log\n");

    TestLogs.Run run = inspect(text, TestLogs.json(true));

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines().toList()).singleElement().asString()
        .startsWith("lattice log inspect: " + text + " is not a Lattice log segment (not a"
            + " LOG_SEGMENT file (magic 0x68656c6c))")
        .endsWith("Pass a node's data directory or one of its raft*.log segment files.");
  }

  @Test
  void anotherLatticeFileIsNamed() throws Exception {
    Path hardState = tmp.resolve("hardstate");
    Files.write(hardState, ByteBuffer.allocate(64)
        .put(FileHeader.current(FileKind.HARD_STATE).toBytes()).array());

    TestLogs.Run run = inspect(hardState);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("is not a Lattice log segment", "which is a HARD_STATE file");
  }

  @Test
  void aNewerFormatVersionAsksForAMatchingRelease() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path log = dir.resolve("raft.log");
    byte[] b = Files.readAllBytes(log);
    b[5] = 9; // format version 9
    Files.write(log, b);

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("lattice log inspect: " + log + ": LOG_SEGMENT format version"
        + " 9 is not supported (this build reads up to 2). Inspect it with the lattice release"
        + " that matches the node that wrote it.\n");
  }

  @Test
  void anIntactRecordWhosePayloadDoesNotDecodeIsShownAndCounted() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), List.of(
        TestLogs.put(1, 1, "a", "1"),
        Entry.command(1, 2, new byte[] {(byte) 0xc1}), // not MessagePack
        TestLogs.put(1, 3, "b", "2")));

    TestLogs.Run filtered = inspect(dir, new LogInspector.Options(3, 3, Set.of(), true, false));
    TestLogs.Run all = inspect(dir);

    assertThat(filtered.exit()).isZero(); // the log itself is intact
    assertThat(filtered.out()).contains("payloads:  1 do not decode (first at index 2)",
        "verdict:   OK");
    assertThat(filtered.err()).contains("warning: 1 entry has a payload that does not decode"
        + " (first at index 2)");
    assertThat(all.out()).contains("    2     1  command  <undecodable 1-byte payload: ");
  }

  @Test
  void invalidOptionsAreUsageErrors() {
    assertThatThrownBy(() -> new LogInspector.Options(0, 10, Set.of("put"), false, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown entry type 'put'");
    assertThatThrownBy(() -> new LogInspector.Options(10, 5, Set.of(), false, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("--to 5 is below --from 10");
    assertThatThrownBy(() -> new LogInspector.Options(-1, 5, Set.of(), false, false))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
