package io.lattice.raft;

import io.lattice.raft.Message.ReadIndexRequest;
import io.lattice.raft.Message.ReadIndexResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A follower's linearizable reads (dissertation §6.4), batched: one ReadIndex round trip to the
 * leader answers every read waiting at this follower. Reads that arrive while a round is out join
 * the next one, sent when the answer comes (at the next Ready). The leader confirms a round as it
 * confirms one read (a heartbeat round of its own), and the read index it returns was chosen after
 * every read of the round arrived here, so it is a valid read index for each of them.
 *
 * <p>A round is named by the request id of its first read (ids are unique, and the node draws
 * them from a random start, so an answer to a round of an earlier incarnation of this server does
 * not match one of this incarnation). An answer is taken only from the leader the round was sent
 * to, in the term it was sent in (the core drops messages of older terms), for the round out.
 *
 * <p>Invariants: at most one round is out; every read ends exactly once, granted with the leader's
 * index or not granted — when the leader says no, when the round goes unanswered for an election
 * timeout (the request or its answer was lost: the reads fail and the caller retries), or when
 * the leader or term changes or this server stops following (the answer can no longer come).
 */
final class FollowerReads {
  private final String id;
  private final List<Message> outbox;
  private final List<ReadState> readStates;

  /** The reads of the round sent and not yet answered; empty when no round is out. */
  private final List<Long> sent = new ArrayList<>();
  /** The id of the round out, and whom it was sent to. */
  private long round;
  private String roundLeader;
  /** Ticks since the round out was sent. */
  private int roundAge;
  /** Reads waiting for the next round. */
  private final List<Long> waiting = new ArrayList<>();

  FollowerReads(String id, List<Message> outbox, List<ReadState> readStates) {
    this.id = id;
    this.outbox = outbox;
    this.readStates = readStates;
  }

  /** A read of this server's client; with no known leader it fails at once. */
  void request(long requestId, String leaderId) {
    if (leaderId == null) {
      readStates.add(new ReadState(requestId, LogIndex.NONE, false));
    } else {
      waiting.add(requestId);
    }
  }

  /** Whether a round is due: reads wait and none is out. */
  boolean roundDue() {
    return sent.isEmpty() && !waiting.isEmpty();
  }

  /** Before a Ready: sends the due round, of every waiting read, to {@code leaderId}. */
  void flush(String leaderId, long term) {
    if (!roundDue()) {
      return;
    }
    if (leaderId == null) {
      failAll();
      return;
    }
    sent.addAll(waiting);
    waiting.clear();
    round = sent.get(0);
    roundLeader = leaderId;
    roundAge = 0;
    outbox.add(new ReadIndexRequest(id, leaderId, term, round));
  }

  /** The leader answered: every read of the round ends with its answer; others are ignored. */
  void onResponse(ReadIndexResponse r) {
    if (sent.isEmpty() || r.requestId() != round || !r.from().equals(roundLeader)) {
      return; // a duplicate, or the answer to a round that already ended
    }
    for (long requestId : sent) {
      readStates.add(new ReadState(requestId, r.index(), r.granted()));
    }
    sent.clear();
  }

  /** A tick: a round unanswered for {@code timeoutTicks} fails (its request or answer was lost). */
  void tick(int timeoutTicks) {
    if (!sent.isEmpty() && ++roundAge >= timeoutTicks) {
      failRound();
    }
  }

  /** The leader or the term changed, or this server stopped following: no answer will come. */
  void abandon() {
    failAll();
  }

  /** Reads waiting or out (for tests and status). */
  int pending() {
    return sent.size() + waiting.size();
  }

  private void failRound() {
    for (long requestId : sent) {
      readStates.add(new ReadState(requestId, LogIndex.NONE, false));
    }
    sent.clear();
  }

  private void failAll() {
    failRound();
    for (long requestId : waiting) {
      readStates.add(new ReadState(requestId, LogIndex.NONE, false));
    }
    waiting.clear();
  }
}
