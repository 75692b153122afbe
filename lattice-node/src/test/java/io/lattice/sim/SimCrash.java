package io.lattice.sim;

/**
 * Thrown inside a node's I/O (disk sync, message send, state-machine apply) to simulate the process
 * dying at exactly that point. The simulator catches it and crashes the node: whatever the node's
 * disk had not synced is lost, everything in memory is gone.
 */
final class SimCrash extends RuntimeException {
  SimCrash(String where) {
    super("simulated crash " + where, null, false, false);
  }
}
