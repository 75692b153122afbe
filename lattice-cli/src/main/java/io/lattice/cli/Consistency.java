package io.lattice.cli;

/**
 * The {@code --consistency} of reads, spelt as on the command line; each is the kv.proto
 * ReadConsistency of the same name (see {@link io.lattice.cli.client.LatticeClient#consistency}).
 * It refers to no protobuf type, so that building the command model loads none.
 */
public enum Consistency {
  /** Reflects every write completed before the read (ReadIndex at the leader). */
  linearizable,
  /** Linearizable within the clock-drift margin, served from the leader's lease. */
  lease,
  /** Served by any member from its own state; may miss recent writes. */
  stale
}
