package io.lattice.metrics;

import io.lattice.node.NodeStatus;
import java.util.concurrent.CompletableFuture;

/**
 * What the metrics listener may ask of its node to answer health checks and to refresh the
 * gauges that are read at scrape time. Implementations must be thread-safe; the futures may
 * complete on any thread, and a node that has stopped completes them exceptionally.
 */
public interface NodeProbe {
  /** The node's status, taken on its loop thread (a stalled loop never completes it). */
  CompletableFuture<NodeStatus> status();

  /**
   * Completes normally once a linearizable read could be served by this member now: the
   * leader confirmed its leadership with a round of a quorum (ReadIndex). Completes
   * exceptionally without a leader or a quorum.
   */
  CompletableFuture<?> quorumRead();

  /** The leader's id as of the loop's last round, or null; never waits for the loop. */
  String knownLeader();
}
