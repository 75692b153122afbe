package io.lattice.raft;

/**
 * A Raft safety invariant is broken. The core never continues past one: the server must stop
 * rather than risk corrupting the replicated state.
 */
public final class InvariantViolation extends IllegalStateException {
  public InvariantViolation(String message) {
    super(message);
  }
}
