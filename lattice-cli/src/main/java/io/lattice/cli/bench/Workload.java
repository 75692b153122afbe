package io.lattice.cli.bench;

/** What a bench run sends. */
public enum Workload {
  /** Only puts. */
  PUT,
  /** Only gets (of keys written beforehand). */
  GET,
  /** Gets and puts, in the ratio given by --read-ratio. */
  MIXED;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
