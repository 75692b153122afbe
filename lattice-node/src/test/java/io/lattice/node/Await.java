package io.lattice.node;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Supplier;

/** The bounded wait of the in-process node tests: poll every 10 ms, fail saying what was awaited. */
public final class Await {
  /** How long any one wait may take. */
  public static final Duration BOUND = Duration.ofSeconds(10);

  private Await() {}

  /** Polls {@code probe} until it returns non-null, or fails after {@link #BOUND}. */
  public static <T> T until(String what, Supplier<T> probe) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + BOUND + " waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }
}
