package io.lattice.sim;

import io.lattice.node.NodeClock;
import java.util.function.LongSupplier;

/**
 * One simulated server's clocks, both derived from the simulation's global virtual time.
 *
 * <ul>
 *   <li>The <b>monotonic clock</b> the node loop ticks by ({@link NodeClock}): {@code offset +
 *       global × rate}, with a per-node rate near 1 (a quartz that runs a little fast or slow). It
 *       keeps running while the loop is stalled (a paused process, a long fsync, a GC pause): the
 *       loop must catch up on the time it missed before it answers anything. It survives restarts
 *       (it is the machine's clock, not the process's).
 *   <li>The <b>wall clock</b> the API layer stamps into commands ({@code proposedAtMillis}): kept
 *       close to global time on every node (NTP), within a few milliseconds, plus a skew that a
 *       fault may set far ahead (a machine whose NTP went wrong, hours in the future).
 * </ul>
 */
final class SimClock implements NodeClock {
  /** Where wall clocks start: an arbitrary date, the same in every run. */
  static final long EPOCH_MILLIS = 1_767_225_600_000L;

  private final LongSupplier globalNanos;
  private final double rate;
  private final long offsetNanos;
  private final long wallOffsetMillis;
  private long wallSkewMillis;

  SimClock(LongSupplier globalNanos, double rate, long offsetNanos, long wallOffsetMillis) {
    if (rate <= 0) {
      throw new IllegalArgumentException("rate must be positive: " + rate);
    }
    this.globalNanos = globalNanos;
    this.rate = rate;
    this.offsetNanos = offsetNanos;
    this.wallOffsetMillis = wallOffsetMillis;
  }

  @Override
  public long nanoTime() {
    return offsetNanos + (long) (globalNanos.getAsLong() * rate);
  }

  double rate() {
    return rate;
  }

  /** The machine's wall clock, in milliseconds since the epoch. */
  long wallMillis() {
    return EPOCH_MILLIS + globalNanos.getAsLong() / 1_000_000 + wallOffsetMillis + wallSkewMillis;
  }

  long wallSkewMillis() {
    return wallSkewMillis;
  }

  /** Sets the wall clock {@code millis} ahead of (negative: behind) the monotonic clock. */
  void skewWall(long millis) {
    wallSkewMillis = millis;
  }
}
