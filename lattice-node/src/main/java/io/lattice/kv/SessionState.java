package io.lattice.kv;

import java.util.Map;
import java.util.NavigableMap;
import org.pcollections.TreePMap;

/**
 * What the state machine remembers of one client session: the encoded results of the sequence
 * numbers it may still be asked about, a floor at or below which it has forgotten them, and when
 * (log index and log time) the session was last active.
 *
 * <p>Immutable: every change returns a new state (the retained results are a persistent map, so a
 * change copies O(log n) of them), which lets a view of the whole session table be kept in O(1)
 * for a snapshot while the state machine goes on.
 *
 * <p>Invariant: every retained sequence number is above {@link #floor()}. A sequence number is
 * <i>retained</i> (a duplicate: answer with its first result), <i>forgotten</i> (at or below the
 * floor and not retained: the client acknowledged it or it fell out of the bounded window), or
 * <i>new</i> (above the floor and not retained). {@link #retainedBytes()} is the sum of the
 * lengths of the retained results.
 */
final class SessionState {
  private final long id;
  private final TreePMap<Long, byte[]> results;
  private final long floor;
  private final long lastActiveIndex;
  private final long lastActiveMillis;
  private final long retainedBytes;

  /**
   * A session with no results.
   *
   * @param id the session id: the index of the entry that registered it
   * @param lastActiveIndex index of the last entry that touched the session
   * @param lastActiveMillis log time of that entry
   */
  SessionState(long id, long lastActiveIndex, long lastActiveMillis) {
    this(id, TreePMap.empty(), 0, lastActiveIndex, lastActiveMillis, 0);
  }

  private SessionState(long id, TreePMap<Long, byte[]> results, long floor, long lastActiveIndex,
      long lastActiveMillis, long retainedBytes) {
    this.id = id;
    this.results = results;
    this.floor = floor;
    this.lastActiveIndex = lastActiveIndex;
    this.lastActiveMillis = lastActiveMillis;
    this.retainedBytes = retainedBytes;
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

  long retainedBytes() {
    return retainedBytes;
  }

  /** This session, last active at the entry {@code index}, at log time {@code millis}. */
  SessionState touched(long index, long millis) {
    return new SessionState(id, results, floor, index, millis, retainedBytes);
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
    return results;
  }

  /**
   * This session with the result of a newly applied {@code sequence} recorded, and what the client
   * no longer needs forgotten: with {@code acknowledged > 0} every result up to it; with {@code
   * acknowledged == 0} ("not stated") every result but the highest; and in any case the oldest
   * beyond {@code max}. An acknowledgement at or above {@code sequence} is taken as {@code
   * sequence - 1}: the result being produced is never discarded at once.
   */
  SessionState recorded(long sequence, byte[] result, long acknowledged, int max) {
    SessionState s = new SessionState(id, results.plus(sequence, result), floor, lastActiveIndex,
        lastActiveMillis, retainedBytes + result.length
            - (results.containsKey(sequence) ? results.get(sequence).length : 0));
    long ack = Math.min(acknowledged, sequence - 1);
    if (ack > 0) {
      s = s.forgetUpTo(ack);
    } else if (s.results.size() > 1) {
      s = s.forgetUpTo(s.results.lowerKey(s.results.lastKey()));
    }
    while (s.results.size() > max) {
      s = s.forgetUpTo(s.results.firstKey());
    }
    return s;
  }

  /** A session read from a snapshot, with its floor and retained results. */
  static SessionState loaded(long id, long lastActiveIndex, long lastActiveMillis, long floor,
      Map<Long, byte[]> retained) {
    long bytes = 0;
    for (byte[] r : retained.values()) {
      bytes += r.length;
    }
    return new SessionState(id, TreePMap.from(retained), floor, lastActiveIndex,
        lastActiveMillis, bytes);
  }

  /** Drops every result up to {@code sequence} and raises the floor to it. */
  private SessionState forgetUpTo(long sequence) {
    TreePMap<Long, byte[]> kept = results;
    long bytes = retainedBytes;
    while (!kept.isEmpty() && kept.firstKey() <= sequence) {
      bytes -= kept.firstEntry().getValue().length;
      kept = kept.minusFirstEntry();
    }
    return new SessionState(id, kept, Math.max(floor, sequence), lastActiveIndex,
        lastActiveMillis, bytes);
  }
}
