package io.lattice.kv;

import static io.lattice.kv.Commands.T0;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.decode;
import static io.lattice.kv.Commands.put;
import static io.lattice.kv.SessionsTest.errorKind;
import static io.lattice.kv.SessionsTest.incr;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.Session;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Log time (the state machine's deterministic clock, from the proposers' clocks, bounded per entry)
 * and the expiry of idle sessions by it.
 */
class SessionClockTest {
  private static final long MINUTE = 60_000;
  /** Ten minutes: a clock step of 10 s. */
  private KvStateMachine sm = new KvStateMachine(Duration.ofMinutes(10), 256);
  private long index;

  private byte[] apply(byte[] command) {
    return sm.apply(++index, command);
  }

  private long open(long at) {
    return decode(apply(Commands.register(at)), KvResult.SessionOpened.class).sessionId();
  }

  private long version() {
    return sm.get(b("counter")).map(KvEntry::version).orElse(0L);
  }

  /**
   * Moves log time to {@code at} with session-less commands stamped {@code at}, as many as the
   * bounded clock step needs (for a 10-minute TTL, one per 10 s).
   */
  private void clockTo(long at) {
    for (int i = 0; sm.logClockMillis() < at; i++) {
      assertThat(i).as("log time stuck at %d on the way to %d", sm.logClockMillis(), at)
          .isLessThan(10_000);
      apply(put(Session.NONE, at, "clock", "tick", false));
    }
    assertThat(sm.logClockMillis()).isEqualTo(at);
  }

  @Test
  void aLeaderWhoseClockRunsFarAheadCannotExpireASessionActiveInThePreviousEntry() {
    sm = new KvStateMachine();
    long ttl = SessionLimits.DEFAULT_TTL.toMillis();
    long c = open(T0);
    byte[] first = apply(incr(c, 1, 0, T0));
    // a new leader whose clock runs the TTL plus an hour ahead proposes the very next entry
    long ahead = T0 + ttl + 60 * MINUTE;
    apply(put(Session.NONE, ahead, "x", "y", false));
    assertThat(sm.sessionCount()).isEqualTo(1);
    assertThat(sm.logClockMillis()).isLessThan(T0 + ttl);
    // the client's retry of its write is still answered from the session, not applied again
    assertThat(apply(incr(c, 1, 0, ahead))).isEqualTo(first);
    assertThat(version()).isEqualTo(1);
  }

  @Test
  void logTimeMovesByAtMostOneStepPerEntryAndTheFirstCommandSetsIt() {
    apply(put(Session.NONE, T0, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0);
    apply(put(Session.NONE, T0 + 3_000, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 3_000);
    apply(Commands.register(T0 + 60 * MINUTE)); // every command moves it, sessions' own too
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 13_000);
    apply(put(Session.NONE, T0, "x", "y", false));
    assertThat(sm.logClockMillis()).as("never backward").isEqualTo(T0 + 13_000);
    apply(put(Session.NONE, Long.MAX_VALUE, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 23_000);
    apply(new byte[] {1, 2, 3}); // a malformed entry has no time: it leaves log time alone
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 23_000);
  }

  @Test
  void aSessionActiveWithinTheLastSixtyEntriesSurvivesARunawayClock() {
    long c = open(T0);
    byte[] first = apply(incr(c, 1, 0, T0));
    long farAhead = T0 + 1000 * MINUTE;
    for (int i = 1; i < SessionLimits.CLOCK_STEPS_PER_TTL; i++) {
      apply(put(Session.NONE, farAhead, "x", "y", false));
    }
    // the sixtieth entry after its last activity brings log time to exactly the TTL: still alive
    assertThat(apply(incr(c, 1, 0, farAhead))).isEqualTo(first);
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 10 * MINUTE);
    for (int i = 0; i <= SessionLimits.CLOCK_STEPS_PER_TTL; i++) {
      apply(put(Session.NONE, farAhead, "x", "y", false));
    }
    assertThat(sm.sessionCount()).as("idle for more than sixty entries of a runaway clock")
        .isZero();
  }

