package io.lattice.node;

import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.storage.SnapshotStore;

/**
 * Sends Raft messages to peers. Called by the {@link ReadyHandler} on the node's loop thread only
 * after everything the messages depend on is durable.
 *
 * <p>Contract: sending is asynchronous and best-effort. Methods must not block on the network and
 * must not throw for a network failure: a message may be lost, duplicated, delayed or reordered
 * (Raft tolerates all of that). When a peer cannot be reached the transport tells the loop, which
 * calls {@link io.lattice.raft.Raft#reportUnreachable}.
 */
public interface Transport {
  /** Sends any message except {@link InstallSnapshot}. */
  void send(Message message);

  /**
   * Sends a snapshot to a follower: the message plus the snapshot's bytes, which the handler took
   * from the snapshot store ({@code snapshot.meta()} equals {@code message.snapshot()}). When the
   * transfer ends the transport tells the loop, which calls {@link
   * io.lattice.raft.Raft#reportSnapshot reportSnapshot(to, success)}; a lost snapshot that is never
   * reported keeps the follower waiting until the core's snapshot timeout.
   */
  void sendSnapshot(InstallSnapshot message, SnapshotStore.Snapshot snapshot);

  /**
   * Sends a snapshot to a follower by identity: {@code source} names the stored snapshot ({@code
   * source.meta()} equals {@code message.snapshot()}) without its data, which the transport reads
   * and streams on its own threads. Must return at once: nothing here may read the data on the
   * caller's (the loop's) thread. Reporting as for {@link #sendSnapshot}.
   *
   * <p>The default, for transports that carry whole snapshots in memory (tests, the simulator),
   * loads the data and calls {@link #sendSnapshot}.
   */
  default void streamSnapshot(InstallSnapshot message, SnapshotStore.Source source) {
    SnapshotStore.Snapshot s;
    try {
      s = source.load();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("reading snapshot " + source.meta().index(), e);
    }
    sendSnapshot(message, s);
  }
}
