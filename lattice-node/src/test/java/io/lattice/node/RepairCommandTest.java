package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.server.LatticeNodeCommand;
import io.lattice.storage.CorruptStorageException;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.SegmentedLogStore;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lattice-node repair} end to end on a real data directory. */
class RepairCommandTest {
  @TempDir Path dir;

  private List<Entry> entries(int n) {
    List<Entry> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(Entry.command(1, i, ("value-" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  private int run(StringWriter out, String... args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    return cl.execute(args);
  }

  @Test
  void repairTruncatesAtTheDamagedRecordAndRemembersWhatWasLost() throws Exception {
    try (SegmentedLogStore store = SegmentedLogStore.open(dir, FileIo.SYSTEM, 1 << 20)) {
      store.append(entries(20));
      store.sync();
    }
    new FileHardStateStore(dir, FileIo.SYSTEM).save(new HardState(3, "n2"));
    // Flip a payload byte of a record in the middle: a complete record with a bad checksum.
    Path log = dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x40);
    }
    assertThatThrownBy(() -> SegmentedLogStore.open(dir))
        .isInstanceOf(CorruptStorageException.class)
        .hasMessageContaining(log.toString())
        .hasMessageContaining("byte offset")
        .hasMessageContaining("lattice-node repair --data-dir " + dir);

    StringWriter out = new StringWriter();
    assertThat(run(out, "repair", "--data-dir", dir.toString())).isEqualTo(0);
    assertThat(out.toString()).contains("Truncated").contains("will not vote");

    try (SegmentedLogStore store = SegmentedLogStore.open(dir)) {
      long last = store.lastIndex();
      assertThat(last).isBetween(1L, 19L);
      assertThat(store.read(1, last)).isEqualTo(entries(20).subList(0, (int) last));
    }
    HardState hs = new FileHardStateStore(dir, FileIo.SYSTEM).load();
    assertThat(hs.term()).isEqualTo(3);
    assertThat(hs.votedFor()).isEqualTo("n2");
    assertThat(hs.noVoteBelow()).isEqualTo(20);
  }

  @Test
  void repairOfAnIntactLogChangesNothing() throws Exception {
    try (SegmentedLogStore store = SegmentedLogStore.open(dir)) {
      store.append(entries(5));
      store.sync();
    }
    new FileHardStateStore(dir, FileIo.SYSTEM).save(new HardState(1, "n1"));
    StringWriter out = new StringWriter();
    assertThat(run(out, "repair", "--data-dir", dir.toString())).isEqualTo(0);
    assertThat(out.toString()).contains("nothing to repair");
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(new HardState(1, "n1"));
  }

  @Test
  void usageErrorsExitWithTwo() {
    StringWriter out = new StringWriter();
    assertThat(run(out, "repair")).isEqualTo(2);
    assertThat(out.toString()).contains("--data-dir");
  }
}
