package io.lattice.raft;

import java.util.List;

/**
 * Everything the core needs done, collected since the last {@link Raft#advance}. The caller handles
 * it strictly in this order, then calls {@link Raft#advance(Ready)} with the same object:
 *
 * <ol>
 *   <li><b>persist</b>: write {@code hardState} (if any) first; install {@code snapshot} (if any) in
 *       the snapshot store and reset the log after it; append {@code entries} (the first of which may
 *       overwrite an existing suffix of the log from its index on); then make all of it durable with
 *       one sync. Nothing below may happen before this is durable.
 *   <li><b>send</b> {@code messages}, in any order (the network may reorder them anyway).
 *   <li><b>apply</b>: restore the state machine from {@code snapshot} (if any), then apply
 *       {@code committedEntries} in order; then serve {@code readStates} once the applied index
 *       reaches each one's index. A Ready with a {@code snapshot} has no {@code committedEntries}
 *       (they come in the next Ready), and none has while the driver holds them back ({@link
 *       Raft#holdApply}: it restores the state machine off its loop).
 *   <li><b>advance</b>: hand the Ready back.
 * </ol>
 *
 * @param softState the role/term/leader if changed since the last Ready, else null
 * @param hardState the durable state if changed since the last Ready, else null
 * @param snapshot a snapshot received from the leader to install, else null
 * @param entries entries to make durable, in index order
 * @param messages messages to send once the above is durable
 * @param committedEntries entries to apply to the state machine, in index order
 * @param readStates answers to read-index requests
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    SnapshotMeta snapshot,
    List<Entry> entries,
    List<Message> messages,
    List<Entry> committedEntries,
    List<ReadState> readStates) {

  public Ready {
    entries = List.copyOf(entries);
    messages = List.copyOf(messages);
    committedEntries = List.copyOf(committedEntries);
    readStates = List.copyOf(readStates);
  }

  /** Whether anything must be written and synced before messages are sent. */
  public boolean mustPersist() {
    return hardState != null || snapshot != null || !entries.isEmpty();
  }

  public boolean isEmpty() {
    return softState == null
        && !mustPersist()
        && messages.isEmpty()
        && committedEntries.isEmpty()
        && readStates.isEmpty();
  }
}
