package io.lattice.node;

import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.storage.SnapshotStore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects {@link RaftNode}s in one JVM: a message is handed straight to the recipient's {@link
 * PeerInbox} (which only queues it); a recipient that is not running is reported unreachable to the
 * sender. Snapshots travel whole, and the sender is told the transfer ended.
 */
public final class InMemoryTransport implements Transport {
  /** The running nodes by id, shared by every transport of one test cluster. */
  public static final class Network {
    final Map<String, PeerInbox> inboxes = new ConcurrentHashMap<>();

    public InMemoryTransport transportFor(String id, PeerInbox self) {
      inboxes.put(id, self);
      return new InMemoryTransport(this, id, self);
    }

    /** Forgets a stopped node (call before it is restarted). */
    void remove(String id) {
      inboxes.remove(id);
    }
  }

  private final Network network;
  private final String self;
  private final PeerInbox selfInbox;

  private InMemoryTransport(Network network, String self, PeerInbox selfInbox) {
    this.network = network;
    this.self = self;
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

  @Override
  public String toString() {
    return "InMemoryTransport[" + self + "]";
  }
}