  @Test
  void idleSessionsExpireByLogTimeNotWallTime() {
    long idle = open(T0);
    long busy = open(T0);
    byte[] first = apply(incr(idle, 1, 0, T0));
    apply(incr(busy, 1, 0, T0));
    clockTo(T0 + 6 * MINUTE);
    apply(incr(busy, 2, 1, T0 + 6 * MINUTE));
    clockTo(T0 + 10 * MINUTE); // exactly the TTL: still alive
    assertThat(sm.sessionCount()).isEqualTo(2);
    assertThat(apply(incr(idle, 1, 0, T0 + 10 * MINUTE))).isEqualTo(first); // and touched again

    clockTo(T0 + 17 * MINUTE);
    assertThat(sm.sessionCount()).as("busy idle 11 min").isEqualTo(1);
    clockTo(T0 + 21 * MINUTE);
    assertThat(sm.sessionCount()).isZero();

    long v = version();
    assertThat(errorKind(apply(incr(busy, 3, 2, T0 + 21 * MINUTE))))
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr(busy, 2, 1, T0 + 21 * MINUTE))))
        .as("a retry after expiry is never re-applied").isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(v);
  }

  @Test
  void aRetriedFirstWriteOfAnExpiredSessionIsRefusedNotAppliedAgain() {
    long c = open(T0);
    apply(incr(c, 1, 0, T0));
    clockTo(T0 + 11 * MINUTE);
    assertThat(sm.sessionCount()).isZero();
    assertThat(errorKind(apply(incr(c, 1, 0, T0 + 11 * MINUTE))))
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(1);
  }

  @Test
  void anUnusedRegistrationExpiresLikeAnIdleSession() {
    open(T0);
    clockTo(T0 + 10 * MINUTE);
    assertThat(sm.sessionCount()).isEqualTo(1);
    clockTo(T0 + 10 * MINUTE + 10_000);
    assertThat(sm.sessionCount()).isZero();
  }

  @Test
  void logTimeNeverGoesBackward() {
    long c = open(T0);
    apply(incr(c, 1, 0, T0));
    clockTo(T0 + 30 * MINUTE);
    assertThat(sm.sessionCount()).isZero();
    // a new leader whose clock is behind: log time stays, so a new session here is judged by it
    long d = open(T0 + 5 * MINUTE);
    apply(incr(d, 1, 0, T0 + 5 * MINUTE));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 30 * MINUTE);
    clockTo(T0 + 39 * MINUTE);
    assertThat(sm.sessionCount()).as("d was active at log time +30").isEqualTo(1);
    clockTo(T0 + 41 * MINUTE);
    assertThat(sm.sessionCount()).isZero();
  }

  @Test
  void aSessionExpiredAtThisVeryCommandIsRefused() {
    long c = open(T0);
    apply(incr(c, 1, 0, T0));
    clockTo(T0 + 10 * MINUTE - 5_000);
    assertThat(sm.sessionCount()).isEqualTo(1);
    // the command's own proposal time moves log time first, expiring its session
    assertThat(errorKind(apply(incr(c, 2, 1, T0 + 11 * MINUTE))))
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
  }

  @Test
  void logTimeSurvivesASnapshot() {
    apply(put(Session.NONE, T0 + 30 * MINUTE, "x", "y", false)); // the first command sets it
    long c = open(T0);
    apply(incr(c, 1, 0, T0));
    KvStateMachine restored = new KvStateMachine(Duration.ofMinutes(10), 256);
    restored.restore(sm.snapshot());
    assertThat(restored.logClockMillis()).isEqualTo(T0 + 30 * MINUTE);
    // the same backward proposal time expires nothing on either: both judge by log time +30
    byte[] cmd = put(Session.NONE, T0 + 35 * MINUTE, "z", "z", false);
    sm.apply(4, cmd);
    restored.apply(4, cmd);
    assertThat(restored.sessionCount()).isEqualTo(1);
    assertThat(restored.hash()).isEqualTo(sm.hash());
  }
}
