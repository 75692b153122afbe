package io.lattice.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * Cheap checks of reads by log index, made the moment a read is answered (the full check of the
 * client histories is {@link HistoryCheck}'s, at the end of a run). A linearizable (ReadIndex or
 * lease) read issued at some moment must reflect everything committed by then:
 *
 * <ul>
 *   <li>the node's applied index when the read ran is at least every commit index any node had
 *       reached when the read was issued (a leader serves reads only once it has committed an entry
 *       of its term, which is after every entry committed before; a deposed leader can neither
 *       confirm a heartbeat round nor hold a lease once a successor has committed);
 *   <li>the value it returns was written at or after the newest write of that key acknowledged,
 *       or observed by a completed read, before the read was issued.
 * </ul>
 */
final class IndexFloors {
  /** Floors captured when a read is issued: the highest index committed anywhere, the key's write. */
  record Floors(long committed, long keyIndex) {}

  /** Per key: highest index at which a value that was acknowledged or observed was written. */
  private final Map<String, Long> keyFloor = new HashMap<>();
  private long checkedReads;

  long checkedReads() {
    return checkedReads;
  }

  /**
   * A read is issued now.
   *
   * @param knownCommitted the highest commit index any node has reached so far
   */
  Floors readIssued(String key, long knownCommitted) {
    return new Floors(knownCommitted, keyFloor.getOrDefault(key, 0L));
  }

  /** A write of {@code key} that took effect at {@code effectIndex} was acknowledged. */
  void writeAcked(String key, long effectIndex) {
    keyFloor.merge(key, effectIndex, Math::max);
  }

  /** A value of {@code key} written at {@code valueIndex} was observed (0: the key was absent). */
  void observed(String key, long valueIndex) {
    keyFloor.merge(key, valueIndex, Math::max);
  }

  /**
   * A linearizable read was served.
   *
   * @param appliedIndex the serving node's applied index when the read ran (at least its read index)
   * @param valueIndex the index of the write whose value it returned (0: no value)
   */
  void readServed(String node, String what, String key, Floors floors, long appliedIndex,
      long valueIndex) {
    checkedReads++;
    if (appliedIndex < floors.committed()) {
      throw new SimulationFailure("linearizability: " + what + " on " + node + " ran at applied"
          + " index " + appliedIndex + " but index " + floors.committed()
          + " was already committed when it was issued (a stale leader answered)");
    }
    if (valueIndex < floors.keyIndex()) {
      throw new SimulationFailure("linearizability: " + what + " of " + key + " on " + node
          + " returned the value written at " + valueIndex + " but the value written at "
          + floors.keyIndex() + " was acknowledged (or observed) before the read was issued");
    }
    observed(key, valueIndex);
  }

  /** The highest acknowledged (or observed) write index of {@code key}. */
  long keyFloor(String key) {
    return keyFloor.getOrDefault(key, 0L);
  }
}
