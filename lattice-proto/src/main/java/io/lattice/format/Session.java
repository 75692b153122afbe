package io.lattice.format;

/**
 * A write's place in a client session for exactly-once execution (Raft dissertation §6.3). A
 * client registers a session with a committed {@link KvCommand.RegisterSession} entry; the log
 * index of that entry is the session's id, so no two registrations can ever get the same id. The
 * state machine remembers, per session, the results of the sequence numbers it may still be asked
 * about, answers a duplicate with the first result instead of applying it again, and refuses a
 * write of an id it does not know (expired, evicted, closed, or never registered).
 *
 * @param id the session id (the log index of its registration); 0 for "no session": the write is
 *     not de-duplicated
 * @param sequence this write's number within the session, from 1 (a retry reuses it)
 * @param acknowledged the client has the results of every write up to here (0 = not stated)
 */
public record Session(long id, long sequence, long acknowledged) {
  public static final Session NONE = new Session(0, 0, 0);

  public boolean present() {
    return id != 0;
  }
}
