package io.lattice.raft;

import java.util.List;
import java.util.Objects;

/**
 * What a core starts from: the durable state read back from storage after a (re)start.
 *
 * @param hardState the last persisted hard state ({@link HardState#INITIAL} for a new server)
 * @param snapshot the newest snapshot, or {@link SnapshotMeta#initial} with the bootstrap
 *     membership (empty for a server that joins a running cluster)
 * @param entries the log entries in storage, contiguous, in index order; they may start at or
 *     before {@code snapshot.index() + 1} (a trailing window) but must not leave a gap after it
 */
public record RestoredState(HardState hardState, SnapshotMeta snapshot, List<Entry> entries) {
  public RestoredState {
    Objects.requireNonNull(hardState, "hardState");
    Objects.requireNonNull(snapshot, "snapshot");
    entries = List.copyOf(entries);
  }

  /** A brand-new server of a new cluster. */
  public static RestoredState bootstrap(Membership initial) {
    return new RestoredState(HardState.INITIAL, SnapshotMeta.initial(initial), List.of());
  }
}
