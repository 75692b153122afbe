package io.lattice.raft;

import io.lattice.raft.Message.AppendRequest;
import java.util.List;

/**
 * Everything the core needs done, collected since the last {@link Raft#advance}. The caller handles
 * it strictly in this order, then calls {@link Raft#advance(Ready)} with the same object:
 *
 * <ol>
 *   <li><b>send early</b> (optional) {@link #messagesBeforePersist()}: a leader's appends, which may
 *       leave while its own write of the same entries is in flight (dissertation §10.2.1). A driver
 *       may as well send them with the rest, after the persist.
 *   <li><b>persist</b>: write {@code hardState} (if any) first; install {@code snapshot} (if any) in
 *       the snapshot store and reset the log after it; append {@code entries} (the first of which may
 *       overwrite an existing suffix of the log from its index on); then make all of it durable with
 *       one sync. Nothing below may happen before this is durable.
 *   <li><b>send</b> {@link #messagesAfterPersist()} (all of {@code messages} if none was sent
 *       early), in any order (the network may reorder them anyway).
 *   <li><b>apply</b>: restore the state machine from {@code snapshot} (if any), then apply
 *       {@code committedEntries} in order; then serve {@code readStates} once the applied index
 *       reaches each one's index. A Ready with a {@code snapshot} has no {@code committedEntries}
 *       (they come in the next Ready), and none has while the driver holds them back ({@link
 *       Raft#holdApply}: it restores the state machine off its loop).
 *   <li><b>advance</b>: hand the Ready back. Only then does the core count this server's copy of
 *       {@code entries} as durable (a leader counts itself in the commit quorum from here on).
 * </ol>
 *
 * <p>Why sending a leader's appends early is safe: an append is a request, not an answer; it
 * promises nothing about the leader's disk. The leader counts itself towards a majority only for
 * entries that {@link Raft#advance} reported durable, so an entry it lost in a crash before its sync
 * commits only if a majority of followers stored it (and then it is committed, whatever the old
 * leader lost). Every answer of a follower or candidate (append acknowledgements, votes) and
 * everything else stays behind the persist (Figure 2: "respond to RPCs only after updating stable
 * storage"), and nothing is sent early by a Ready that changes the hard state (the term and vote
 * the messages carry must be durable before anyone hears of them).
 *
 * @param softState the role/term/leader if changed since the last Ready, else null
 * @param hardState the durable state if changed since the last Ready, else null
 * @param snapshot a snapshot received from the leader to install, else null
 * @param entries entries to make durable, in index order
 * @param messages messages to send: the first {@code sendBeforePersist} of them may be sent before
 *     the above is durable, the rest only once it is
 * @param committedEntries entries to apply to the state machine, in index order
 * @param readStates answers to read-index requests
 * @param sendBeforePersist how many of {@code messages}, from the first, may be sent early: only
 *     {@link AppendRequest}s
 */
public record Ready(
    SoftState softState,
    HardState hardState,
    SnapshotMeta snapshot,
    List<Entry> entries,
    List<Message> messages,
    List<Entry> committedEntries,
    List<ReadState> readStates,
    int sendBeforePersist) {

  public Ready {
    entries = List.copyOf(entries);
    messages = List.copyOf(messages);
    committedEntries = List.copyOf(committedEntries);
    readStates = List.copyOf(readStates);
    if (sendBeforePersist < 0 || sendBeforePersist > messages.size()) {
      throw new IllegalArgumentException("sendBeforePersist " + sendBeforePersist + " outside [0, "
          + messages.size() + "]");
    }
    for (Message m : messages.subList(0, sendBeforePersist)) {
      if (!(m instanceof AppendRequest)) {
        throw new IllegalArgumentException("only appends may be sent before the persist: " + m);
      }
    }
  }

  /** A Ready all of whose messages wait for the persist. */
  public Ready(SoftState softState, HardState hardState, SnapshotMeta snapshot, List<Entry> entries,
      List<Message> messages, List<Entry> committedEntries, List<ReadState> readStates) {
    this(softState, hardState, snapshot, entries, messages, committedEntries, readStates, 0);
  }

  /** The messages that may be sent while the persist is in flight (a leader's appends). */
  public List<Message> messagesBeforePersist() {
    return messages.subList(0, sendBeforePersist);
  }

  /** The messages that may be sent only once everything of this Ready is durable. */
  public List<Message> messagesAfterPersist() {
    return messages.subList(sendBeforePersist, messages.size());
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
