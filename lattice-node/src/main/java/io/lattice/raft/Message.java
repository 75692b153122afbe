package io.lattice.raft;

import java.util.List;

/**
 * A message between Raft servers. Every message carries its sender, its recipient and the sender's
 * term; a term of a pre-vote request is the term the sender would campaign in (dissertation §9.6).
 * Messages are plain values: the transport encodes them, the core never does.
 */
public sealed interface Message {
  String from();

  String to();

  long term();

  /** Raft §5.2 RequestVote; with {@code preVote} it changes no state on either side (§9.6). */
  record VoteRequest(
      String from, String to, long term, long lastLogIndex, long lastLogTerm, boolean preVote,
      boolean transfer)
      implements Message {}

  record VoteResponse(String from, String to, long term, boolean preVote, boolean granted)
      implements Message {}

  /** Raft §5.3 AppendEntries: entries following (prevLogIndex, prevLogTerm), and the leader's commit. */
  record AppendRequest(
      String from, String to, long term, long prevLogIndex, long prevLogTerm, List<Entry> entries,
      long commit)
      implements Message {
    public AppendRequest {
      entries = List.copyOf(entries);
    }
  }

  /**
   * Answer to an {@link AppendRequest} or {@link InstallSnapshot}. On success {@code matchIndex} is
   * the last index known to match the leader's log. On rejection {@code rejectedIndex} is the
   * prevLogIndex that did not match, and (hintIndex, hintTerm) is the follower's last entry at or
   * below it with a term no greater than the leader's prevLogTerm, so that the leader can skip a
   * whole conflicting term in one round trip (fast back-off, dissertation §5.3 optimisation).
   */
  record AppendResponse(
      String from, String to, long term, boolean success, long matchIndex, long rejectedIndex,
      long hintIndex, long hintTerm)
      implements Message {}

  /**
   * Leader liveness and ReadIndex confirmation. {@code commit} is never beyond what the follower is
   * known to hold. {@code readSeq} is echoed back: a majority echoing it confirms leadership at the
   * time it was sent.
   */
  record Heartbeat(String from, String to, long term, long commit, long readSeq)
      implements Message {}

  record HeartbeatResponse(String from, String to, long term, long readSeq) implements Message {}

  /** Raft §7 InstallSnapshot. The snapshot's bytes travel beside the message, outside the core. */
  record InstallSnapshot(String from, String to, long term, SnapshotMeta snapshot)
      implements Message {}

  /** Dissertation §3.10: the recipient starts an election at once, ignoring leader stickiness. */
  record TimeoutNow(String from, String to, long term) implements Message {}

  /** A follower asks the leader for a read index on behalf of its client (§6.4). */
  record ReadIndexRequest(String from, String to, long term, long requestId) implements Message {}

  record ReadIndexResponse(
      String from, String to, long term, long requestId, long index, boolean granted)
      implements Message {}
}
