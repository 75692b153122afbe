package io.lattice.raft;

/** How a read is confirmed by the core. Stale reads never reach the core. */
public enum ReadMode {
  /** ReadIndex: the leader confirms its leadership with a heartbeat round (dissertation §6.4). */
  LINEARIZABLE,
  /**
   * Leader lease (dissertation §6.4.1): served at once while the lease from the last majority
   * heartbeat acknowledgement, shortened by the clock-drift margin, is running; otherwise it falls
   * back to a heartbeat round. Never served by lease during a leadership transfer.
   */
  LEASE
}
