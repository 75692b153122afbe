package io.lattice.node;

import io.lattice.raft.ReadMode;

/** How a read through {@link RaftNode#read} is served; a per-request choice (DESIGN §3). */
public enum ReadConsistency {
  /** ReadIndex: leadership confirmed by a heartbeat round, on the leader or through a follower. */
  LINEARIZABLE,
  /** Leader lease; falls back to a heartbeat round when the lease is not valid. */
  LEASE,
  /** Served at once from this node's state machine: possibly stale (serializable). */
  STALE;

  /** The core's mode, or null for {@link #STALE}. */
  public ReadMode toReadMode() {
    switch (this) {
      case LINEARIZABLE:
        return ReadMode.LINEARIZABLE;
      case LEASE:
        return ReadMode.LEASE;
      default:
        return null;
    }
  }

  public static ReadConsistency of(ReadMode mode) {
    return mode == null ? STALE : mode == ReadMode.LEASE ? LEASE : LINEARIZABLE;
  }
}
