package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.kv.KvStateMachine;
import io.lattice.raft.HardState;
import io.lattice.raft.Membership;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SegmentedLogStore;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery restores the state machine from the newest snapshot file, streamed with its checksum
 * checked; when that file's data is damaged, from the newest intact one.
 */
class RecoveryFromSnapshotFileTest {
  private static final Membership ABC = Membership.ofVoterIds("a", "b", "c");

  @TempDir Path dir;

  private static byte[] put(String key, String value) {
    return io.lattice.format.KvCommandCodec.encode(new io.lattice.format.KvCommand.Put(
        io.lattice.format.Session.NONE, 1_700_000_000_000L, key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8), false));
  }

  private SegmentedLogStore log;

  private NodeStorage storage() throws Exception {
    if (log != null) {
      log.close();
    }
    log = SegmentedLogStore.open(dir);
    return new NodeStorage(log, new FileHardStateStore(dir, FileIo.SYSTEM),
        new FileSnapshotStore(dir, FileIo.SYSTEM));
  }

  @org.junit.jupiter.api.AfterEach
  void close() throws Exception {
    if (log != null) {
      log.close();
    }
  }

  /** Two snapshots on disk: {@code k=old} at 10, {@code k=new} at 20. Returns their hashes. */
  private long[] twoSnapshots() throws Exception {
    NodeStorage s = storage();
    KvStateMachine sm = new KvStateMachine();
    sm.apply(10, put("k", "old"));
    s.snapshots().save(new SnapshotMeta(10, 1, ABC), sm.snapshot());
    long older = sm.hash();
    sm.apply(20, put("k", "new"));
    s.snapshots().save(new SnapshotMeta(20, 1, ABC), sm.snapshot());
    s.hardState().save(new HardState(1, null));
    return new long[] {older, sm.hash()};
  }

  @Test
  void theNewestSnapshotIsRestoredFromItsFile() throws Exception {
    long[] hashes = twoSnapshots();
    KvStateMachine sm = new KvStateMachine();
    RestoredState r = RaftRecovery.recover(storage(), sm, ABC);
    assertThat(r.snapshot().index()).isEqualTo(20);
    assertThat(sm.hash()).isEqualTo(hashes[1]);
  }

  @Test
  void aNewestSnapshotDamagedOnDiskGivesWayToTheOlderIntactOne() throws Exception {
    long[] hashes = twoSnapshots();
    Path newest;
    try (Stream<Path> files = Files.list(dir.resolve(FileSnapshotStore.DIR_NAME))) {
      newest = files.filter(p -> p.getFileName().toString().endsWith("-20.snap")).findFirst()
          .orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
      long at = f.length() - 3; // inside the data, after the header
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x40);
    }
    KvStateMachine sm = new KvStateMachine();
    RestoredState r = RaftRecovery.recover(storage(), sm, ABC);
    assertThat(r.snapshot().index()).isEqualTo(10);
    assertThat(sm.hash()).isEqualTo(hashes[0]);
  }
}
