package io.lattice.node;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Granted reads waiting for the state machine to catch up with their read index (dissertation
 * §6.4 step 4: "wait for the state machine to advance at least as far as the readIndex").
 */
final class PendingReads {
  private record Waiting(long requestId, long index, long order) {}

  private final PriorityQueue<Waiting> queue = new PriorityQueue<>((a, b) -> a.index != b.index
      ? Long.compare(a.index, b.index) : Long.compare(a.order, b.order));
  private long order;

  void add(long requestId, long readIndex) {
    queue.add(new Waiting(requestId, readIndex, order++));
  }

  /** Removes and returns (requestId, readIndex) pairs of the reads whose index is at most {@code applied}. */
  List<long[]> takeReady(long applied) {
    List<long[]> out = new ArrayList<>();
    while (!queue.isEmpty() && queue.peek().index <= applied) {
      Waiting w = queue.poll();
      out.add(new long[] {w.requestId, w.index});
    }
    return out;
  }

  int size() {
    return queue.size();
  }
}
