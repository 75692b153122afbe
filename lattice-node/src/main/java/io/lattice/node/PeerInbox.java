package io.lattice.node;

import io.lattice.raft.Message;
import io.lattice.storage.SnapshotStore;

/**
 * Where the peer transport hands what arrives from the network, and what it learns about peers.
 * Implemented by the node, which queues everything for its single loop thread: every method may be
 * called from any transport thread, must return quickly and must not block.
 */
public interface PeerInbox {
  /**
   * A message from a peer, already checked to belong to this cluster and to be for this node. The
   * node may drop it when its inbox is full (Raft tolerates lost messages: the sender retries).
   */
  void deliver(Message message);

  /** A complete snapshot transfer: the InstallSnapshot message and the snapshot's bytes. */
  void deliverSnapshot(Message.InstallSnapshot message, byte[] data);

  /**
   * A complete, verified snapshot transfer written to storage: the InstallSnapshot message and the
   * staged snapshot, which the node publishes if it installs it and discards otherwise. The default
   * handles only {@link SnapshotStore.Buffered} (in memory) by passing its bytes on.
   */
  default void deliverSnapshot(Message.InstallSnapshot message, SnapshotStore.Staged staged) {
    if (!(staged instanceof SnapshotStore.Buffered b)) {
      throw new UnsupportedOperationException("this inbox takes snapshots in memory only");
    }
    deliverSnapshot(message, b.data());
  }

  /** Sending to {@code peer} failed: the core stops pipelining to it (reportUnreachable). */
  void unreachable(String peer);

  /** A snapshot transfer to {@code peer} ended (the core's reportSnapshot). */
  void snapshotSent(String peer, boolean success);

  /**
   * Whether a message from {@code peer} is to be refused because {@code peer} is no longer a
   * member (the rule is {@link MembershipGate}'s): the transport answers MEMBER_REMOVED instead of
   * delivering it. Quick, from state the loop publishes.
   */
  default boolean refusesAsRemoved(String peer) {
    return false;
  }

  /**
   * The leader {@code by} refused a message of this node with MEMBER_REMOVED ({@code message} is
   * its text): this member's removal is committed, and the node stops for good.
   */
  default void removedFromCluster(String by, String message) {}

  /**
   * The snapshot {@code source} (as the node handed it to the transport) turned out damaged on
   * this node's disk while it was streamed: its data does not match its recorded CRC-32C, or the
   * file is shorter than its header says. It was not sent. The node sets the file aside and takes
   * a fresh snapshot, so that the core's next InstallSnapshot sends one that is intact.
   */
  void snapshotDamaged(SnapshotStore.Source source);
}
