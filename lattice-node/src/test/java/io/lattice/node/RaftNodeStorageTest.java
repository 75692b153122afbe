package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.errors.Reason;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Group commit and fsync failure of a single-node cluster, through a FileIo seam. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RaftNodeStorageTest {
  @TempDir Path tmp;
  private RaftNode<KvStateMachine> node;

  /** Counts log fsyncs; can hold the loop inside one, or make them fail. */
  private static final class ControlledIo implements FileIo {
    final AtomicInteger forces = new AtomicInteger();
    final AtomicBoolean holdNext = new AtomicBoolean();
    final CountDownLatch held = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean fail;
    /** When set, only an fsync of a file whose path contains this is held. */
    volatile String holdOnly;

    @Override
    public void force(FileChannel channel, Path file) throws IOException {
      if (fail) {
        throw new IOException("injected fsync failure on " + file);
      }
      String only = holdOnly;
      if ((only == null || file.toString().contains(only)) && holdNext.compareAndSet(true, false)) {
        held.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      FileIo.SYSTEM.force(channel, file);
      forces.incrementAndGet();
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      FileIo.SYSTEM.fsyncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      FileIo.SYSTEM.rename(from, to);
    }
  }

  @AfterEach
  void close() {
    if (node != null) {
      node.close();
    }
  }

  private RaftNode<KvStateMachine> startSolo(ControlledIo io) throws Exception {
    NodeConfig config = NodeConfig.of("a", tmp.resolve("a"), Map.of("a", "127.0.0.1:7001"))
        .withTiming(10, 10, 2, 2);
    node = RaftNode.start(config, new KvStateMachine(), inbox -> new InMemoryTransport.Network().transportFor("a", inbox),
        io);
    RaftNodeTest.awaitTrue("a to lead itself", () -> node.header().role() == Role.LEADER);
    return node;
  }

  @Test
  void aSecondNodeOnTheSameDataDirectoryRefusesToStart() throws Exception {
    startSolo(new ControlledIo());
    NodeConfig same = NodeConfig.of("a", tmp.resolve("a"), Map.of("a", "127.0.0.1:7001"));
    assertThatThrownBy(() -> RaftNode.start(same, new KvStateMachine(),
        inbox -> new InMemoryTransport.Network().transportFor("a", inbox)))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("in use by another lattice-node");
    // the first node is unaffected
    assertThat(RaftNodeTest.get(node.propose(RaftNodeTest.put("still", "serving")))).isNotNull();
  }

  @Test
  void proposalsWaitingInTheInboxShareOneAppendAndOneFsync() throws Exception {
    ControlledIo io = new ControlledIo();
    startSolo(io);
    RaftNodeTest.get(node.propose(RaftNodeTest.put("warm", "up")));

    io.holdNext.set(true);
    CompletableFuture<byte[]> first = node.propose(RaftNodeTest.put("first", "1"));
    assertThat(io.held.await(10, TimeUnit.SECONDS)).as("loop inside the first fsync").isTrue();
    // the loop is stuck in an fsync: these 100 all wait in the inbox
    List<CompletableFuture<byte[]>> batch = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      batch.add(node.propose(RaftNodeTest.put("k" + i, "v" + i)));
    }
    int before = io.forces.get();
    io.release.countDown();
    RaftNodeTest.get(first);
    for (CompletableFuture<byte[]> f : batch) {
      RaftNodeTest.get(f);
    }
    // the held fsync itself, then one for the whole batch of 100
    assertThat(io.forces.get() - before).isBetween(1, 2);
    assertThat(RaftNodeTest.value(node, "k99", ReadConsistency.LINEARIZABLE)).isEqualTo("v99");
  }

  @Test
  void writesKeepCommittingWhileASnapshotIsBeingWritten() throws Exception {
    ControlledIo io = new ControlledIo();
    startSolo(io);
    for (int i = 0; i < 50; i++) {
      RaftNodeTest.get(node.propose(RaftNodeTest.put("before" + i, "v" + i)));
    }
    io.holdOnly = FileSnapshotStore.DIR_NAME;
    io.holdNext.set(true);
    CompletableFuture<SnapshotMeta> snapshot = node.snapshotNow();
    assertThat(io.held.await(10, TimeUnit.SECONDS)).as("snapshot writer inside its fsync").isTrue();
    long snapshotIndex = node.header().appliedIndex();
    // the snapshot's fsync is stuck: the loop still commits, applies and serves reads
    for (int i = 0; i < 20; i++) {
      RaftNodeTest.get(node.propose(RaftNodeTest.put("during" + i, "v" + i)));
    }
    assertThat(RaftNodeTest.value(node, "during19", ReadConsistency.LINEARIZABLE)).isEqualTo("v19");
    assertThat(snapshot).isNotDone();
    assertThat(node.status().get(5, TimeUnit.SECONDS).snapshotIndex()).isLessThan(snapshotIndex);
    io.release.countDown();
    SnapshotMeta meta = RaftNodeTest.get(snapshot);
    // the snapshot is of the state when it was asked for, not of the writes made meanwhile
    assertThat(meta.index()).isEqualTo(snapshotIndex);
    assertThat(node.status().get(5, TimeUnit.SECONDS).snapshotIndex()).isEqualTo(snapshotIndex);
    node.close();
    node = null;
    // a restart restores from it and replays the rest
    startSolo(new ControlledIo());
    assertThat(RaftNodeTest.value(node, "before49", ReadConsistency.LINEARIZABLE)).isEqualTo("v49");
    assertThat(RaftNodeTest.value(node, "during19", ReadConsistency.LINEARIZABLE)).isEqualTo("v19");
  }

  @Test
  void aFailedFsyncStopsTheNode() throws Exception {
    ControlledIo io = new ControlledIo();
    startSolo(io);
    io.fail = true;
    CompletableFuture<byte[]> doomed = node.propose(RaftNodeTest.put("k", "v"));
    Throwable cause = node.fatalError().get(10, TimeUnit.SECONDS);
    assertThat(cause).isInstanceOf(StorageFailureException.class);
    try {
      doomed.get(10, TimeUnit.SECONDS);
      throw new AssertionError("a proposal that was never durable succeeded");
    } catch (ExecutionException e) {
      // It was appended (its bytes may be on disk despite the failed fsync, and a restarted node
      // may commit it): "may have applied", never "had no effect".
      assertThat(((NodeException) e.getCause()).reason())
          .isEqualTo(Reason.INDETERMINATE);
    }
    node.terminated().get(10, TimeUnit.SECONDS);
  }
}
