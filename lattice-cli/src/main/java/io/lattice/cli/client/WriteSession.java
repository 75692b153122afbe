package io.lattice.cli.client;

import io.lattice.proto.v1.ClientSession;

/**
 * The client session of exactly-once writes (kv.proto ClientSession): the id the cluster gave it
 * (OpenSession) and the next sequence number. Every logical write takes a new number; its retries
 * reuse it, so the state machine applies it at most once. A session is opened only when the first
 * write needs one, so a client that only reads never registers anything.
 *
 * <p>Thread-safe; {@link Calls} serialises opening (only one OpenSession at a time).
 */
final class WriteSession {
  private long id;
  private long next = 1;

  /** Whether a session is open (the cluster gave an id that has not been forgotten). */
  synchronized boolean isOpen() {
    return id != 0;
  }

  /** The id of the open session, or 0. */
  synchronized long id() {
    return id;
  }

  /** Takes {@code sessionId} (from OpenSession) as the session; numbering starts at 1. */
  synchronized void opened(long sessionId) {
    if (sessionId <= 0) {
      throw new IllegalArgumentException("not a session id: " + sessionId);
    }
    id = sessionId;
    next = 1;
  }

  /** The session for a new write of the open session. */
  synchronized ClientSession next() {
    if (id == 0) {
      throw new IllegalStateException("no session is open");
    }
    return ClientSession.newBuilder().setSessionId(id).setSequence(next++).build();
  }

  /**
   * Forgets the session if it is still {@code sessionId} (the cluster no longer knows it, or the
   * client is done with it); returns whether it was.
   */
  synchronized boolean forget(long sessionId) {
    if (id != sessionId || id == 0) {
      return false;
    }
    id = 0;
    next = 1;
    return true;
  }
}
