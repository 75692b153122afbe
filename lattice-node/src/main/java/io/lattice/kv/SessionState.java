package io.lattice.kv;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What the state machine remembers of one client session: the encoded results of the sequence
 * numbers it may still be asked about, a floor at or below which it has forgotten them, and when
 * (log index and log time) the session was last active.
 *
 * <p>Invariant: every retained sequence number is above {@link #floor()}. A sequence number is
 * <i>retained</i> (a duplicate: answer with its first result), <i>forgotten</i> (at or below the
 * floor and not retained: the client acknowledged it or it fell out of the bounded window), or
 * <i>new</i> (above the floor and not retained).
 */
final class SessionState {
  private final long id;
  private final TreeMap<Long, byte[]> results = new TreeMap<>();
  private long floor;
  private long lastActiveIndex;
  private long lastActiveMillis;

  /**
   * @param id the session id: the index of the entry that registered it
   * @param lastActiveIndex index of the last entry that touched the session
   * @param lastActiveMillis log time of that entry
   */
  SessionState(long id, long lastActiveIndex, long lastActiveMillis) {
    this.id = id;
    this.lastActiveIndex = lastActiveIndex;
    this.lastActiveMillis = lastActiveMillis;
  }

  long id() {
    return id;
  }

  long floor() {
    return floor;
  }

  long lastActiveIndex() {
    return lastActiveIndex;
  }

  long lastActiveMillis() {
    return lastActiveMillis;
  }

  /** Records activity at the entry {@code index}, at log time {@code millis}. */
  void touch(long index, long millis) {
    lastActiveIndex = index;
    lastActiveMillis = millis;
  }

  /** The first result of {@code sequence}, or null if it is not retained. */
  byte[] result(long sequence) {
    return results.get(sequence);
  }

  /** The highest sequence number known: the highest retained one, else the floor. */
  long lastSequence() {
    return results.isEmpty() ? floor : results.lastKey();
  }

  /** Retained results by ascending sequence number (read-only). */
  NavigableMap<Long, byte[]> results() {
    return Collections.unmodifiableNavigableMap(results);
  }

  /**
   * Records the result of a newly applied {@code sequence}, then forgets what the client no longer
   * needs: with {@code acknowledged > 0} every result up to it; with {@code acknowledged == 0}
   * ("not stated") every result but the highest; and in any case the oldest beyond {@code max}.
   * An acknowledgement at or above {@code sequence} is taken as {@code sequence - 1}: the result
   * being produced is never discarded at once.
   */
  void record(long sequence, byte[] result, long acknowledged, int max) {
    results.put(sequence, result);
    long ack = Math.min(acknowledged, sequence - 1);
    if (ack > 0) {
      forgetUpTo(ack);
    } else if (results.size() > 1) {
      forgetUpTo(results.lowerKey(results.lastKey()));
    }
    while (results.size() > max) {
      forgetUpTo(results.firstKey());
    }
  }

  /** Restores a retained result read from a snapshot. */
  void load(long floor, Map<Long, byte[]> retained) {
    this.floor = floor;
    results.putAll(retained);
  }

  /** Drops every result up to {@code sequence} and raises the floor to it. */
  private void forgetUpTo(long sequence) {
    results.headMap(sequence, true).clear();
    floor = Math.max(floor, sequence);
  }
}
