package io.lattice.kv;

import io.lattice.format.Session;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.pcollections.TreePMap;

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
 * <h2>Bounded memory</h2>
 *
 * <p>A session keeps for retries only results of at most {@link
 * KvLimits#MAX_RETAINED_RESULT_BYTES}; a larger result (a transaction that read much, a delete
 * returning many previous key-values) is kept as a short RESULT_NOT_RETAINED answer that says the
 * write was applied at its index and that its result is lost, so that a retry is still never
 * applied twice and never told "not applied". All sessions together keep at most {@link
 * KvLimits#MAX_RETAINED_BYTES} of results: a result that takes the total past it drops the least
 * recently active other sessions that hold results, in activity order, until it fits (their clients get
 * SESSION_EXPIRED and open new sessions). Both are constants, so every replica drops the same.
 *
 * <p><b>Versions.</b> The table is made of persistent maps and immutable {@link SessionState}s:
 * {@link #state()} is an O(1), immutable copy of the whole table, which a snapshot written on
 * another thread reads, and which {@link #reset} restores to undo a command that failed.
 *
 * <p>Not thread-safe (the {@link State}s it hands out are).
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

  /**
   * The whole table at one moment, immutable.
   *
   * @param byId the sessions by id
   * @param byActivity session ids by the index of their last activity (a total order: no two
   *     sessions are last active at the same index, see above)
   * @param clockMillis the log time
   * @param retainedBytes the sum of {@link SessionState#retainedBytes()} over the sessions
   */
  record State(TreePMap<Long, SessionState> byId, TreePMap<Long, Long> byActivity,
      long clockMillis, long retainedBytes) {
    static final State EMPTY = new State(TreePMap.empty(), TreePMap.empty(), 0, 0);

    /** Sessions in id order. */
    Collection<SessionState> sessions() {
      return byId.values();
    }
  }

  private static final New NEW = new New();

  private final long ttlMillis;
  private final long maxClockStepMillis;
  private final int maxSessions;
  private final int maxResultsPerSession;
  private TreePMap<Long, SessionState> byId = TreePMap.empty();
  /** The same sessions' ids, least recently active first, for expiry and eviction. */
  private TreePMap<Long, Long> byActivity = TreePMap.empty();
  private long clockMillis;
  private long retainedBytes;

  ClientSessions(SessionLimits limits) {
    this.ttlMillis = limits.ttl().toMillis();
    this.maxClockStepMillis = limits.maxClockStep().toMillis();
    this.maxSessions = limits.maxSessions();
    this.maxResultsPerSession = limits.maxResultsPerSession();
  }

  /** The whole table now, in O(1). */
  State state() {
    return new State(byId, byActivity, clockMillis, retainedBytes);
  }

  /** Makes {@code s} (taken by {@link #state()}) the table again. */
  void reset(State s) {
    byId = s.byId();
    byActivity = s.byActivity();
    clockMillis = s.clockMillis();
    retainedBytes = s.retainedBytes();
  }

  /** The log time (0 before any command). */
  long clockMillis() {
    return clockMillis;
  }

  int size() {
    return byId.size();
  }

  /** Bytes of results all sessions keep. */
  long retainedBytes() {
    return retainedBytes;
  }

  /** Sessions in id order (read-only). */
  Collection<SessionState> sessions() {
    return byId.values();
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
    while (!byActivity.isEmpty()
        && byId.get(byActivity.firstEntry().getValue()).lastActiveMillis() < cutoff) {
      dropLeastRecentlyActive();
    }
  }

  /**
   * Opens the session registered by the entry at {@code index}; its id is {@code index}. Evicts the
   * least recently active sessions first if the table is full; returns how many.
   */
  int register(long index) {
    int evicted = 0;
    while (byId.size() >= maxSessions) {
      dropLeastRecentlyActive();
      evicted++;
    }
    // an index is applied once, and a session's id is the index that registered it
    if (byId.containsKey(index)) {
      throw new IllegalStateException("session " + index + " registered twice");
    }
    put(new SessionState(index, index, clockMillis));
    return evicted;
  }

  /** Forgets session {@code id}; returns whether it existed. */
  boolean close(long id) {
    SessionState state = byId.get(id);
    if (state == null) {
      return false;
    }
    remove(state);
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
      replace(state, state.touched(index, clockMillis));
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
   * index}, which {@link #check} let through: the result itself if it is at most {@link
   * KvLimits#MAX_RETAINED_RESULT_BYTES}, else a RESULT_NOT_RETAINED answer. Then drops the least
   * recently active other sessions while all results kept pass {@link KvLimits#MAX_RETAINED_BYTES}.
   */
  void record(Session s, long index, byte[] result) {
    SessionState state = byId.get(s.id());
    byte[] kept = result.length <= KvLimits.MAX_RETAINED_RESULT_BYTES ? result
        : KvResultCodec.encode(new KvResult.Error(index, KvResult.ErrorKind.RESULT_NOT_RETAINED,
            "sequence " + s.sequence() + " of session " + s.id() + " WAS applied, at index "
                + index + ", but its result of " + result.length + " bytes was larger than the "
                + KvLimits.MAX_RETAINED_RESULT_BYTES + " bytes a session keeps for retries: "
                + "read the keys to see the state"));
    replace(state, state.recorded(s.sequence(), kept, s.acknowledged(), maxResultsPerSession)
        .touched(index, clockMillis));
    if (retainedBytes > KvLimits.MAX_RETAINED_BYTES) {
      dropToFitRetained(s.id());
    }
  }

  /**
   * Drops, in activity order, sessions that hold results (other than {@code keep}, the most
   * recently active) until all results kept fit in {@link KvLimits#MAX_RETAINED_BYTES}. Sessions
   * holding none are passed over: dropping them would free nothing.
   */
  private void dropToFitRetained(long keep) {
    List<SessionState> drop = new ArrayList<>();
    long left = retainedBytes;
    for (Long id : byActivity.values()) {
      if (left <= KvLimits.MAX_RETAINED_BYTES) {
        break;
      }
      SessionState state = byId.get(id);
      if (id != keep && state.retainedBytes() > 0) {
        drop.add(state);
        left -= state.retainedBytes();
      }
    }
    drop.forEach(this::remove);
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
    if (byId.containsKey(state.id()) || byActivity.containsKey(state.lastActiveIndex())) {
      return false;
    }
    put(state);
    return true;
  }

  /**
   * Whether the loaded sessions are consistent with log time: along the activity order, their
   * last-active times never decrease (log time never goes backward along the log).
   */
  boolean activityFollowsLogTime() {
    long previous = 0;
    for (Long id : byActivity.values()) {
      SessionState s = byId.get(id);
      if (s.lastActiveMillis() < previous) {
        return false;
      }
      previous = s.lastActiveMillis();
    }
    return true;
  }

  private void dropLeastRecentlyActive() {
    Map.Entry<Long, Long> first = byActivity.firstEntry();
    remove(byId.get(first.getValue()));
  }

  private void replace(SessionState old, SessionState now) {
    remove(old);
    put(now);
  }

  private void put(SessionState state) {
    if (byActivity.containsKey(state.lastActiveIndex())) {
      throw new IllegalStateException("two sessions last active at index " + state.lastActiveIndex());
    }
    byId = byId.plus(state.id(), state);
    byActivity = byActivity.plus(state.lastActiveIndex(), state.id());
    retainedBytes += state.retainedBytes();
  }

  private void remove(SessionState state) {
    byId = byId.minus(state.id());
    byActivity = byActivity.minus(state.lastActiveIndex());
    retainedBytes -= state.retainedBytes();
  }
}
