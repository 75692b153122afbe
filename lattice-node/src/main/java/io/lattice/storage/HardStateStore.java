package io.lattice.storage;

import io.lattice.raft.HardState;
import java.io.IOException;

/**
 * The durable term and vote of one server (Raft Figure 2 "persistent state"). Saved rarely (on a
 * term change or a vote), so every save is its own atomic, durable replacement.
 */
public interface HardStateStore {
  /** The last saved hard state, or {@link HardState#INITIAL} if none was ever saved. */
  HardState load() throws IOException;

  /**
   * Replaces the hard state atomically and durably: when this returns, a crash leaves exactly
   * {@code state}; when it throws, a crash leaves either the old or the new state (never a mix).
   */
  void save(HardState state) throws IOException;
}
