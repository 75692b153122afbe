package io.lattice.sim;

/**
 * How the simulated network misbehaves. Delays are in ticks; a message is delivered after
 * {@code minDelay..maxDelay} ticks (uniformly, which reorders messages), or with probability
 * {@code slowRate} after up to {@code slowDelay} ticks.
 */
record NetworkFaults(double dropRate, double duplicateRate, int minDelay, int maxDelay,
    double slowRate, int slowDelay) {

  static final NetworkFaults CALM = new NetworkFaults(0, 0, 1, 2, 0, 0);

  NetworkFaults {
    if (minDelay < 1 || maxDelay < minDelay) {
      throw new IllegalArgumentException("need 1 <= minDelay <= maxDelay");
    }
  }
}
