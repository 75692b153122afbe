package io.lattice.kv;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of the exactly-once session table (see {@link ClientSessions}). Like everything the
 * state machine does with them, they must be the same on every replica: they come from
 * configuration, not from the log.
 *
 * @param ttl a session idle for longer than this, in log time, is dropped; positive
 * @param maxClockStep the most that one entry moves log time forward; positive, and below {@code
 *     ttl} so that no single entry, whatever its proposer's clock says, can expire a session that
 *     was active in the entry before it (see {@link #forTtl})
 * @param maxSessions most sessions in the table; when it is full, a registration evicts the least
 *     recently active one (see {@link ClientSessions}); at least 1
 * @param maxResultsPerSession most results a session retains (the oldest are dropped first); at
 *     least 1
 */
public record SessionLimits(Duration ttl, Duration maxClockStep, int maxSessions,
    int maxResultsPerSession) {
  /** Sessions idle for longer than this (in log time) are dropped. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  /** {@link #forTtl} allows one entry to move log time by at most the TTL divided by this. */
  public static final int CLOCK_STEPS_PER_TTL = 60;
  /**
   * Most sessions in the table. One-shot commands close their sessions and idle ones expire, so
   * this is about the clients writing at the same time; ten thousand sessions holding one small
   * result each are a few megabytes in memory and in every snapshot.
   */
  public static final int DEFAULT_MAX_SESSIONS = 10_000;
  /** Most results kept per session. */
  public static final int DEFAULT_MAX_RESULTS_PER_SESSION = 256;
  /**
   * One hour TTL, log time moving at most a minute per entry, 10,000 sessions, 256 results per
   * session.
   */
  public static final SessionLimits DEFAULT =
      forTtl(DEFAULT_TTL, DEFAULT_MAX_RESULTS_PER_SESSION);

  public SessionLimits {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(maxClockStep, "maxClockStep");
    if (ttl.toMillis() <= 0) {
      throw new IllegalArgumentException("session TTL must be positive: " + ttl);
    }
    if (maxClockStep.toMillis() <= 0 || maxClockStep.compareTo(ttl) >= 0) {
      throw new IllegalArgumentException("the log clock step must be positive and below the TTL: "
          + maxClockStep + " (TTL " + ttl + ")");
    }
    if (maxSessions < 1) {
      throw new IllegalArgumentException("the session table must hold at least one session");
    }
    if (maxResultsPerSession < 1) {
      throw new IllegalArgumentException("must keep at least one result per session");
    }
  }

  /**
   * Limits with {@code ttl}, a clock step of {@code ttl / 60} (a minute for the default hour) and
   * the default table size.
   *
   * <p>Why a sixtieth: a proposer whose clock runs ahead can then expire a session only after
   * sixty entries in which that session did nothing, never in one; a proposer whose clock is right
   * keeps log time level with real time as long as the cluster applies a command at least once a
   * sixtieth of the TTL, and after a longer quiet spell log time catches up within sixty commands.
   * Log time that lags only makes sessions live longer, which the bounded table pays for; it never
   * makes one expire early.
   */
  public static SessionLimits forTtl(Duration ttl, int maxResultsPerSession) {
    return new SessionLimits(ttl, ttl.dividedBy(CLOCK_STEPS_PER_TTL), DEFAULT_MAX_SESSIONS,
        maxResultsPerSession);
  }

  /** These limits with a table of {@code n} sessions. */
  public SessionLimits withMaxSessions(int n) {
    return new SessionLimits(ttl, maxClockStep, n, maxResultsPerSession);
  }
}
