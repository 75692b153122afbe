package io.lattice.raft;

import java.util.ArrayDeque;

/**
 * The appends sent to one follower and not yet acknowledged, remembered by the last index each
 * carried. Bounds the pipeline: while full, the leader sends that follower nothing but heartbeats.
 */
final class Inflights {
  private final int capacity;
  private final ArrayDeque<Long> lastIndexes = new ArrayDeque<>();

  Inflights(int capacity) {
    this.capacity = capacity;
  }

  boolean full() {
    return lastIndexes.size() >= capacity;
  }

  int count() {
    return lastIndexes.size();
  }

  /** Records an append whose last entry is {@code lastIndex}; indexes must not decrease. */
  void add(long lastIndex) {
    if (full()) {
      throw new IllegalStateException("inflight window is full");
    }
    Long tail = lastIndexes.peekLast();
    if (tail != null && lastIndex < tail) {
      throw new IllegalStateException("inflight index went back from " + tail + " to " + lastIndex);
    }
    lastIndexes.addLast(lastIndex);
  }

  /** Forgets every append whose last index is at or below {@code index}: it has been acknowledged. */
  void freeUpTo(long index) {
    while (!lastIndexes.isEmpty() && lastIndexes.peekFirst() <= index) {
      lastIndexes.pollFirst();
    }
  }

  /**
   * Forgets the oldest append. Used when the follower answers a heartbeat while the window is full:
   * the appends may have been lost, and without this nothing would ever be sent again.
   */
  void freeFirstOne() {
    lastIndexes.pollFirst();
  }

  void clear() {
    lastIndexes.clear();
  }
}
