package io.lattice.node;

/**
 * The node loop's only source of time: a monotonic clock in nanoseconds, injected so that the
 * deterministic simulator can drive the real loop, stall it and run its clock fast or slow.
 *
 * <p>Contract: {@link #nanoTime()} never goes backwards, and only differences between two readings
 * mean anything (like {@link System#nanoTime()}). It is read on the loop thread only.
 */
@FunctionalInterface
public interface NodeClock {
  long nanoTime();

  /** The JVM's monotonic clock. */
  NodeClock SYSTEM = System::nanoTime;
}
