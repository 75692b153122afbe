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
 * <p><b>Log time.</b> The clock is derived from the {@code proposedAtMillis} of the commands applied
 * (the proposing leader's wall clock, carried in the entry), never from this machine's own clock,
 * so every replica expires the same sessions at the same index. The first command sets it; each
 * later one moves it to {@code max(clock, min(proposedAt, clock + maxClockStep))}: never backward
 * (a new leader's clock may be behind its predecessor's), and never by more than the step (a new
 * leader's clock may be far ahead: one entry stamped hours ahead must not expire every session at
 * once). A session idle for more than the TTL of log time (no command of its client applied) is
 * dropped when the next command is applied.
 *
 * <p><b>Opening.</b> There is no explicit registration: a session is opened by its client's first
 * write, which must be sequence 1 with acknowledged 0. A command of an unknown client with any
 * other sequence or acknowledgement is refused as SESSION_EXPIRED: its session existed and expired
 * (or the client skipped sequence 1), and applying it could apply a retried write twice. The price:
 * a client that pipelines its very first writes and has sequence 2 committed before 1 gets a
 * spurious SESSION_EXPIRED; such a client should wait for the result of sequence 1.
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
  private static final Comparator<SessionState> BY_IDLE =
      Comparator.comparingLong(SessionState::lastActiveMillis).thenComparing(SessionState::clientId);

  private final long ttlMillis;
  private final long maxClockStepMillis;
  private final int maxResultsPerClient;
  private final TreeMap<String, SessionState> byClient = new TreeMap<>();
  /** The same sessions, least recently active first, for expiry. */
  private final TreeSet<SessionState> byIdle = new TreeSet<>(BY_IDLE);
  private long clockMillis;

  ClientSessions(SessionLimits limits) {
    this.ttlMillis = limits.ttl().toMillis();
    this.maxClockStepMillis = limits.maxClockStep().toMillis();
    this.maxResultsPerClient = limits.maxResultsPerSession();
  }

  /** The log time (0 before any command). */
  long clockMillis() {
    return clockMillis;
  }

  int size() {
    return byClient.size();
  }

  /** Sessions in client-id order (read-only). */
  Collection<SessionState> sessions() {
    return Collections.unmodifiableCollection(byClient.values());
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
    while (!byIdle.isEmpty() && byIdle.first().lastActiveMillis() < cutoff) {
      byClient.remove(byIdle.pollFirst().clientId());
    }
  }

  /**
   * Decides whether a command with session {@code s} (present) is new, a duplicate or refused. A
   * duplicate counts as activity of the session.
   */
  Check check(Session s) {
    if (s.sequence() <= 0 || s.acknowledged() < 0) {
      return new Refused(KvResult.ErrorKind.INVALID_ARGUMENT, "session " + s.clientId()
          + ": sequence must be positive and acknowledged not negative (got " + s.sequence()
          + ", " + s.acknowledged() + ")");
    }
    SessionState state = byClient.get(s.clientId());
    if (state == null) {
      if (s.sequence() == 1 && s.acknowledged() == 0) {
        return NEW;
      }
      return new Refused(KvResult.ErrorKind.SESSION_EXPIRED, "session " + s.clientId()
          + " is unknown: it expired, or was not opened with sequence 1 (got sequence "
          + s.sequence() + ")");
    }
    byte[] first = state.result(s.sequence());
    if (first != null) {
      touch(state);
      return new Duplicate(first);
    }
    if (s.sequence() <= state.floor()) {
      return new Refused(KvResult.ErrorKind.SESSION_EXPIRED, "session " + s.clientId()
          + ": the result of sequence " + s.sequence() + " was already discarded (sequences up to "
          + state.floor() + " are acknowledged or out of the retained window)");
    }
    return NEW;
  }

  /** Records the encoded result of the new command with session {@code s}. */
  void record(Session s, byte[] result) {
    SessionState state = byClient.get(s.clientId());
    if (state == null) {
      state = new SessionState(s.clientId(), clockMillis);
      byClient.put(s.clientId(), state);
    } else {
      byIdle.remove(state);
    }
    state.record(s.sequence(), result, s.acknowledged(), maxResultsPerClient);
    state.touch(clockMillis);
    byIdle.add(state);
  }

  /** Sets the clock, as read from a snapshot. */
  void loadClock(long millis) {
    clockMillis = millis;
  }

  /** Adds a session read from a snapshot; returns false if its client is already present. */
  boolean load(SessionState state) {
    if (byClient.putIfAbsent(state.clientId(), state) != null) {
      return false;
    }
    byIdle.add(state);
    return true;
  }

  private void touch(SessionState state) {
    byIdle.remove(state);
    state.touch(clockMillis);
    byIdle.add(state);
  }
}
