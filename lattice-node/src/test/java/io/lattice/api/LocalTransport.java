package io.lattice.api;

import io.lattice.node.Transport;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.storage.SnapshotStore;
import io.lattice.transport.PeerInbox;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects RaftNodes in one JVM (the idea of the node tests' InMemoryTransport): a message goes
 * straight to the recipient's inbox; a recipient that is not running is reported unreachable.
 */
final class LocalTransport implements Transport {
  /** The running nodes by id, shared by the transports of one test cluster. */
  static final class Network {
    final Map<String, PeerInbox> inboxes = new ConcurrentHashMap<>();

    LocalTransport transportFor(String id, PeerInbox self) {
      inboxes.put(id, self);
      return new LocalTransport(this, self);
    }

    void remove(String id) {
      inboxes.remove(id);
    }
  }

  private final Network network;
  private final PeerInbox selfInbox;

  private LocalTransport(Network network, PeerInbox selfInbox) {
    this.network = network;
    this.selfInbox = selfInbox;
  }

  @Override
  public void send(Message message) {
    PeerInbox to = network.inboxes.get(message.to());
    if (to == null) {
      selfInbox.unreachable(message.to());
      return;
    }
    to.deliver(message);
  }

  @Override
  public void sendSnapshot(InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
    PeerInbox to = network.inboxes.get(message.to());
    if (to == null) {
      selfInbox.snapshotSent(message.to(), false);
      return;
    }
    to.deliverSnapshot(message, snapshot.data().clone());
    selfInbox.snapshotSent(message.to(), true);
  }
}
