package io.lattice.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A leader's read-only state (dissertation §6.4), kept apart from the rest of the core as
 * etcd-io/raft keeps it in readonly.go: the heartbeat rounds that confirm leadership, the reads
 * waiting for one, and the lease that a confirmed round starts.
 *
 * <p>Each heartbeat broadcast is a numbered round; followers echo the number back. A round that a
 * majority of voters acknowledged proves this server was still the leader when it sent the round,
 * so every read queued before that round may be answered at the commit index it was queued with.
 *
 * <p>Invariants: round numbers only grow, across terms too (so an echo from an earlier term never
 * confirms a later round); {@code confirmed <= sent}; waiting reads are in round order; a lease
 * starts only at the send time of a confirmed round that was recorded as lease-worthy; {@link
 * #becomeLeader} and {@link #stepDown} leave no lease behind.
 */
final class ReadOnly {
  /**
   * A read request: {@code origin} is the server whose client asked (this one, or a follower that
   * forwarded it); {@code index} the read index, once the leader chose it.
   */
  record Read(long requestId, String origin, long index) {
    Read at(long readIndex) {
      return new Read(requestId, origin, readIndex);
    }
  }

  /** A read waiting for heartbeat round {@code round} to be confirmed by a majority. */
  private record Waiting(Read read, long round) {}

  /** Sequence number of the last heartbeat round sent. */
  private long sent;
  /** Highest round acknowledged by a majority of voters. */
  private long confirmed;
  /** Highest round each member acknowledged. */
  private final Map<String, Long> acked = new HashMap<>();
  /** Tick at which each lease-worthy unconfirmed round (and the last confirmed one) was sent. */
  private final TreeMap<Long, Long> roundSentAt = new TreeMap<>();
  /** Tick at which the round that started the current lease was sent; -1: no lease. */
  private long leaseStart = -1;
  /** A read is waiting for a round that has not been sent yet. */
  private boolean roundPending;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  /** Reads that came before the leader's no-op of its term committed (§6.4: no commit index yet). */
  private final List<Read> awaitingTermStart = new ArrayList<>();

  /** A new term of leadership: no round of an earlier term counts, no lease yet. */
  void becomeLeader() {
    acked.clear();
    roundSentAt.clear();
    confirmed = sent;
    leaseStart = -1;
  }

  /**
   * Leadership ended: the lease is gone and no waiting read can be confirmed any more.
   *
   * @return every read that was waiting (for a round, then for the term start), to be failed
   */
  List<Read> stepDown() {
    roundPending = false;
    leaseStart = -1;
    List<Read> failed = new ArrayList<>();
    waiting.forEach(w -> failed.add(w.read()));
    failed.addAll(awaitingTermStart);
    waiting.clear();
    awaitingTermStart.clear();
    return failed;
  }

  /**
   * A leadership transfer began: once TimeoutNow may be out, voters waive stickiness for the
   * target, so no round acknowledged from now on (or before) may start a lease.
   */
  void dropLease() {
    leaseStart = -1;
    roundSentAt.clear();
  }

  /** Whether a lease started by a confirmed round still holds at tick {@code now}. */
  boolean leaseHeld(long now, long leaseTicks) {
    return leaseStart >= 0 && now < leaseStart + leaseTicks;
  }

  /** Queues {@code read} until the leader's first entry of its term commits. */
  void awaitTermStart(Read read) {
    awaitingTermStart.add(read);
  }

  /** The reads that waited for the term start (now committed), in arrival order; forgets them. */
  List<Read> takeAwaitingTermStart() {
    List<Read> out = new ArrayList<>(awaitingTermStart);
    awaitingTermStart.clear();
    return out;
  }

  /** Queues {@code read} (with its read index) for the next round, which is then due. */
  void awaitNextRound(Read read) {
    waiting.addLast(new Waiting(read, sent + 1));
    roundPending = true;
  }

  /** A read waits for a round not sent yet: the next Ready must broadcast a heartbeat. */
  boolean roundPending() {
    return roundPending;
  }

  /** No round will be sent for now (this server does not lead). */
  void cancelPendingRound() {
    roundPending = false;
  }

  /**
   * Numbers a new round sent at tick {@code now}.
   *
   * @param leaseWorthy whether its confirmation may start a lease (not during a transfer)
   * @return the round's number, to put in its heartbeats
   */
  long startRound(long now, boolean leaseWorthy) {
    sent++;
    if (leaseWorthy) {
      roundSentAt.put(sent, now);
    }
    roundPending = false;
    return sent;
  }

  /** {@code member} echoed round {@code round}. */
  void ack(String member, long round) {
    acked.merge(member, round, Math::max);
  }

  /**
   * Confirms the newest round a majority of {@code voters} acknowledged ({@code self} counts as
   * having acknowledged every round it sent), extends the lease to it, and releases the reads it
   * confirms.
   *
   * @return the reads that may now be answered, each at its read index, in order
   */
  List<Read> confirm(Collection<String> voters, String self) {
    long round = Quorum.majorityValue(voters,
        v -> v.equals(self) ? sent : acked.getOrDefault(v, 0L));
    if (round <= confirmed) {
      return List.of();
    }
    confirmed = round;
    Long sentAt = roundSentAt.get(round);
    if (sentAt != null) {
      leaseStart = sentAt;
    }
    roundSentAt.headMap(round, false).clear();
    List<Read> ready = new ArrayList<>();
    while (!waiting.isEmpty() && waiting.peekFirst().round() <= round) {
      ready.add(waiting.pollFirst().read());
    }
    return ready;
  }
}
