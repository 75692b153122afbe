package io.lattice.kv;

import io.lattice.format.Session;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The client sessions of exactly-once writes (Raft dissertation §6.3), with a deterministic clock.
 *
 * <p><b>Registration.</b> A session exists only once a RegisterSession entry has been applied; its
 * id is that entry's log index, so two registrations never share an id, and a registration
 * retried after a lost answer opens another session rather than reopening one. A write naming an
 * id that is not in the table (never registered, closed, or dropped) is refused SESSION_EXPIRED
 * and never applied: after a session is gone, no retry of one of its writes can be applied a
 * second time, whatever its sequence number.
 *
 * <p><b>Log time.</b> The clock is derived from the {@code proposedAtMillis} of the commands applied
 * (the proposing leader's wall clock, carried in the entry), never from this machine's own clock,
 * so every replica expires the same sessions at the same index. The first command sets it; each
 * later one moves it to {@code max(clock, min(proposedAt, clock + maxClockStep))}: never backward
 * (a new leader's clock may be behind its predecessor's), and never by more than the step (a new
 * leader's clock may be far ahead: one entry stamped hours ahead must not expire every session at
 * once). A session idle for more than the TTL of log time (no command of its client applied) is
 * dropped when the next command is applied.
 *
 * <p><b>Activity order.</b> Sessions are ordered by the log index of their last activity
 * (registration, a new write, or a duplicate answered from the session): every entry touches at
 * most one session, so the order is total and the same on every replica, and log time never
 * decreasing along the log, the sessions idle for longer than the TTL are always a prefix of it.
 *
 * <p><b>Bounded table.</b> At most {@code maxSessions} sessions are kept. A registration that finds
 * the table full first evicts the least recently active sessions, in activity order, until there is
 * room (more than one only after a restore into a smaller table). Activity is measured in log
 * indexes, not log time, so the choice does not depend on any clock: when log time stands still
 * (a new leader whose clock is behind), a session written to a moment ago is still not the one
 * evicted. The order is part of what a snapshot carries, so a replica restored from one evicts
 * exactly what the others do.
 *
 * <h2>The session contract</h2>
 *
 * <ol>
 *   <li><b>Register, get an id.</b> A client opens a session with a RegisterSession command; the
 *       id is the log index of that entry, unique for the cluster's lifetime. A lost answer means
 *       registering again (a new id); the first registration stays an unused session until it
 *       expires or is evicted.
 *   <li><b>Sequences start at 1.</b> Each new write of the session takes the next number; a retry
 *       reuses its number and gets the first result, byte for byte, and changes nothing. Results
 *       up to {@code acknowledged} (when it is 0: all but the highest) and beyond the newest
 *       {@code maxResultsPerSession} are forgotten; a forgotten sequence is refused
 *       SESSION_EXPIRED.
 *   <li><b>Unknown id: SESSION_EXPIRED.</b> A write naming an id that is not in the table (never
 *       registered, closed by CloseSession, expired, evicted) is refused SESSION_EXPIRED and not
 *       applied, at any sequence number. The client cannot learn from the cluster whether an
 *       earlier attempt of that write was applied.
 *   <li><b>Eviction.</b> The table holds at most {@code maxSessions}; a registration that finds
 *       it full evicts the session whose last activity (registration, new write, or duplicate) is
 *       at the lowest log index.
 *   <li><b>Log time.</b> {@code clock = max(clock, min(proposedAt, clock + maxClockStep))} for
 *       every command (the first sets it); a session whose last activity is more than the TTL of
 *       log time old is dropped before the next command is applied. With the default step of a
 *       sixtieth of the TTL, no run of fewer than sixty entries can expire a session that was
 *       active just before it, however far ahead the proposer's clock is.
 * </ol>
 *
 * <p>Not thread-safe.
 */
final class ClientSessions {
  /** The outcome of looking up a command's session before applying it. */
  sealed interface Check permits New, Duplicate, Refused {}

  /** Apply the command, then {@link #record} its result. */
  record New() implements Check {}

  /** Already applied: answer with {@code result}, the encoded first result, and apply nothing. */
  record Duplicate(byte[] result) implements Check {}

  /** Do not apply; answer with an error. */
  record Refused(KvResult.ErrorKind kind, String message) implements Check {}

  private static final New NEW = new New();
  /** A total order: no two sessions are last active at the same index (see above). */
  private static final Comparator<SessionState> BY_ACTIVITY =
      Comparator.comparingLong(SessionState::lastActiveIndex);

  private final long ttlMillis;
  private final long maxClockStepMillis;
  private final int maxSessions;
  private final int maxResultsPerSession;
  private final TreeMap<Long, SessionState> byId = new TreeMap<>();
  /** The same sessions, least recently active first, for expiry. */
  private final TreeSet<SessionState> byActivity = new TreeSet<>(BY_ACTIVITY);
  private long clockMillis;

  ClientSessions(SessionLimits limits) {
    this.ttlMillis = limits.ttl().toMillis();
    this.maxClockStepMillis = limits.maxClockStep().toMillis();
    this.maxSessions = limits.maxSessions();
    this.maxResultsPerSession = limits.maxResultsPerSession();
  }

  /** The log time (0 before any command). */
  long clockMillis() {
    return clockMillis;
  }

  int size() {
    return byId.size();
  }

  /** Sessions in id order (read-only). */
  Collection<SessionState> sessions() {
    return Collections.unmodifiableCollection(byId.values());
  }

  /**
   * Moves log time towards {@code proposedAtMillis} by the rule above and drops every session idle
   * for longer than the TTL.
   */
  void advanceClock(long proposedAtMillis) {
    if (clockMillis == 0) {
      clockMillis = Math.max(0, proposedAtMillis);
    } else {
      long limit = clockMillis > Long.MAX_VALUE - maxClockStepMillis ? Long.MAX_VALUE
          : clockMillis + maxClockStepMillis;
      clockMillis = Math.max(clockMillis, Math.min(proposedAtMillis, limit));
    }
    long cutoff = clockMillis - ttlMillis; // clockMillis >= 0 and ttl > 0: no overflow
    while (!byActivity.isEmpty() && byActivity.first().lastActiveMillis() < cutoff) {
      byId.remove(byActivity.pollFirst().id());
    }
  }

  /**
   * Opens the session registered by the entry at {@code index}; its id is {@code index}. Evicts the
   * least recently active sessions first if the table is full; returns how many.
   */
  int register(long index) {
    int evicted = 0;
    while (byId.size() >= maxSessions) {
      byId.remove(byActivity.pollFirst().id());
      evicted++;
    }
    SessionState state = new SessionState(index, index, clockMillis);
    // an index is applied once, and a session's id is the index that registered it
    if (byId.putIfAbsent(index, state) != null) {
      throw new IllegalStateException("session " + index + " registered twice");
    }
    add(state);
    return evicted;
  }

  /** Forgets session {@code id}; returns whether it existed. */
  boolean close(long id) {
    SessionState state = byId.remove(id);
    if (state == null) {
      return false;
    }
    byActivity.remove(state);
    return true;
  }

  /**
   * Decides whether a command of the entry at {@code index} with session {@code s} (present) is
   * new, a duplicate or refused. A duplicate counts as activity of the session.
   */
  Check check(Session s, long index) {
    if (s.id() < 0 || s.sequence() <= 0 || s.acknowledged() < 0) {
      return new Refused(KvResult.ErrorKind.INVALID_ARGUMENT, "session " + s.id()
          + ": the id and sequence must be positive and acknowledged not negative (got sequence "
          + s.sequence() + ", acknowledged " + s.acknowledged() + ")");
    }
    SessionState state = byId.get(s.id());
    if (state == null) {
      return new Refused(KvResult.ErrorKind.SESSION_EXPIRED, "session " + s.id()
          + " is unknown: it was closed, dropped after idling for longer than the session TTL, "
          + "evicted to make room for a newer session, or never opened");
    }
    byte[] first = state.result(s.sequence());
    if (first != null) {
      touch(state, index);
      return new Duplicate(first);
    }
    if (s.sequence() <= state.floor()) {
      return new Refused(KvResult.ErrorKind.SESSION_EXPIRED, "session " + s.id()
          + ": the result of sequence " + s.sequence() + " was already discarded (sequences up to "
          + state.floor() + " are acknowledged or out of the retained window)");
    }
    return NEW;
  }

  /**
   * Records the encoded result of the new command with session {@code s}, applied at {@code
   * index}, which {@link #check} let through.
   */
  void record(Session s, long index, byte[] result) {
    SessionState state = byId.get(s.id());
    byActivity.remove(state);
    state.record(s.sequence(), result, s.acknowledged(), maxResultsPerSession);
    state.touch(index, clockMillis);
    add(state);
  }

  /** Sets the clock, as read from a snapshot. */
  void loadClock(long millis) {
    clockMillis = millis;
  }

  /**
   * Adds a session read from a snapshot; returns false if its id, or the index of its last
   * activity, is already taken (no two sessions can have been active at the same entry).
   */
  boolean load(SessionState state) {
    if (byId.containsKey(state.id()) || !byActivity.add(state)) {
      return false;
    }
    byId.put(state.id(), state);
    return true;
  }

  /**
   * Whether the loaded sessions are consistent with log time: along the activity order, their
   * last-active times never decrease (log time never goes backward along the log).
   */
  boolean activityFollowsLogTime() {
    long previous = 0;
    for (SessionState s : byActivity) {
      if (s.lastActiveMillis() < previous) {
        return false;
      }
      previous = s.lastActiveMillis();
    }
    return true;
  }

  private void touch(SessionState state, long index) {
    byActivity.remove(state);
    state.touch(index, clockMillis);
    add(state);
  }

  private void add(SessionState state) {
    if (!byActivity.add(state)) {
      throw new IllegalStateException("two sessions last active at index " + state.lastActiveIndex());
    }
  }
}
