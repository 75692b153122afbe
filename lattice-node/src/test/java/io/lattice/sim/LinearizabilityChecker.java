package io.lattice.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * Checks the client-visible history of the simulated KV for linearizability, in the form the
 * design asks for:
 *
 * <ul>
 *   <li>a granted read index is at least every commit index any node had reached when the read
 *       was issued;
 *   <li>a read issued after a write was acknowledged must see that write or a later one (the value's
 *       write index is at least the acknowledged write's), and so must a read issued after another
 *       read completed (it must not see an older value than that read saw);
 *   <li>a granted read index is at least the index of every write acknowledged (and every value
 *       observed by a completed read) before the read was issued.
 * </ul>
 *
 * Writes are exactly-once: an acknowledged write's result names the index at which it took effect,
 * and the entry applied there must be that very write.
 */
final class LinearizabilityChecker {
  /**
   * Floors captured when a read is issued: the highest acknowledged (or observed) write index, the
   * highest index any node knew to be committed, and the key's acknowledged (or observed) write.
   */
  record ReadFloors(long index, long committed, long keyIndex) {}

  /** Highest index of an acknowledged write, or of a value seen by a completed read. */
  private long floor;
  /** Per key: highest index at which a value that was acknowledged or observed was written. */
  private final Map<String, Long> keyFloor = new HashMap<>();
  private long ackedWrites;
  private long servedReads;

  long ackedWrites() {
    return ackedWrites;
  }

  long servedReads() {
    return servedReads;
  }

  /**
   * A read is issued now.
   *
   * @param knownCommitted the highest commit index any node has reached so far: a correct read
   *     index is at least that (a leader serves reads only once it has committed an entry of its
   *     term, after every entry committed before; a deposed leader cannot confirm a ReadIndex round
   *     or hold a lease once a successor has committed)
   */
  ReadFloors readIssued(String key, long knownCommitted) {
    return new ReadFloors(floor, knownCommitted, keyFloor.getOrDefault(key, 0L));
  }

  /**
   * A write was acknowledged to its client.
   *
   * @param effectIndex the index where it took effect (its first applied copy)
   * @param entryIndex the index of the copy whose application acknowledged it (committed)
   */
  void writeAcked(String key, long effectIndex, long entryIndex) {
    ackedWrites++;
    floor = Math.max(floor, entryIndex);
    keyFloor.merge(key, effectIndex, Math::max);
  }

  /**
   * A read was served.
   *
   * @param readIndex the granted read index
   * @param valueIndex the index of the write whose value it returned (0: no value)
   */
  void readServed(String node, long requestId, String key, ReadFloors floors, long readIndex,
      long valueIndex, String mode) {
    servedReads++;
    if (readIndex < floors.index()) {
      throw new SimulationFailure("linearizability: " + mode + " read " + requestId + " on " + node
          + " got read index " + readIndex + " but a write at " + floors.index()
          + " was acknowledged (or observed) before it was issued");
    }
    if (readIndex < floors.committed()) {
      throw new SimulationFailure("linearizability: " + mode + " read " + requestId + " on " + node
          + " got read index " + readIndex + " but index " + floors.committed()
          + " was already committed when it was issued (a stale leader answered)");
    }
    if (valueIndex < floors.keyIndex()) {
      throw new SimulationFailure("linearizability: " + mode + " read " + requestId + " of " + key + " on "
          + node + " returned the value written at " + valueIndex + " but the value written at "
          + floors.keyIndex() + " was acknowledged (or observed) before the read was issued");
    }
    floor = Math.max(floor, valueIndex);
    keyFloor.merge(key, valueIndex, Math::max);
  }

  /** The highest acknowledged (or observed) write index of {@code key}. */
  long keyFloor(String key) {
    return keyFloor.getOrDefault(key, 0L);
  }
}
