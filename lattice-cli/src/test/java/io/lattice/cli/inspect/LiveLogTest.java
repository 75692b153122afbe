package io.lattice.cli.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lattice.format.HardStateRecord;
import io.lattice.storage.SegmentedLogStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inspecting a log while the node's store appends to it and rolls segments: every run sees a
 * consistent prefix (contiguous indexes from 1, as many lines as the summary says) and at worst a
 * torn tail, never corruption or an error (nor a cut: the sync mark moves while it reads).
 */
class LiveLogTest {
  private static final long ENTRIES = 4000;

  @TempDir Path tmp;

  @Test
  void aLogBeingWrittenReadsAsAConsistentPrefix() throws Exception {
    Path dir = tmp.resolve("data");
    SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 2_000).close(); // raft.log exists from the start
    // A node's data directory has its hard state (--verify checks it)
    Files.write(dir.resolve(StateFileCheck.HARD_STATE), new HardStateRecord(1, null, 0).encode());
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<?> writing = writer.submit(() -> {
        try (SegmentedLogStore store = SegmentedLogStore.open(dir, TestLogs.NO_SYNC, 2_000)) {
          for (long i = 1; i <= ENTRIES; i++) {
            store.append(List.of(TestLogs.put(1 + i / 500, i, "key-" + i, "value-" + i)));
            if (i % 7 == 0) {
              store.sync(); // moves the sync mark: a reader must never see the file short of it
            }
            if (i % 2 == 0) {
              Thread.sleep(1); // lets many inspections overlap the writing and the rolls
            }
          }
        }
        return null;
      });
      int runs = 0;
      long lastSeen = 0;
      while (!writing.isDone() || runs < 3) {
        lastSeen = checkOneRun(dir, lastSeen);
        runs++;
      }
      writing.get(10, TimeUnit.SECONDS);
      assertThat(checkOneRun(dir, lastSeen)).isEqualTo(ENTRIES);
    } finally {
      writer.shutdownNow();
    }
  }

  /** Inspects once and checks the run's consistency; returns the last index it saw. */
  private static long checkOneRun(Path dir, long lastSeen) {
    TestLogs.Run run = TestLogs.inspect(dir, TestLogs.json(true));
    List<String> out = run.outLines();
    assertThat(run.exit()).as(run.err() + (out.isEmpty() ? "" : out.get(out.size() - 1))).isZero();
    assertThat(run.err()).isEmpty(); // with --verify a torn tail is in the summary, not on stderr
    List<JsonObject> lines = out.stream()
        .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    JsonObject summary = lines.get(lines.size() - 1);
    long last = summary.get("last_index").getAsLong();
    assertThat(summary.get("verdict").getAsString()).isIn("OK", "TORN_TAIL");
    assertThat(last).isGreaterThanOrEqualTo(lastSeen); // appends only: never goes back
    assertThat(lines.subList(0, lines.size() - 1).stream().map(o -> o.get("index").getAsLong()))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
    return last;
  }
}
