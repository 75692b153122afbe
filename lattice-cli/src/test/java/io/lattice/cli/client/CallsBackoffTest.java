package io.lattice.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The retry pauses: jittered within [backoff/2, backoff], doubling up to a cap. */
class CallsBackoffTest {
  @Test
  void pausesAreJitteredBetweenHalfAndAllOfTheBackoff() {
    assertThat(Calls.jittered(100, 0)).isEqualTo(50);
    assertThat(Calls.jittered(100, 0.5)).isEqualTo(75);
    assertThat(Calls.jittered(100, Math.nextDown(1.0))).isEqualTo(100);
    assertThat(Calls.jittered(1, 0)).isZero();
    assertThat(Calls.jittered(1, Math.nextDown(1.0))).isEqualTo(1);
  }

  @Test
  void theBackoffDoublesUpToItsCap() {
    long past = System.nanoTime(); // a deadline already passed: no sleeping
    assertThat(Calls.sleep(20, past)).isEqualTo(40);
    assertThat(Calls.sleep(200, past)).isEqualTo(Calls.MAX_BACKOFF_MILLIS);
    assertThat(Calls.sleep(600, past, Calls.MAX_OVERLOAD_BACKOFF_MILLIS))
        .isEqualTo(Calls.MAX_OVERLOAD_BACKOFF_MILLIS);
    assertThat(Calls.sleep(400, past, Calls.MAX_OVERLOAD_BACKOFF_MILLIS)).isEqualTo(800);
  }
}
