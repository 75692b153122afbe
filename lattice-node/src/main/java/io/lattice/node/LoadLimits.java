package io.lattice.node;

import io.lattice.raft.RaftConfig;

/**
 * The node's back-pressure bounds: past any of them new work is refused at once (a client request
 * with OVERLOADED, which means "had no effect, back off and retry"; a peer message is dropped, which
 * Raft tolerates since the sender retries), so that a node's memory stays bounded whatever clients
 * and peers send. With the defaults the work a node may hold is at most about 64 MiB of pending
 * requests (uncommitted commands included: they are the same bytes) plus 64 MiB of queued peer
 * messages, well within the 1 GiB heap the service file sets.
 *
 * @param maxPendingRequests client requests (writes and reads) a node holds at once, queued for its
 *     loop or waiting for their outcome. 10,000 is several seconds of work at the rate one leader
 *     serves, beyond which a waiting client would run into its own deadline anyway
 * @param maxPendingBytes bytes of the commands of those requests
 * @param maxInboxBytes bytes of peer messages queued for the loop (entries counted by their size,
 *     every message by a fixed overhead as well)
 * @param maxUncommittedBytes the leader's bound on commands it has not committed yet ({@link
 *     RaftConfig#maxUncommittedBytes()})
 */
public record LoadLimits(int maxPendingRequests, long maxPendingBytes, long maxInboxBytes,
    long maxUncommittedBytes) {
  public static final int DEFAULT_MAX_PENDING_REQUESTS = 10_000;
  public static final long DEFAULT_MAX_PENDING_BYTES = 64L << 20;
  public static final long DEFAULT_MAX_INBOX_BYTES = 64L << 20;
  public static final long DEFAULT_MAX_UNCOMMITTED_BYTES = RaftConfig.DEFAULT_MAX_UNCOMMITTED_BYTES;
  /**
   * Admin requests (status, membership, transfer, snapshot, hash) a node holds at once: a fixed,
   * separate bound, so that an operator's {@code status} still gets through while clients flood the
   * node with writes.
   */
  public static final int MAX_ADMIN_REQUESTS = 256;

  public static final LoadLimits DEFAULTS = new LoadLimits(DEFAULT_MAX_PENDING_REQUESTS,
      DEFAULT_MAX_PENDING_BYTES, DEFAULT_MAX_INBOX_BYTES, DEFAULT_MAX_UNCOMMITTED_BYTES);

  public LoadLimits {
    if (maxPendingRequests < 1 || maxPendingBytes < 1 || maxInboxBytes < 1
        || maxUncommittedBytes < 1) {
      throw new IllegalArgumentException("back-pressure limits must be positive");
    }
  }
}
