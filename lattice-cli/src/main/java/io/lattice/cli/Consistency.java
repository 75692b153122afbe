package io.lattice.cli;

import io.lattice.proto.v1.ReadConsistency;

/** The {@code --consistency} of reads (kv.proto ReadConsistency), spelt as on the command line. */
public enum Consistency {
  /** Reflects every write completed before the read (ReadIndex at the leader). */
  linearizable(ReadConsistency.LINEARIZABLE),
  /** Linearizable within the clock-drift margin, served from the leader's lease. */
  lease(ReadConsistency.LEASE),
  /** Served by any member from its own state; may miss recent writes. */
  stale(ReadConsistency.STALE);

  private final ReadConsistency proto;

  Consistency(ReadConsistency proto) {
    this.proto = proto;
  }

  public ReadConsistency proto() {
    return proto;
  }
}
