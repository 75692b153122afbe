package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SegmentedLogStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that joins a running cluster learns everything from an InstallSnapshot: its first Ready
 * holds the snapshot and its first hard state (the leader's term). If the process dies after the
 * snapshot is durable but before the hard state is, the restart finds a snapshot and no
 * {@code hardstate} file, which it must refuse (a server that has run before and lost its vote).
 * The term and vote are therefore made durable first: they are only a promise not to vote again in
 * an older term, true whether or not the snapshot follows.
 */
class SnapshotInstallCrashTest {
  @TempDir Path dir;

  /** A snapshot store that dies right after a snapshot becomes durable. */
  private static final class DiesAfterSave implements SnapshotStore {
    private final FileSnapshotStore real;

    DiesAfterSave(FileSnapshotStore real) {
      this.real = real;
    }

    @Override
    public void save(SnapshotMeta meta, byte[] data) throws IOException {
      real.save(meta, data);
      throw new IOException("the process died here");
    }

    @Override
    public Optional<Snapshot> latest() throws IOException {
      return real.latest();
    }
  }

  private static final class NoTransport implements Transport {
    @Override
    public void send(Message message) {}

    @Override
    public void sendSnapshot(InstallSnapshot message, SnapshotStore.Snapshot snapshot) {}
  }

  @Test
  void aJoiningMemberThatDiesWhileInstallingItsFirstSnapshotStartsAgain() throws Exception {
    Membership abc = Membership.ofVoterIds("a", "b", "c");
    KvStateMachine leaderState = new KvStateMachine();
    byte[] data = leaderState.snapshot();
    SnapshotMeta meta = new SnapshotMeta(40, 5, abc);

    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      NodeStorage storage = new NodeStorage(log, new FileHardStateStore(dir, FileIo.SYSTEM),
          new DiesAfterSave(new FileSnapshotStore(dir, FileIo.SYSTEM)));
      KvStateMachine sm = new KvStateMachine();
      RestoredState fresh = RaftRecovery.recover(storage, sm, Membership.EMPTY);
      Raft c = new Raft(RaftConfig.defaults("c"), fresh, new Random(1));
      ReadyHandler handler = new ReadyHandler(c, storage, sm, new NoTransport(), ApplyListener.NONE,
          0);
      handler.deliverSnapshot(new InstallSnapshot("a", "c", 5, meta), data);
      assertThatThrownBy(handler::handleReady).isInstanceOf(StorageFailureException.class);
    }

    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      NodeStorage storage = new NodeStorage(log, new FileHardStateStore(dir, FileIo.SYSTEM),
          new FileSnapshotStore(dir, FileIo.SYSTEM));
      RestoredState restored = RaftRecovery.recover(storage, new KvStateMachine(), Membership.EMPTY);
      assertThat(restored.snapshot()).isEqualTo(meta);
      assertThat(restored.hardState().term()).isEqualTo(5);
      assertThat(restored.hardState().votedFor()).isNull();
    }
  }
}
