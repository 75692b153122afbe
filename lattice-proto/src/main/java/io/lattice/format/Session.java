package io.lattice.format;

/**
 * A client session for exactly-once writes (Raft dissertation §6.3): the state machine remembers
 * the highest sequence number applied per client and its result, and answers a duplicate with the
 * first result instead of applying it again.
 *
 * @param clientId empty for "no session": the write is not de-duplicated
 * @param sequence this write's number within the session (a retry reuses it)
 * @param acknowledged the client has the results of every write up to here (0 = unknown)
 */
public record Session(String clientId, long sequence, long acknowledged) {
  public static final Session NONE = new Session("", 0, 0);

  public Session {
    clientId = clientId == null ? "" : clientId;
  }

  public boolean present() {
    return !clientId.isEmpty();
  }
}
