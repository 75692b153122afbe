package io.lattice.transport;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The reconnect back-off toward one peer after its AppendEntries stream broke: exponential from
 * {@code min}, capped at {@code max}, each wait drawn between half and all of the current step, so
 * a dead peer gets an attempt every max/2..max. {@link #isBackingOff()} holds from the first
 * failure until the peer answers again ({@link #answered}). Used on the transport thread, except
 * {@link #isBackingOff()}, which any thread may read.
 */
final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private int failures;
  private long retryAtNanos = System.nanoTime();
  private volatile boolean backingOff;

  Backoff(Duration min, Duration max) {
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
  }

  /** Records a failure; returns how long to wait before the next attempt, in nanoseconds. */
  long failed() {
    backingOff = true;
    failures = Math.min(failures + 1, 30);
    long step = minNanos << Math.min(failures - 1, 20);
    if (step <= 0 || step > maxNanos) {
      step = maxNanos;
    }
    long wait = (long) (step * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble()));
    retryAtNanos = System.nanoTime() + wait;
    return wait;
  }

  /** Whether the current wait has not ended yet. */
  boolean waiting() {
    return System.nanoTime() < retryAtNanos;
  }

  /** Ends the current wait now and starts the next series from {@code min} (the peer is up). */
  void retryNow() {
    failures = 0;
    retryAtNanos = System.nanoTime();
  }

  /** Ends the wait now, keeping the series (the connection became ready). */
  void endWait() {
    retryAtNanos = System.nanoTime();
  }

  /** The peer answered on a stream: forget the back-off altogether. */
  void answered() {
    failures = 0;
    backingOff = false;
  }

  /** A new address: start afresh. */
  void reset() {
    answered();
    retryAtNanos = System.nanoTime();
  }

  boolean isBackingOff() {
    return backingOff;
  }
}
