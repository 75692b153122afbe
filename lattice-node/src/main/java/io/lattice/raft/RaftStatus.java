package io.lattice.raft;

import java.util.Map;

/**
 * A consistent picture of one core, for status commands and tests.
 *
 * @param peers per-member replication progress; only filled on the leader (empty otherwise)
 */
public record RaftStatus(
    String id,
    Role role,
    long term,
    String leaderId,
    long commitIndex,
    long appliedIndex,
    long firstIndex,
    long lastIndex,
    SnapshotMeta snapshot,
    Membership membership,
    String transferTarget,
    Map<String, PeerStatus> peers) {

  public RaftStatus {
    peers = Map.copyOf(peers);
  }

  /**
   * Replication progress of one member, as the leader sees it.
   *
   * @param ticksSinceContact ticks since the leader last heard from it; -1 if it has not heard
   *     from it since it became leader (or since the member was added)
   */
  public record PeerStatus(
      String id,
      boolean voter,
      long matchIndex,
      long nextIndex,
      Progress.State state,
      boolean recentActive,
      long ticksSinceContact) {}
}
