package io.lattice.sim;

import io.lattice.raft.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded, lossy network between simulated nodes: every message gets a random delay (so messages
 * reorder), and may be dropped or duplicated. Links can be cut one way ({@code from} can no longer
 * reach {@code to}, while {@code to} still reaches {@code from}) or both ways. A cut link drops
 * messages both when they are sent and when they would be delivered, so a partition also catches
 * messages already in flight.
 */
final class SimNetwork {
  /**
   * A message in flight; {@code snapshot} carries an InstallSnapshot's bytes; {@code
   * senderIncarnation} tells which life of the sender's process sent it.
   */
  record Envelope(Message message, byte[] snapshot, int senderIncarnation, long deliverAt, long seq) {}

  /** What happened to a message the network lost, for the sender's transport to report. */
  interface LossListener {
    void lost(Envelope e, boolean becauseCut);
  }

  private final SplittableRandom random;
  private final PriorityQueue<Envelope> inFlight = new PriorityQueue<>((a, b) ->
      a.deliverAt != b.deliverAt ? Long.compare(a.deliverAt, b.deliverAt) : Long.compare(a.seq, b.seq));
  /** Cut directed links, as "from->to", with how many partitions cut each (they may overlap). */
  private final TreeMap<String, Integer> cut = new TreeMap<>();
  private NetworkFaults faults = NetworkFaults.CALM;
  private long seq;
  private final LossListener lossListener;
  private final Trace trace;

  SimNetwork(SplittableRandom random, Trace trace, LossListener lossListener) {
    this.random = random;
    this.trace = trace;
    this.lossListener = lossListener;
  }

  void setFaults(NetworkFaults f) {
    faults = f;
  }

  NetworkFaults faults() {
    return faults;
  }

  void cut(String from, String to) {
    cut.merge(from + "->" + to, 1, Integer::sum);
  }

  /** Undoes one {@link #cut} of the link. */
  void uncut(String from, String to) {
    cut.computeIfPresent(from + "->" + to, (k, n) -> n == 1 ? null : n - 1);
  }

  void cutBothWays(String a, String b) {
    cut(a, b);
    cut(b, a);
  }

  void healAll() {
    cut.clear();
  }

  boolean isCut(String from, String to) {
    return cut.containsKey(from + "->" + to);
  }

  boolean hasCuts() {
    return !cut.isEmpty();
  }

  /** Accepts a message from a node's transport at time {@code now}. */
  void send(Message m, byte[] snapshot, int senderIncarnation, long now) {
    Envelope e = new Envelope(m, snapshot, senderIncarnation, 0, 0);
    if (isCut(m.from(), m.to())) {
      trace.add("cut", m, 0);
      lossListener.lost(e, true);
      return;
    }
    if (random.nextDouble() < faults.dropRate()) {
      trace.add("drop", m, 0);
      lossListener.lost(e, false);
      return;
    }
    enqueue(m, snapshot, senderIncarnation, now);
    if (random.nextDouble() < faults.duplicateRate()) {
      trace.add("dup", m, 0);
      enqueue(m, snapshot, senderIncarnation, now);
    }
  }

  private void enqueue(Message m, byte[] snapshot, int senderIncarnation, long now) {
    long delay = random.nextDouble() < faults.slowRate()
        ? 1 + random.nextInt(Math.max(1, faults.slowDelay()))
        : faults.minDelay() + random.nextInt(faults.maxDelay() - faults.minDelay() + 1);
    Envelope e = new Envelope(m, snapshot, senderIncarnation, now + delay, seq++);
    inFlight.add(e);
    trace.add("send", m, e.deliverAt());
  }

  /**
   * Removes and returns the messages due at or before {@code now}, in delivery order. Messages on a
   * link cut since they were sent are dropped (and reported).
   */
  List<Envelope> due(long now) {
    List<Envelope> out = new ArrayList<>();
    while (!inFlight.isEmpty() && inFlight.peek().deliverAt() <= now) {
      Envelope e = inFlight.poll();
      if (isCut(e.message().from(), e.message().to())) {
        trace.add("cut-in-flight", e.message(), 0);
        lossListener.lost(e, true);
      } else {
        out.add(e);
      }
    }
    return out;
  }

  /** Holds back every in-flight message matching {@code which} by {@code extra} more ticks. */
  void delay(java.util.function.Predicate<Message> which, long extra) {
    List<Envelope> all = new ArrayList<>(inFlight);
    inFlight.clear();
    for (Envelope e : all) {
      inFlight.add(which.test(e.message())
          ? new Envelope(e.message(), e.snapshot(), e.senderIncarnation(), e.deliverAt() + extra, e.seq())
          : e);
    }
  }

  /** The delivery tick of the first in-flight message matching {@code which}, or MAX_VALUE. */
  long nextDelivery(java.util.function.Predicate<Message> which) {
    long t = Long.MAX_VALUE;
    for (Envelope e : inFlight) {
      if (which.test(e.message())) {
        t = Math.min(t, e.deliverAt());
      }
    }
    return t;
  }

  int inFlightCount() {
    return inFlight.size();
  }
}
