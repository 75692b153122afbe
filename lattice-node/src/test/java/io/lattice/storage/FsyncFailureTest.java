package io.lattice.storage;

import static io.lattice.storage.StorageFixtures.entries;
import static io.lattice.storage.StorageFixtures.entry;
import static io.lattice.storage.StorageFixtures.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.lattice.raft.Entry;
import io.lattice.raft.HardState;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.StorageFixtures.FailingFileIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed fsync (DESIGN §4: "a failed fsync stops the node, no retry-and-continue"): the store
 * call that hit it throws, every later call on the log store throws too, and what is on disk
 * afterwards holds everything acknowledged before the failure. Hard-state and snapshot saves that
 * fail leave the old or the new state, never a mix.
 */
class FsyncFailureTest {
  @TempDir Path tmp;

  /**
   * For every N: the Nth fsync (of a file or of the directory) fails, wherever it falls: while
   * creating the log, in a sync, in a segment roll inside an append, in a compaction or a reset.
   */
  @Test
  void theNthFsyncFailsAndTheLogStoreRefusesEverythingAfterIt() throws IOException {
    Path root = Files.createTempDirectory(StorageFixtures.scratchRoot(), "lattice-fsync-");
    try {
      nthFsyncFails(root);
    } finally {
      StorageFixtures.deleteRecursively(root);
    }
  }

  private void nthFsyncFails(Path root) throws IOException {
    for (boolean directory : new boolean[] {false, true}) {
      int n = 1;
      while (true) {
        String what = (directory ? "directory fsync #" : "fsync #") + n;
        Path dir = root.resolve((directory ? "dir-" : "file-") + n);
        FailingFileIo io = new FailingFileIo(StorageFixtures.NO_SYNC);
        if (directory) {
          io.failFsyncDirectory(n);
        } else {
          io.failForce(n);
        }
        if (!runUntilFailure(dir, io, what)) {
          break; // the workload makes fewer than n such calls
        }
        n++;
      }
      assertThat(n).as("fsyncs exercised").isGreaterThan(directory ? 8 : 40);
    }
  }

