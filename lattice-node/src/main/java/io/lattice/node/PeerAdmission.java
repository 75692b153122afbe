package io.lattice.node;

import io.lattice.raft.Entry;
import io.lattice.raft.Message;

/**
 * The bound on peer messages queued for the loop ({@code --max-inbox-bytes}): a message past it is
 * dropped and counted (Raft tolerates lost messages: the sender retries), so that no peer, however
 * fast or hostile, can grow the node's memory through its inbox. Thread-safe: transport threads
 * admit, the loop releases as it runs the tasks.
 */
final class PeerAdmission {
  /** Bytes counted for a queued message beyond its entries' (the message and its task). */
  static final long MESSAGE_OVERHEAD_BYTES = 128;

  private final Admission bytes;
  private final NodeMetrics metrics;

  PeerAdmission(long maxBytes, NodeMetrics metrics) {
    this.bytes = new Admission(Integer.MAX_VALUE, maxBytes);
    this.metrics = metrics;
  }

  /**
   * A loop task running {@code body} for {@code message} (null for a hint that carries none), its
   * bytes counted until it runs or is aborted; null when the bound refuses it (dropped, counted).
   */
  NodeLoop.Task admit(Message message, Runnable body) {
    long cost = queuedCost(message);
    if (bytes.tryAdmit(cost) != Admission.Refusal.NONE) {
      metrics.peerMessageDropped();
      return null;
    }
    return new NodeLoop.Task() {
      @Override
      public void run() {
        bytes.release(cost);
        body.run();
      }

      @Override
      public void abort(NodeException e) {
        bytes.release(cost);
      }
    };
  }

  /** The bytes a queued message holds: its entries' and a fixed overhead. */
  static long queuedCost(Message message) {
    long cost = MESSAGE_OVERHEAD_BYTES;
    if (message instanceof Message.AppendRequest a) {
      for (Entry e : a.entries()) {
        cost += e.size();
      }
    }
    return cost;
  }

  /** Bytes of peer messages queued now (any thread). */
  long bytes() {
    return bytes.bytes();
  }
}
