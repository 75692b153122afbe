package io.lattice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.ApplyListener;
import io.lattice.node.NodeStorage;
import io.lattice.node.RaftRecovery;
import io.lattice.node.ReadyHandler;
import io.lattice.node.Transport;
import io.lattice.raft.HardState;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Message.VoteResponse;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SnapshotReceiver;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ready handler with snapshot files on both sides, as in production: the leader hands the
 * transport only the snapshot's identity (no data is read on the loop), the follower installs a
 * snapshot received into a staged file by publishing it and restoring from it, and a received
 * snapshot that will never be installed is deleted.
 */
class ReadyHandlerSnapshotFileTest {
  @TempDir Path tmp;
  private final List<Message> sent = new ArrayList<>();
  private final List<SnapshotStore.Source> sources = new ArrayList<>();

  private final Transport transport = new Transport() {
    @Override
    public void send(Message message) {
      sent.add(message);
    }

    @Override
    public void sendSnapshot(InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      throw new AssertionError("the loop loaded the snapshot's bytes");
    }

    @Override
    public void streamSnapshot(InstallSnapshot message, SnapshotStore.Source source) {
      sent.add(message);
      sources.add(source);
    }
  };

  /** A file snapshot store in the data directory of member {@code id}. */
  private FileSnapshotStore files(String id) throws IOException {
    return new FileSnapshotStore(tmp.resolve(id), FileIo.SYSTEM);
  }

  private static byte[] put(long seq, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, SimClock.EPOCH_MILLIS + seq,
        "k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), false));
  }

  private static Raft raft(String id, RestoredState restored) {
    return new Raft(RaftConfig.defaults(id).withSnapshots(1, 300), restored,
        new SplittableRandom(1));
  }

  private static void drain(ReadyHandler h) {
    while (h.handleReady()) {
      // keep going
    }
  }

  @Test
  void snapshotTravelsByIdentityAndIsInstalledFromTheReceivedFile() throws Exception {
    KvStateMachine leaderKv = new KvStateMachine();
    leaderKv.apply(5, put(1, "from-snapshot"));
    Membership m = Membership.ofVoterIds("a", "b");
    SnapshotMeta meta = new SnapshotMeta(10, 1, m);
    SimDisk leaderDisk = new SimDisk((x, y) -> {});
    NodeStorage leaderStorage = new NodeStorage(leaderDisk.storage().log(),
        leaderDisk.storage().hardState(), files("a"));
    leaderStorage.snapshots().save(meta, leaderKv.snapshot());
    leaderStorage.hardState().save(new HardState(1, null));
    RestoredState leaderState = RaftRecovery.recover(leaderStorage, new KvStateMachine(), m);
    Raft leader = raft("a", leaderState);
    ReadyHandler lh = new ReadyHandler(leader, leaderStorage, new KvStateMachine(), transport,
        ApplyListener.NONE, 0);
    leader.campaign();
    drain(lh);
    leader.step(new VoteResponse("b", "a", 2, true, true));
    drain(lh);
    leader.step(new VoteResponse("b", "a", 2, false, true));
    drain(lh);
    leader.step(new AppendResponse("b", "a", 2, false, 0, 10, 0, 0));
    drain(lh);
    InstallSnapshot is = (InstallSnapshot) sent.stream()
        .filter(x -> x instanceof InstallSnapshot).findFirst().orElseThrow();
    SnapshotStore.Source source = sources.get(0);
    assertThat(source.meta()).isEqualTo(meta);

    // The follower: the transport writes what arrives into a staged file in its data directory.
    SimDisk followerDisk = new SimDisk((x, y) -> {});
    FileSnapshotStore followerFiles = files("b");
    NodeStorage followerStorage = new NodeStorage(followerDisk.storage().log(),
        followerDisk.storage().hardState(), followerFiles);
    SnapshotReceiver receiver = FileSnapshotStore.receiver(tmp.resolve("b"), FileIo.SYSTEM);
    SnapshotReceiver.Incoming in = receiver.begin(meta, source.dataLength(), source.dataCrc());
    try (InputStream data = source.openData()) {
      byte[] chunk;
      while ((chunk = data.readNBytes(7)).length > 0) {
        in.write(ByteBuffer.wrap(chunk));
      }
    }
    SnapshotStore.Staged staged = in.finish();
    assertThat(followerFiles.latest()).as("not a snapshot before it is installed").isEmpty();

    KvStateMachine followerKv = new KvStateMachine();
    Raft follower = raft("b", RestoredState.bootstrap(m));
    ReadyHandler fh = new ReadyHandler(follower, followerStorage, followerKv, transport,
        ApplyListener.NONE, 0);
    fh.deliverSnapshot(is, staged);
    drain(fh);
    assertThat(fh.appliedIndex()).isEqualTo(10);
    assertThat(followerKv.hash()).isEqualTo(leaderKv.hash());
    assertThat(followerFiles.latest().orElseThrow().meta()).isEqualTo(meta);
    assertThat(names(followerFiles)).containsExactly("snap-1-10.snap");
    assertThat(followerDisk.log().firstIndex()).isEqualTo(11);
  }

  @Test
  void aReceivedSnapshotThatWillNeverBeInstalledIsDeleted() throws Exception {
    Membership m = Membership.ofVoterIds("a", "b");
    SimDisk disk = new SimDisk((x, y) -> {});
    FileSnapshotStore store = files("b");
    NodeStorage storage = new NodeStorage(disk.storage().log(), disk.storage().hardState(), store);
    Raft follower = raft("b", RestoredState.bootstrap(m));
    ReadyHandler fh = new ReadyHandler(follower, storage, new KvStateMachine(), transport,
        ApplyListener.NONE, 0);
    // Follower at term 3 already; a stale leader of term 2 sends a snapshot: the core ignores it.
    follower.step(new Message.Heartbeat("a", "b", 3, 0, 1));
    drain(fh);
    SnapshotMeta meta = new SnapshotMeta(0, 0, m);
    SnapshotReceiver.Incoming in = FileSnapshotStore.receiver(tmp.resolve("b"), FileIo.SYSTEM)
        .begin(meta, 0, 0);
    SnapshotStore.Staged staged = in.finish();
    assertThat(names(store)).hasSize(1); // the staged temp file
    fh.deliverSnapshot(new InstallSnapshot("a", "b", 2, meta), staged);
    drain(fh);
    follower.step(new Message.Heartbeat("a", "b", 3, 0, 2)); // the next Ready
    drain(fh);
    // At or below the commit index: it can never be installed, and its file is gone.
    assertThat(names(store)).isEmpty();
  }

  private static List<String> names(FileSnapshotStore store) throws IOException {
    try (Stream<Path> s = Files.list(store.directory())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
