package io.lattice.node;

/**
 * Which pool an off-loop query runs in ({@link NodeRequests#readView}). Point reads and scans are
 * kept apart so that neither can starve the other, nor the writes: a scan (a range, a state hash)
 * costs up to the whole key space and a 3 MiB answer to build and serialise; a point read costs
 * microseconds and would otherwise wait behind them.
 */
public enum QueryLane {
  /** A read of one key (a Get): cheap, many threads may run them. */
  POINT,
  /**
   * A read whose cost grows with the data (Range, Hash): runs on a pool of at most half the
   * processors, so that however many scans clients send, the loop thread, the network threads and
   * the point reads keep at least half the machine. Extra scans wait in a bounded queue.
   */
  SCAN
}
