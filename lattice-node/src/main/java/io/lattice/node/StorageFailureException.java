package io.lattice.node;

import java.io.IOException;

/**
 * Durable storage failed (a write, sync or snapshot save threw). Fatal: the node must stop, since
 * continuing could acknowledge data that is not durable (DESIGN §4: a failed fsync stops the node,
 * no retry-and-continue). A restarted process recovers from what is on disk.
 */
public final class StorageFailureException extends RuntimeException {
  public StorageFailureException(String what, IOException cause) {
    super("storage failure while " + what + ": the node must stop", cause);
  }
}
