package io.lattice.cli.inspect;

import static io.lattice.cli.inspect.TestLogs.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.MemberRecord;
import io.lattice.format.Session;
import io.lattice.storage.SegmentedLogStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The text form on logs written by the node's store. */
class LogInspectorTextTest {
  @TempDir Path tmp;

  @Test
  void printsHeaderAndOneDecodedLinePerEntry() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    TestLogs.Run run = inspect(dir);

    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.outLines()).containsExactly(
        "log:       " + dir + " (data directory, 1 segment)",
        "  raft.log  indexes 1..9, 548 bytes (open)",
        "format:    version 2",
        "entries:   9 (indexes 1..9)",
        "terms:     1..4 (term 1 from index 1, 2 from 4, 3 from 7, 4 from 8)",
        "bytes:     548",
        "",
        "INDEX  TERM  KIND     ENTRY",
        "    1     1  config   members: n1=127.0.0.1:7001 voter,"
            + " n2=127.0.0.1:7002 learner (auto-promote)",
        "    2     1  noop",
        "    3     1  command  PUT key=a value=hello world! (12 bytes) session=2#1",
        "    4     2  command  PUT key=0x1b5b324a value=0x000102 (3 bytes)",
        "    5     2  command  DELETE prefix=x/",
        "    6     2  command  CAS key=b expect version=3 then PUT value=v2",
        "    7     3  command  TXN compares=1 success=2 failure=0 keys=[a,c,d]",
        "    8     4  noop",
        "    9     4  command  PUT key=k9 value=nine (4 bytes)");
  }

  @Test
  void verifyEndsWithTheVerdict() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isZero();
    assertThat(run.outLines()).last().isEqualTo("verdict:   OK");
    assertThat(run.outLines()).contains("hardstate: OK (term 4, no vote)", "snapshot:  none");
    assertThat(run.outLines()).hasSize(21);
  }

  @Test
  void aSegmentFileIsReadLikeItsDirectory() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    TestLogs.Run file = inspect(dir.resolve("raft.log"), TestLogs.verify());
    TestLogs.Run whole = inspect(dir, TestLogs.verify());

    assertThat(file.exit()).isZero();
    assertThat(file.outLines().get(0)).isEqualTo("log:       " + dir.resolve("raft.log"));
    // Apart from the directory's segment list and its state files, the same header, entries and
    // verdict.
    assertThat(withoutStateFiles(file.outLines().subList(1, file.outLines().size())))
        .isEqualTo(withoutStateFiles(whole.outLines().subList(2, whole.outLines().size())));
    assertThat(file.outLines()).anyMatch(l -> l.startsWith("state:     not checked"));
  }

  @Test
  void segmentsAreReadInIndexOrderAsOneLog() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    assertThat(TestLogs.segments(dir)).hasSizeGreaterThan(3); // the store rolled

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isZero();
    assertThat(run.outLines()).containsSubsequence(
        "log:       " + dir + " (data directory, 5 segments)",
        "  raft-1-4.log    indexes 1..4, 448 bytes",
        "  raft-5-8.log    indexes 5..8, 448 bytes",
        "  raft-9-12.log   indexes 9..12, 451 bytes",
        "  raft-13-16.log  indexes 13..16, 452 bytes",
        "  raft.log        indexes 17..20, 452 bytes (open)",
        "entries:   20 (indexes 1..20)",
        "terms:     1",
        "bytes:     2251",
        "verdict:   OK");
    assertThat(indexesPrinted(run)).containsExactlyElementsOf(
        LongStream.rangeClosed(1, 20).boxed().toList());
  }

  @Test
  void aCompactedLogStartsAfterItsSnapshot() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    try (SegmentedLogStore store = SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 380)) {
      store.compactUpTo(12); // deletes the sealed segments that end at or below 12
    }

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("entries:   8 (indexes 13..20); indexes before 13 are"
        + " compacted into a snapshot");
    assertThat(run.outLines()).last().isEqualTo("verdict:   OK");
  }

  @Test
  void anEmptyLogHasNoEntriesAndIsOk() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), List.of());

    TestLogs.Run run = inspect(dir, TestLogs.verify());

    assertThat(run.exit()).isZero();
    assertThat(run.outLines()).contains("entries:   0", "terms:     none", "verdict:   OK");
    assertThat(run.out()).doesNotContain("INDEX");
  }

  @Test
  void filtersSelectPrintedLinesOnly() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    TestLogs.Run range = inspect(dir, new LogInspector.Options(3, 6, Set.of(), false, false));
    TestLogs.Run commands = inspect(dir,
        new LogInspector.Options(0, Long.MAX_VALUE, Set.of("command"), false, false));
    TestLogs.Run noopsAndConfig = inspect(dir,
        new LogInspector.Options(2, Long.MAX_VALUE, Set.of("noop", "config"), false, false));

    assertThat(indexesPrinted(range)).containsExactly(3L, 4L, 5L, 6L);
    assertThat(range.out()).contains("entries:   9 (indexes 1..9)", "shown:     4 of 9 entries");
    assertThat(indexesPrinted(commands)).containsExactly(3L, 4L, 5L, 6L, 7L, 9L);
    assertThat(indexesPrinted(noopsAndConfig)).containsExactly(2L, 8L);
  }

  @Test
  void nothingFromTheLogReachesTheTerminalUnescaped() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), List.of(
        TestLogs.config(1, 1, new MemberRecord("n1\u001b[31m", "host\u0007:1", true, false)),
        TestLogs.command(1, 2, new KvCommand.Put(new Session(7, 7, 0),
            0, TestLogs.ESCAPE_KEY, TestLogs.utf8("\u202eevil"), false)),
        TestLogs.put(1, 3, "new\nline", "x")));

    TestLogs.Run run = inspect(dir);

    assertThat(run.exit()).isZero();
    assertThat(run.out().chars().filter(c -> c != '\n')).allMatch(c -> c >= 0x20 && c != 0x7f);
    assertThat(run.out()).doesNotContain("\u202e");
    assertThat(run.out()).contains("members: n1\\x1b[31m=host\\x07:1 voter",
        "session=7#7", "key=0x1b5b324a", "key=0x6e65770a6c696e65");
  }

  @Test
  void inspectionChangesNoFile() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), 380, TestLogs.puts(1, 20, 1));
    Files.write(dir.resolve("raft.log"), new byte[] {0, 0, 0, 40, 1, 2}, // a torn append
        java.nio.file.StandardOpenOption.APPEND);
    var before = TestLogs.fingerprint(dir);

    TestLogs.Run text = inspect(dir, TestLogs.verify());
    inspect(dir.resolve("raft.log"), TestLogs.json(true));
    inspect(dir, new LogInspector.Options(5, 6, Set.of("command"), false, false));

    assertThat(text.out()).contains("TORN TAIL"); // the damage was seen, and left alone
    assertThat(TestLogs.fingerprint(dir)).isEqualTo(before);
  }

  /** The index column of the printed entry lines. */
  static List<Long> indexesPrinted(TestLogs.Run run) {
    List<String> lines = run.outLines();
    int table = lines.indexOf(lines.stream().filter(l -> l.startsWith("INDEX")).findFirst()
        .orElseThrow());
    return lines.subList(table + 1, lines.size()).stream()
        .takeWhile(l -> !l.isEmpty())
        .map(l -> Long.parseLong(l.trim().split("\\s+")[0]))
        .toList();
  }

  private static java.util.List<String> withoutStateFiles(java.util.List<String> lines) {
    return lines.stream().filter(l -> !l.startsWith("state:") && !l.startsWith("hardstate:")
        && !l.startsWith("snapshot:")).toList();
  }
}
