package io.lattice.raft;

import io.lattice.raft.Message.AppendRequest;
import io.lattice.raft.Message.AppendResponse;
import io.lattice.raft.Message.Heartbeat;
import io.lattice.raft.Message.InstallSnapshot;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The leader's side of log replication (Raft §5.3): one {@link Progress} per member, and the
 * appends, snapshots and heartbeats that follow from it, written to the core's outbox in the order
 * they are made.
 *
 * <p>Invariants: while this server leads, there is a Progress for exactly the members of the
 * configuration in force other than this server (after {@link #sync}); when it does not lead there
 * is none, so nothing is ever sent for a term it does not lead. What is sent to a member never
 * goes past the inflight window or repeats an outstanding probe; a member whose next entries were
 * compacted away gets the snapshot instead.
 */
final class Replicator {
  private final String self;
  private final RaftConfig cfg;
  private final RaftLog log;
  private final List<Message> outbox;
  private final Map<String, Progress> progress = new TreeMap<>();
  /** The term this server leads in. */
  private long term;

  Replicator(String self, RaftConfig cfg, RaftLog log, List<Message> outbox) {
    this.self = self;
    this.cfg = cfg;
    this.log = log;
    this.outbox = outbox;
  }

  /** Leadership of {@code leaderTerm} begins: every member is probed from after our last entry. */
  void becomeLeader(long leaderTerm) {
    term = leaderTerm;
    progress.clear();
    sync();
  }

  /** Leadership ended: nothing is tracked any more. */
  void stepDown() {
    progress.clear();
  }

  /** Progress entries for exactly the members of the configuration in force, except this one. */
  void sync() {
    Membership m = log.membership();
    progress.keySet().removeIf(p -> !m.contains(p));
    for (String member : m.members().keySet()) {
      if (!member.equals(self) && !progress.containsKey(member)) {
        progress.put(member, new Progress(LogIndex.next(log.lastIndex()), cfg.maxInflight()));
      }
    }
  }

  /** The progress of {@code member}, or null if it is not tracked (or we do not lead). */
  Progress progress(String member) {
    return progress.get(member);
  }

  /** The match index of {@code member}; 0 when it is not tracked. */
  long match(String member) {
    Progress pr = progress.get(member);
    return pr != null ? pr.match() : 0;
  }

  Map<String, RaftStatus.PeerStatus> status(long now) {
    Membership m = log.membership();
    Map<String, RaftStatus.PeerStatus> peers = new LinkedHashMap<>();
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      Progress pr = e.getValue();
      peers.put(e.getKey(), new RaftStatus.PeerStatus(e.getKey(), m.isVoter(e.getKey()),
          pr.match(), pr.next(), pr.state(), pr.recentActive(),
          pr.lastContactTick() == Progress.NEVER ? -1 : now - pr.lastContactTick()));
    }
    return peers;
  }

  /** A leader tick: a snapshot pending too long is given up, and the member probed again. */
  void tick() {
    for (Progress pr : progress.values()) {
      if (pr.snapshotTimedOut(cfg.snapshotTimeoutTicks())) {
        pr.becomeProbe();
      }
    }
  }

  /**
   * Check-quorum (§6.2): whether a majority of {@code voters} (counting this server) was heard
   * from in the period now ending; starts the next period.
   */
  boolean quorumActive(Collection<String> voters) {
    boolean active = Quorum.isActive(voters,
        v -> v.equals(self) || (progress.containsKey(v) && progress.get(v).recentActive()));
    progress.values().forEach(pr -> pr.setRecentActive(false));
    return active;
  }

  /** A heartbeat interval passed: an unanswered probe may be retried. */
  void heartbeatTick() {
    progress.values().forEach(Progress::heartbeatTick);
  }

  /** Sends every member a heartbeat of {@code round}, with a commit index it is known to hold. */
  void sendHeartbeats(long round) {
    for (Map.Entry<String, Progress> e : progress.entrySet()) {
      long commit = Math.min(e.getValue().match(), log.committed());
      outbox.add(new Heartbeat(self, e.getKey(), term, commit, round));
    }
  }

  /** Sends every member what it lacks, and at least an empty append (spreading the commit index). */
  void broadcastAppends() {
    for (String peer : progress.keySet()) {
      if (sendAppend(peer, true)) {
        sendAppendsWhileOpen(peer);
      }
    }
  }

  /**
   * A member acknowledged everything up to {@code index}.
   *
   * @return whether that told anything new: match moved, or (as etcd) a probe was answered at
   *     exactly the match index, which proves the logs agree up to it, so pipelining resumes
   */
  boolean acknowledged(Progress pr, long index) {
    if (pr.maybeUpdate(index) || (pr.state() == Progress.State.PROBE && pr.match() == index)) {
      if (pr.state() == Progress.State.PROBE) {
        pr.becomeReplicate();
      } else if (pr.state() == Progress.State.SNAPSHOT && pr.match() >= pr.pendingSnapshot()) {
        pr.becomeReplicate();
      }
      return true;
    }
    return false;
  }

  /** A member rejected an append: back off (fast, by the member's hint) and probe again. */
  void rejected(Progress pr, AppendResponse r) {
    long probeFrom = r.hintTerm() > 0
        ? log.findConflictByTerm(r.hintIndex(), r.hintTerm()) : r.hintIndex();
    if (pr.maybeDecreaseTo(r.rejectedIndex(), probeFrom)) {
      if (pr.state() == Progress.State.REPLICATE) {
        pr.becomeProbe();
      }
      sendAppend(r.from(), false);
    }
  }

  /** A member answered a heartbeat: it is alive, so whatever stalls replication to it is undone. */
  void heartbeatAnswered(String member, Progress pr) {
    if (pr.state() == Progress.State.REPLICATE && pr.inflights().full()) {
      // The follower is alive but the window stays full: appends (or their answers) may have been
      // lost. Free one slot so replication resumes (a rejection then falls back to probing).
      pr.inflights().freeFirstOne();
    }
    if (pr.match() < log.lastIndex() || pr.state() == Progress.State.PROBE) {
      // Even when everything was sent already: an empty append makes a follower that lost some
      // of them reject it, which sends the leader back to probing from its match index. A
      // caught-up follower in PROBE gets one too: its ack returns it to REPLICATE (etcd).
      sendAppend(member, true);
    }
  }

  /** The voter other than this one with the highest match index; ties go to the lowest id. */
  String mostUpToDateVoter() {
    String best = null;
    long bestMatch = -1;
    for (String v : log.membership().voters()) { // sorted: a tie keeps the lowest id
      Progress pr = progress.get(v);
      if (!v.equals(self) && pr != null && pr.match() > bestMatch) {
        best = v;
        bestMatch = pr.match();
      }
    }
    return best;
  }

  /**
   * Dissertation §4.2.1: the first learner that asked to be promoted and is caught up (replicating,
   * within {@code promoteGap} of our last index), or null.
   */
  String promotableLearner() {
    for (Member m : log.membership().members().values()) {
      Progress pr = progress.get(m.id());
      if (!m.voter() && m.autoPromote() && pr != null
          && pr.state() == Progress.State.REPLICATE
          && LogIndex.within(pr.match(), log.lastIndex(), cfg.promoteGap())) {
        return m.id();
      }
    }
    return null;
  }

  /** Fills the pipeline to {@code peer} with what it does not have yet. */
  void sendAppendsWhileOpen(String peer) {
    Progress pr = progress.get(peer);
    while (pr != null && pr.next() <= log.lastIndex() && !pr.isPaused()) {
      if (!sendAppend(peer, false)) {
        return;
      }
    }
  }

  /**
   * Sends {@code peer} the entries it needs next (or a snapshot when they are compacted away).
   * Returns whether anything was sent.
   */
  boolean sendAppend(String peer, boolean sendIfEmpty) {
    Progress pr = progress.get(peer);
    if (pr == null || pr.isPaused()) {
      return false;
    }
    long prevIndex = LogIndex.prev(pr.next());
    long prevTerm = log.term(prevIndex);
    if (prevTerm == RaftLog.UNAVAILABLE || pr.next() < log.firstIndex()) {
      SnapshotMeta snap = log.snapshot();
      pr.becomeSnapshot(snap.index());
      outbox.add(new InstallSnapshot(self, peer, term, snap));
      return true;
    }
    List<Entry> entries = pr.next() <= log.lastIndex()
        ? log.slice(pr.next(), log.lastIndex(), cfg.maxEntriesPerAppend(), cfg.maxBytesPerAppend())
        : List.of();
    if (entries.isEmpty() && !sendIfEmpty) {
      return false;
    }
    outbox.add(new AppendRequest(self, peer, term, prevIndex, prevTerm, entries, log.committed()));
    long last = entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index();
    pr.sentAppend(last, entries.size());
    return true;
  }
}
