package io.lattice.node;

import io.lattice.raft.Membership;
import io.lattice.raft.Progress;
import io.lattice.raft.RaftStatus;
import io.lattice.raft.Role;
import java.util.List;

/**
 * A consistent picture of one node, taken on its loop thread (DESIGN §5 Cluster.Status).
 *
 * @param leaderAddress the leader's client address from the membership, or null when unknown
 * @param logFirstIndex first index held by the log store (0 / above last when empty)
 * @param logLastIndex last index held by the log store
 * @param logBytes bytes of the log store's segments on disk
 * @param transferTarget the target of a leadership transfer in progress, or null
 * @param peers per-member replication progress; only on the leader (empty otherwise)
 * @param raft the core's own status, for anything not copied here
 * @param alarms the raised alarms (NO_SPACE, SNAPSHOT_FAILED: see {@link DiskSpaceMonitor});
 *     empty when all is well
 * @param diskFreeBytes free bytes on the data directory's disk at the last reading
 *     (Long.MAX_VALUE when unknown)
 */
public record NodeStatus(
    String id,
    Role role,
    long term,
    String leaderId,
    String leaderAddress,
    long commitIndex,
    long appliedIndex,
    long logFirstIndex,
    long logLastIndex,
    long logBytes,
    long snapshotIndex,
    long snapshotTerm,
    Membership membership,
    String transferTarget,
    List<PeerLag> peers,
    RaftStatus raft,
    List<DiskSpaceMonitor.Alarm> alarms,
    long diskFreeBytes) {

  public NodeStatus {
    peers = List.copyOf(peers);
    alarms = List.copyOf(alarms);
  }

  /**
   * Replication progress of one member as the leader sees it.
   *
   * @param lag entries the member is behind the leader's last index
   * @param lastContactMillis time since the leader last heard from it (from ticks); -1: never, in
   *     this leadership
   */
  public record PeerLag(
      String id,
      boolean voter,
      long matchIndex,
      long nextIndex,
      long lag,
      Progress.State state,
      boolean recentActive,
      long lastContactMillis) {}
}
