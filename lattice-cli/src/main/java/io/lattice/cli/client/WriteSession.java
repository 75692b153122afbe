package io.lattice.cli.client;

import io.lattice.proto.v1.ClientSession;
import java.util.UUID;

/**
 * The client session of exactly-once writes (kv.proto ClientSession): a random client id and the
 * next sequence number. Every logical write takes a new number; its retries reuse it, so the state
 * machine applies it at most once. A node opens a session only with sequence 1, so after {@link
 * #renew()} numbering starts again at 1 under a new id.
 */
final class WriteSession {
  private String clientId = UUID.randomUUID().toString();
  private long next = 1;

  /** The session for a new write. */
  synchronized ClientSession next() {
    return ClientSession.newBuilder().setClientId(clientId).setSequence(next++).build();
  }

  /**
   * Starts a new session and returns its first write's session. Used when a node does not know the
   * current one (its first write never reached the log, or it expired).
   */
  synchronized ClientSession renew() {
    clientId = UUID.randomUUID().toString();
    next = 1;
    return next();
  }
}
