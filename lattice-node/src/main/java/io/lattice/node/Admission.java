package io.lattice.node;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bound on work admitted and not yet finished: at most {@code maxCount} items and about {@code
 * maxBytes} bytes. {@link #tryAdmit} reserves room for one item or refuses at once (it never
 * blocks: the callers are gRPC and transport threads); {@link #release} gives the room back when
 * the item is done, whichever way it ended. An item is always admitted by bytes when nothing is
 * admitted, so that one item larger than the byte bound is not refused forever.
 *
 * <p>Thread-safe, lock-free. Under a race two callers may both see room for one; the bound can be
 * passed by at most the items admitted concurrently, never by an unbounded amount.
 */
final class Admission {
  /** Why {@link #tryAdmit} refused. */
  enum Refusal { NONE, COUNT, BYTES }

  private final int maxCount;
  private final long maxBytes;
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();

  Admission(int maxCount, long maxBytes) {
    if (maxCount < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("admission limits must be positive");
    }
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  /** Reserves one item of {@code size} bytes; on a refusal nothing is reserved. */
  Refusal tryAdmit(long size) {
    if (count.incrementAndGet() > maxCount) {
      count.decrementAndGet();
      return Refusal.COUNT;
    }
    long total = bytes.addAndGet(size);
    if (total > maxBytes && total != size) {
      bytes.addAndGet(-size);
      count.decrementAndGet();
      return Refusal.BYTES;
    }
    return Refusal.NONE;
  }

  /** Gives back what {@link #tryAdmit} reserved for an item of {@code size} bytes. */
  void release(long size) {
    bytes.addAndGet(-size);
    count.decrementAndGet();
  }

  int count() {
    return count.get();
  }

  long bytes() {
    return bytes.get();
  }

  int maxCount() {
    return maxCount;
  }

  long maxBytes() {
    return maxBytes;
  }
}
