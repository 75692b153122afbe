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
   * As {@link #load()}, when a server (re)starts with a log or snapshot that ends at {@code
   * lastIndex} in {@code lastTerm} ({@code LogIndex.NONE} and {@code NO_TERM} when it holds
   * neither).
   *
   * <p>A server holding entries has run before and has saved a hard state: it may have voted in a
   * term after its last entry's. If that hard state is gone, starting from {@link
   * HardState#INITIAL} would forget the vote and could let the server vote twice in one term, so a
   * store that can lose it (a file) refuses instead. The default is {@link #load()}.
   *
   * @throws CorruptStorageException if the hard state is missing although {@code lastIndex} is not
   *     {@code NONE}, or is damaged
   */
  default HardState loadOnStart(long lastIndex, long lastTerm) throws IOException {
    return load();
  }

  /**
   * Replaces the hard state atomically and durably: when this returns, a crash leaves exactly
   * {@code state}; when it throws, a crash leaves either the old or the new state (never a mix).
   */
  void save(HardState state) throws IOException;
}
