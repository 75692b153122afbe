package io.lattice.sim;

/** A safety or liveness property was violated during a simulation run. */
final class SimulationFailure extends AssertionError {
  SimulationFailure(String message) {
    super(message);
  }
}
