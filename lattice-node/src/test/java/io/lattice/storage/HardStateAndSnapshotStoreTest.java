package io.lattice.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.raft.HardState;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.StorageFixtures.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Round trips of the hard-state file and the snapshot store on the real file system. */
class HardStateAndSnapshotStoreTest {
  @TempDir Path dir;

  @Test
  void hardStateIsInitialUntilSavedThenRoundTrips() throws IOException {
    FileHardStateStore store = new FileHardStateStore(dir, FileIo.SYSTEM);
    assertThat(store.load()).isEqualTo(HardState.INITIAL);
    for (HardState s : List.of(new HardState(1, "n1"), new HardState(2, null),
        new HardState(7, "nœud-ü", 12345), new HardState(Long.MAX_VALUE, "x".repeat(1000), 1))) {
      store.save(s);
      assertThat(store.load()).isEqualTo(s);
      assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(s);
    }
    assertThat(StorageFixtures.fileNames(dir)).containsExactly(FileHardStateStore.FILE_NAME);
  }

  @Test
  void aLeftoverTempFileOfAnInterruptedSaveIsIgnoredAndRemoved() throws IOException {
    FileHardStateStore store = new FileHardStateStore(dir, FileIo.SYSTEM);
    store.save(new HardState(3, "n2"));
    Path temp = dir.resolve(FileHardStateStore.FILE_NAME + AtomicFiles.TEMP_SUFFIX);
    Files.write(temp, new byte[] {1, 2, 3}); // a crash in the middle of writing the next one
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(new HardState(3, "n2"));
    assertThat(temp).doesNotExist();
  }

  @Test
  void snapshotsRoundTripAndOnlyTheNewestTwoAreKept() throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    assertThat(store.latest()).isEmpty();
    Membership m = Membership.ofVoters(List.of(Member.voter("a", "127.0.0.1:7001"),
        Member.voter("b", "127.0.0.1:7002")));
    for (int i = 1; i <= 4; i++) {
      byte[] data = new byte[i * 1000];
      data[0] = (byte) i;
      store.save(new SnapshotMeta(i * 100L, i, m), data);
      SnapshotStore.Snapshot latest = new FileSnapshotStore(dir, FileIo.SYSTEM).latest()
          .orElseThrow();
      assertThat(latest.meta()).isEqualTo(new SnapshotMeta(i * 100L, i, m));
      assertThat(latest.data()).isEqualTo(data);
    }
    assertThat(StorageFixtures.fileNames(store.directory()))
        .containsExactly("snap-3-300.snap", "snap-4-400.snap");

    // an older snapshot than the newest may be ignored, but never wins
    store.save(new SnapshotMeta(50, 1, m), new byte[] {9});
    assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(400);
  }

  @Test
  void aStagedSnapshotIsInvisibleUntilPublishedAndADiscardedOneLeavesNothing() throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    Membership m = Membership.ofVoterIds("a");
    byte[] data = new byte[300_000]; // several write buffers, streamed
    new java.util.Random(7).nextBytes(data);
    SnapshotStore.Staged staged = store.stage(new SnapshotMeta(10, 2, m), out -> {
      out.write(data, 0, 1000);
      out.write(data[1000]);
      out.write(data, 1001, data.length - 1001);
    });
    assertThat(store.latest()).isEmpty();
    assertThat(new FileSnapshotStore(dir, FileIo.SYSTEM).latest()).isEmpty(); // and a crash forgets it
    staged = store.stage(new SnapshotMeta(10, 2, m), out -> out.write(data));
    store.publish(staged);
    SnapshotStore.Snapshot latest = new FileSnapshotStore(dir, FileIo.SYSTEM).latest().orElseThrow();
    assertThat(latest.meta()).isEqualTo(new SnapshotMeta(10, 2, m));
    assertThat(latest.data()).isEqualTo(data);

    store.discard(store.stage(new SnapshotMeta(20, 2, m), out -> out.write(data)));
    assertThat(StorageFixtures.fileNames(store.directory())).containsExactly("snap-2-10.snap");
  }

  @Test
  void aFailingWriterLeavesNoFileBehind() throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    assertThatThrownBy(() -> store.stage(new SnapshotMeta(10, 2, Membership.ofVoterIds("a")),
        out -> {
          out.write(new byte[100_000]);
          throw new IOException("disk full");
        })).hasMessage("disk full");
    assertThat(StorageFixtures.fileNames(store.directory())).isEmpty();
  }

  @Test
  void anEmptySnapshotAndAnEmptyMembershipRoundTrip() throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    store.save(new SnapshotMeta(1, 1, Membership.EMPTY), new byte[0]);
    SnapshotStore.Snapshot s = store.latest().orElseThrow();
    assertThat(s.meta()).isEqualTo(new SnapshotMeta(1, 1, Membership.EMPTY));
    assertThat(s.data()).isEmpty();
  }

  @Test
  void aDamagedNewestSnapshotIsSkippedWithAWarning() throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    Membership m = Membership.ofVoterIds("a");
    store.save(new SnapshotMeta(10, 1, m), new byte[] {1});
    store.save(new SnapshotMeta(20, 2, m), new byte[] {2, 2});
    Path newest = store.directory().resolve("snap-2-20.snap");
    byte[] b = Files.readAllBytes(newest);
    b[b.length - 1] ^= 1;
    Files.write(newest, b);
    try (LogCapture logs = new LogCapture(FileSnapshotStore.class)) {
      SnapshotStore.Snapshot s = new FileSnapshotStore(dir, FileIo.SYSTEM).latest().orElseThrow();
      assertThat(s.meta().index()).isEqualTo(10);
      assertThat(logs.warnings()).hasSize(1);
      assertThat(logs.warnings().get(0)).contains(newest.toString()).contains("checksum");
    }
  }
}
