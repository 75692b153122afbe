package io.lattice.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.node.ApplyListener;
import io.lattice.node.NodeStorage;
import io.lattice.node.ReadyHandler;
import io.lattice.node.StateMachine;
import io.lattice.node.StorageFailureException;
import io.lattice.node.Transport;
import io.lattice.raft.Entry;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.Ready;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.StorageFixtures.FailingFileIo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-level half of "a failed fsync stops the node" (DESIGN §4), with the real file stores
 * under the real {@link ReadyHandler}: the failure surfaces as {@link StorageFailureException}
 * before anything of the Ready is sent or applied, and the handler refuses to go on.
 */
class ReadyHandlerStorageFailureTest {
  @TempDir Path dir;

  private final List<Message> sent = new ArrayList<>();
  private final List<Entry> applied = new ArrayList<>();

  private final Transport transport = new Transport() {
    @Override
    public void send(Message message) {
      sent.add(message);
    }

    @Override
    public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      sent.add(message);
    }
  };

  private final ApplyListener listener = new ApplyListener() {
    @Override
    public void applied(Entry entry, byte[] result) {
      applied.add(entry);
    }

    @Override
    public void snapshotRestored(SnapshotMeta meta) {}

    @Override
    public void readReady(long requestId, long readIndex) {}

    @Override
    public void readFailed(long requestId) {}
  };

  private static final StateMachine NOTHING = new StateMachine() {
    @Override
    public byte[] apply(long index, byte[] command) {
      return new byte[0];
    }

    @Override
    public byte[] snapshot() {
      return new byte[0];
    }

    @Override
    public void restore(byte[] snapshot) {}
  };

  private static Raft core(String... voters) {
    return new Raft(RaftConfig.defaults(voters[0]).withPreVote(false, false),
        RestoredState.bootstrap(Membership.ofVoterIds(voters)), new Random(1));
  }

  @Test
  void aVoteWhoseHardStateFsyncFailsIsNeverRequested() throws IOException {
    FailingFileIo io = new FailingFileIo(FileIo.SYSTEM).failForce(1);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM, 1 << 20)) {
      NodeStorage storage = new NodeStorage(log, new FileHardStateStore(dir, io),
          new FileSnapshotStore(dir, FileIo.SYSTEM));
      Raft raft = core("n1", "n2", "n3");
      ReadyHandler handler = new ReadyHandler(raft, storage, NOTHING, transport, listener, 0);
      raft.campaign();
      Ready rd = raft.ready();
      assertThat(rd.hardState()).as("a candidate persists its term and vote").isNotNull();
      assertThat(rd.messages()).as("and asks for votes").isNotEmpty();

      assertThatThrownBy(() -> handler.handle(rd)).isInstanceOf(StorageFailureException.class)
          .hasRootCauseMessage("injected fsync failure (EIO) on "
              + dir.resolve(FileHardStateStore.FILE_NAME + AtomicFiles.TEMP_SUFFIX));
      assertThat(sent).as("no vote request before the vote is durable").isEmpty();
      assertThat(handler.stopped()).isTrue();
      assertThatThrownBy(handler::handleReady).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void entriesWhoseLogSyncFailsAreNeitherAcknowledgedNorApplied() throws IOException {
    FailingFileIo io = new FailingFileIo(FileIo.SYSTEM);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, io, 1 << 20)) {
      NodeStorage storage = new NodeStorage(log, new FileHardStateStore(dir, FileIo.SYSTEM),
          new FileSnapshotStore(dir, FileIo.SYSTEM));
      Raft raft = core("n1");
      ReadyHandler handler = new ReadyHandler(raft, storage, NOTHING, transport, listener, 0);
      raft.campaign(); // a single voter: leader at once, with a no-op entry to persist
      io.failForce(1);
      Ready rd = raft.ready();
      assertThat(rd.entries()).isNotEmpty();

      assertThatThrownBy(() -> handler.handle(rd)).isInstanceOf(StorageFailureException.class);
      assertThat(sent).isEmpty();
      assertThat(applied).isEmpty();
      assertThat(handler.stopped()).isTrue();
      assertThatThrownBy(handler::handleReady).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(log::sync).as("and the log store itself refuses to go on")
          .isInstanceOf(IOException.class);
    }
  }
}
