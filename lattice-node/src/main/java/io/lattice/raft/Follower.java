package io.lattice.raft;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.HeartbeatResponse;
import io.lattice.raft.Message.InstallSnapshot;
import java.util.List;

/**
 * A follower's side of log replication (Raft §5.3) and of InstallSnapshot (§7): what it does with
 * the leader's appends, heartbeats and snapshots of the current term, and the answers it queues.
 *
 * <p>The core checks the term and tracks the leader and the election timer; it calls this class
 * only for messages of its own term from the leader of that term. Every answer is queued in the
 * core's outbox and goes out only after the Ready that carries it is durable (the entries and
 * snapshot it acknowledges are in that same Ready), never before: an acknowledgement counts
 * towards a commit, so it must never promise what a crash could still take away.
 *
 * <p>Invariants: nothing at or below the commit index is ever overwritten; the commit index never
 * passes what this follower holds and knows to match the leader's log.
 */
final class Follower {
  private final String id;
  private final RaftLog log;
  private final List<Message> outbox;

  Follower(String id, RaftLog log, List<Message> outbox) {
    this.id = id;
    this.log = log;
    this.outbox = outbox;
  }

  /** Receiver rules of AppendEntries (Figure 2), with a fast back-off hint on rejection. */
  void onAppend(AppendRequest a, long term) {
    if (a.prevLogIndex() < log.committed()) {
      outbox.add(new AppendResponse(id, a.from(), term, true, log.committed(), 0, 0, 0));
      return;
    }
    long lastNew = log.maybeAppend(a.prevLogIndex(), a.prevLogTerm(), a.entries());
    if (lastNew >= 0) {
      log.commitTo(Math.min(a.commit(), lastNew));
      outbox.add(new AppendResponse(id, a.from(), term, true, lastNew, 0, 0, 0));
      return;
    }
    long hint = log.findConflictByTerm(Math.min(a.prevLogIndex(), log.lastIndex()), a.prevLogTerm());
    long hintTerm = Math.max(LogIndex.NO_TERM, log.term(hint));
    outbox.add(new AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), hint, hintTerm));
  }

  /** A heartbeat: learn the commit index (never beyond what we hold) and echo its round. */
  void onHeartbeat(Heartbeat h, long term) {
    log.commitTo(Math.min(h.commit(), log.lastIndex()));
    outbox.add(new HeartbeatResponse(id, h.from(), term, h.readSeq()));
  }

  /** Receiver rules of InstallSnapshot (§7): keep what the snapshot's last entry proves, or reset. */
  void onSnapshot(InstallSnapshot s, long term) {
    SnapshotMeta meta = s.snapshot();
    long match;
    if (meta.index() <= log.committed()) {
      match = log.committed();
    } else if (log.matchTerm(meta.index(), meta.term())) {
      log.commitTo(meta.index()); // we already hold the snapshot's last entry: just fast-forward
      match = meta.index();
    } else {
      log.restore(meta);
      match = meta.index();
    }
    outbox.add(new AppendResponse(id, s.from(), term, true, match, 0, 0, 0));
  }
}