  /** Returns whether the injected failure happened. */
  private boolean runUntilFailure(Path dir, FailingFileIo io, String what) throws IOException {
    List<Entry> written = new ArrayList<>();
    List<Entry> acknowledged = List.of();
    long compactedTo = 0;
    SegmentedLogStore log;
    try {
      log = SegmentedLogStore.open(dir, io, 1024);
    } catch (IOException e) {
      assertThat(io.failed()).as(what + ": open failed by itself: " + e).isTrue();
      try (SegmentedLogStore again = SegmentedLogStore.open(dir, FileIo.SYSTEM, 1024)) {
        assertThat(readAll(again)).isEmpty();
      }
      return true;
    }
    IOException failure = null;
    int step = 0;
    try {
      for (; step < 60 && failure == null; step++) {
        try {
          long next = written.isEmpty() ? 1 : written.get(written.size() - 1).index() + 1;
          if (step % 17 == 16) {
            // compaction deletes sealed segments: the next sync fsyncs the directory
            compactedTo = next - 3;
            log.compactUpTo(compactedTo);
          } else {
            List<Entry> batch = entries(next, next + step % 4, 1, 120);
            log.append(batch);
            written.addAll(batch);
          }
          log.sync();
          acknowledged = List.copyOf(written);
        } catch (IOException e) {
          failure = e;
        }
      }
      if (failure == null) {
        // no fsync failed in the loop: try a reset, which fsyncs too
        try {
          acknowledged = List.of(); // a reset drops them on purpose
          long after = written.size() + 10L;
          written.clear();
          log.reset(after);
          log.sync();
        } catch (IOException e) {
          failure = e;
        }
      }
      if (failure == null) {
        assertThat(io.failed()).as(what + ": a failure was swallowed").isFalse();
        return false;
      }
      assertThat(io.failed()).as(what).isTrue();
      assertThat(failure.getMessage()).as(what).contains("injected");

      // never continue after a failed sync: every later call throws
      SegmentedLogStore failed = log;
      long next = log.lastIndex() + 1;
      assertThatThrownBy(failed::sync).as(what).isInstanceOf(IOException.class)
          .hasMessageContaining("failed earlier");
      assertThatThrownBy(() -> failed.append(List.of(entry(1, next, 3)))).as(what)
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> failed.read(failed.lastIndex(), failed.lastIndex())).as(what)
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> failed.compactUpTo(failed.firstIndex())).as(what)
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> failed.reset(5)).as(what).isInstanceOf(IOException.class);
      assertThatThrownBy(failed::sync).as(what).isInstanceOf(IOException.class);
    } finally {
      log.close();
    }

    // a restarted process recovers from disk: an intact prefix holding all that was acknowledged
    try (SegmentedLogStore again = SegmentedLogStore.open(dir, FileIo.SYSTEM, 1024)) {
      List<Entry> recovered = readAll(again);
      if (!written.isEmpty() && !recovered.isEmpty()) {
        long first = recovered.get(0).index();
        long writtenFirst = written.get(0).index();
        assertThat(first).as(what).isGreaterThanOrEqualTo(writtenFirst);
        List<Entry> expected = written.subList((int) (first - writtenFirst),
            (int) Math.min(written.size(), first - writtenFirst + recovered.size()));
        assertThat(recovered).as(what + ": an intact prefix").isEqualTo(expected);
      }
      if (!acknowledged.isEmpty()) {
        long lastAcked = acknowledged.get(acknowledged.size() - 1).index();
        assertThat(again.lastIndex()).as(what + ": every acknowledged entry survives")
            .isGreaterThanOrEqualTo(lastAcked);
        long from = Math.max(again.firstIndex(), compactedTo + 1);
        if (from <= lastAcked) {
          assertThat(again.read(from, lastAcked)).as(what)
              .isEqualTo(acknowledged.subList((int) (from - 1), (int) lastAcked));
        }
      }
    }
    return true;
  }

  @Test
  void aFailedSyncIsNotRetriedEvenIfTheDiskRecovers() throws IOException {
    FailingFileIo io = new FailingFileIo(FileIo.SYSTEM);
    try (SegmentedLogStore log = SegmentedLogStore.open(tmp, io, 1 << 20)) {
      log.append(entries(1, 5, 1, 10));
      log.sync();
      io.failForce(1);
      log.append(entries(6, 6, 1, 10));
      assertThatThrownBy(log::sync).isInstanceOf(IOException.class)
          .hasMessageContaining("injected");
      int calls = io.forceCalls();
      // the next fsync would succeed, but a sync after a failed one proves nothing (the kernel may
      // have dropped the dirty pages it could not write): the store must not report success
      assertThatThrownBy(log::sync).isInstanceOf(IOException.class)
          .hasMessageContaining("failed earlier");
      assertThat(io.forceCalls()).as("no fsync is even tried after the failed one")
          .isEqualTo(calls);
    }
  }

  // ---------------------------------------------------------------- hard state

  @Test
  void aHardStateSaveThatFailsLeavesTheOldOrTheNewState() throws IOException {
    HardState old = new HardState(3, "n1", 0);
    HardState neu = new HardState(4, "n2", 17);
    String[] steps = {"force", "rename", "fsyncDirectory"};
    for (String step : steps) {
      Path dir = Files.createDirectories(tmp.resolve("hs-" + step));
      new FileHardStateStore(dir, FileIo.SYSTEM).save(old);
      FailingFileIo io = new FailingFileIo(FileIo.SYSTEM);
      switch (step) {
        case "force" -> io.failForce(1);
        case "rename" -> io.failRename(1);
        default -> io.failFsyncDirectory(1);
      }
      FileHardStateStore failing = new FileHardStateStore(dir, io);
      assertThatThrownBy(() -> failing.save(neu)).as(step).isInstanceOf(IOException.class);

      // after a restart: exactly one of the two, never a mix or an error
      HardState loaded = new FileHardStateStore(dir, FileIo.SYSTEM).load();
      assertThat(loaded).as(step).isIn(old, neu);
      if (!step.equals("fsyncDirectory")) {
        assertThat(loaded).as(step + ": the rename never happened").isEqualTo(old);
      }
      assertThat(Files.exists(dir.resolve(FileHardStateStore.FILE_NAME + AtomicFiles.TEMP_SUFFIX)))
          .as(step + ": the leftover temp file is removed on load").isFalse();
      // a later save works again
      HardState later = new HardState(5, null, 0);
      new FileHardStateStore(dir, FileIo.SYSTEM).save(later);
      assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(later);
    }
  }

  @Test
  void aSnapshotSaveThatFailsLeavesTheOlderSnapshot() throws IOException {
    for (String step : new String[] {"force", "rename", "fsyncDirectory"}) {
      Path dir = Files.createDirectories(tmp.resolve("snap-" + step));
      SnapshotMeta oldMeta = new SnapshotMeta(10, 2, Membership.ofVoterIds("a", "b", "c"));
      new FileSnapshotStore(dir, FileIo.SYSTEM).save(oldMeta, new byte[] {1, 2, 3});
      FailingFileIo io = new FailingFileIo(FileIo.SYSTEM);
      switch (step) {
        case "force" -> io.failForce(1);
        case "rename" -> io.failRename(1);
        default -> io.failFsyncDirectory(1);
      }
      SnapshotMeta newMeta = new SnapshotMeta(20, 3, Membership.ofVoterIds("a", "b"));
      FileSnapshotStore failing = new FileSnapshotStore(dir, io);
      assertThatThrownBy(() -> failing.save(newMeta, new byte[] {4, 5})).as(step)
          .isInstanceOf(IOException.class);
      SnapshotStore.Snapshot latest = new FileSnapshotStore(dir, FileIo.SYSTEM).latest()
          .orElseThrow();
      if (latest.meta().equals(oldMeta)) {
        assertThat(latest.data()).containsExactly(1, 2, 3);
      } else if (latest.meta().equals(newMeta)) {
        assertThat(step).isEqualTo("fsyncDirectory");
        assertThat(latest.data()).containsExactly(4, 5);
      } else {
        fail(step + ": unexpected snapshot " + latest.meta());
      }
      assertThat(StorageFixtures.fileNames(dir.resolve(FileSnapshotStore.DIR_NAME)))
          .as(step + ": no temp file survives a reopen")
          .allMatch(name -> !name.endsWith(AtomicFiles.TEMP_SUFFIX));
    }
  }
}
