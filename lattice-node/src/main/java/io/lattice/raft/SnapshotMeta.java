package io.lattice.raft;

import java.util.Objects;

/**
 * Describes a state-machine snapshot: it contains the effect of every entry up to and including
 * {@code index}, which has {@code term}, and {@code membership} is the configuration in force at
 * that index (Raft §7). The snapshot's bytes live outside the core.
 */
public record SnapshotMeta(long index, long term, Membership membership) {
  public SnapshotMeta {
    Objects.requireNonNull(membership, "membership");
  }

  /** "No snapshot": the state before the first entry, with the bootstrap membership. */
  public static SnapshotMeta initial(Membership membership) {
    return new SnapshotMeta(LogIndex.NONE, LogIndex.NO_TERM, membership);
  }
}
