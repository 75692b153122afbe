package io.lattice.kv;

import static io.lattice.kv.Commands.T0;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.decode;
import static io.lattice.kv.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exactly-once client sessions (Raft dissertation §6.3) and their expiry by log time. */
class SessionsTest {
  private static final long MINUTE = 60_000;
  private KvStateMachine sm = new KvStateMachine();
  private long index;

  private byte[] apply(byte[] command) {
    return sm.apply(++index, command);
  }

  private static byte[] incr(String client, long seq, long ack, long at) {
    // a non-idempotent write: each application bumps the version
    return put(new Session(client, seq, ack), at, "counter", client + "#" + seq, false);
  }

  private long version() {
    return sm.get(b("counter")).map(KvEntry::version).orElse(0L);
  }

  private static KvResult.ErrorKind errorKind(byte[] result) {
    return decode(result, KvResult.Error.class).kind();
  }

  @Test
  void aDuplicateReturnsTheFirstResultByteForByteAndAppliesNothing() {
    byte[] first = apply(incr("c", 1, 0, T0));
    assertThat(decode(first)).isEqualTo(new KvResult.Put(1, 1, null));
    long hash = sm.hash();
    byte[] again = apply(incr("c", 1, 0, T0));
    assertThat(again).isEqualTo(first);
    assertThat(version()).isEqualTo(1);
    // a duplicate with a different body still answers the first result (same client and sequence)
    byte[] other = apply(put(new Session("c", 1, 0), T0, "elsewhere", "x", true));
    assertThat(other).isEqualTo(first);
    assertThat(sm.get(b("elsewhere"))).isEmpty();
    assertThat(sm.hash()).isNotEqualTo(hash); // only the applied index moved
  }

  @Test
  void sessionsAreIndependentAndNoSessionMeansNoDeduplication() {
    apply(incr("a", 1, 0, T0));
    apply(incr("b", 1, 0, T0));
    assertThat(version()).isEqualTo(2);
    apply(put("counter", "x"));
    apply(put("counter", "x"));
    assertThat(version()).isEqualTo(4);
    assertThat(sm.sessionCount()).isEqualTo(2);
  }

  @Test
  void withoutAcknowledgementsOnlyTheHighestResultIsKept() {
    byte[] r1 = apply(incr("c", 1, 0, T0));
    byte[] r2 = apply(incr("c", 2, 0, T0));
    assertThat(apply(incr("c", 2, 0, T0))).isEqualTo(r2);
    assertThat(errorKind(apply(incr("c", 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(r1).isNotEqualTo(r2);
    assertThat(version()).isEqualTo(2);
  }

  @Test
  void resultsAboveTheAcknowledgementAreKept() {
    byte[] r1 = apply(incr("c", 1, 0, T0));
    byte[] r2 = apply(incr("c", 2, 0, T0)); // ack 0: r1 forgotten
    byte[] r3 = apply(incr("c", 3, 1, T0));
    byte[] r4 = apply(incr("c", 4, 2, T0)); // forgets up to 2
    byte[] r5 = apply(incr("c", 5, 2, T0));
    assertThat(version()).isEqualTo(5);
    assertThat(apply(incr("c", 3, 2, T0))).isEqualTo(r3);
    assertThat(apply(incr("c", 4, 2, T0))).isEqualTo(r4);
    assertThat(apply(incr("c", 5, 2, T0))).isEqualTo(r5);
    assertThat(errorKind(apply(incr("c", 2, 2, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr("c", 1, 2, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(5);
    assertThat(List.of(r1, r2)).doesNotContainNull();
  }

  @Test
  void outOfOrderSequencesAboveTheFloorAreNew() {
    apply(incr("c", 1, 0, T0));
    apply(incr("c", 3, 1, T0)); // 2 is still in flight
    apply(incr("c", 2, 1, T0));
    assertThat(version()).isEqualTo(3);
    byte[] r2 = apply(incr("c", 2, 1, T0));
    assertThat(decode(r2, KvResult.Put.class).index()).isEqualTo(3);
    assertThat(version()).isEqualTo(3);
  }

  @Test
  void anAcknowledgementAtOrAboveTheSequenceNeverDropsTheResultBeingProduced() {
    apply(incr("c", 1, 0, T0));
    byte[] r2 = apply(incr("c", 2, 7, T0));
    assertThat(apply(incr("c", 2, 7, T0))).isEqualTo(r2);
    assertThat(version()).isEqualTo(2);
  }

  @Test
  void theWindowIsBoundedOldestFirst() {
    sm = new KvStateMachine(Duration.ofHours(1), 3);
    byte[][] r = new byte[7][];
    r[1] = apply(incr("c", 1, 0, T0));
    for (int seq = 2; seq <= 6; seq++) {
      r[seq] = apply(incr("c", seq, 1, T0)); // never acknowledges beyond 1
    }
    for (int seq = 4; seq <= 6; seq++) {
      assertThat(apply(incr("c", seq, 1, T0))).isEqualTo(r[seq]);
    }
    for (int seq = 1; seq <= 3; seq++) {
      assertThat(errorKind(apply(incr("c", seq, 1, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    }
    assertThat(version()).isEqualTo(6);
  }

  @Test
  void anUnknownSessionOpensOnlyWithSequenceOne() {
    assertThat(errorKind(apply(incr("c", 2, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr("c", 5, 4, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr("c", 1, 3, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(sm.sessionCount()).isZero();
    assertThat(version()).isZero();
    apply(incr("c", 1, 0, T0));
    assertThat(sm.sessionCount()).isEqualTo(1);
  }

  @Test
  void nonPositiveSequencesAreInvalid() {
    assertThat(errorKind(apply(incr("c", 0, 0, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(errorKind(apply(incr("c", -1, 0, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(errorKind(apply(incr("c", 1, -1, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(version()).isZero();
    assertThat(sm.sessionCount()).isZero();
  }

  @Test
  void anInvalidCommandsErrorIsItsRecordedResult() {
    byte[] err = apply(put(new Session("c", 1, 0), T0, "", "v", false));
    assertThat(errorKind(err)).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(apply(put(new Session("c", 1, 0), T0, "", "v", false))).isEqualTo(err);
    assertThat(sm.sessionCount()).isEqualTo(1);
  }

  @Test
  void everyCommandTypeIsDeduplicated() {
    Session s1 = new Session("c", 1, 0);
    Session s2 = new Session("c", 2, 1);
    Session s3 = new Session("c", 3, 2);
    apply(put("k", "v"));
    List<byte[]> cmds = List.of(
        KvCommandCodec.encode(new KvCommand.CompareAndSwap(s1, T0, b("k"),
            KvCommand.Expect.version(1), b("v2"), false)),
        KvCommandCodec.encode(new KvCommand.Txn(s2, T0, List.of(), List.of(
            new KvCommand.Op(KvCommand.OpKind.PUT, b("k"), b("v3"), true)), List.of())),
        KvCommandCodec.encode(new KvCommand.Delete(s3, T0, b("k"), false, true)));
    for (byte[] c : cmds) {
      byte[] first = apply(c);
      long hash = sm.range(KeyRange.all(), 0, false, false).hashCode();
      assertThat(apply(c)).isEqualTo(first);
      assertThat(sm.range(KeyRange.all(), 0, false, false).hashCode()).isEqualTo(hash);
    }
    assertThat(decode(apply(cmds.get(2)), KvResult.Delete.class).deletedCount()).isEqualTo(1);
    assertThat(sm.keyCount()).isZero();
  }

  // ------------------------------------------------------------------------- expiry by log time

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
  void idleSessionsExpireByLogTimeNotWallTime() {
    sm = new KvStateMachine(Duration.ofMinutes(10), 256);
    byte[] first = apply(incr("idle", 1, 0, T0));
    apply(incr("busy", 1, 0, T0));
    clockTo(T0 + 6 * MINUTE);
    apply(incr("busy", 2, 1, T0 + 6 * MINUTE));
    clockTo(T0 + 10 * MINUTE); // exactly the TTL: still alive
    assertThat(sm.sessionCount()).isEqualTo(2);
    assertThat(apply(incr("idle", 1, 0, T0 + 10 * MINUTE))).isEqualTo(first); // and touched again

    clockTo(T0 + 17 * MINUTE);
    assertThat(sm.sessionCount()).as("busy idle 11 min").isEqualTo(1);
    clockTo(T0 + 21 * MINUTE);
    assertThat(sm.sessionCount()).isZero();

    long v = version();
    assertThat(errorKind(apply(incr("busy", 3, 2, T0 + 21 * MINUTE))))
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr("busy", 2, 1, T0 + 21 * MINUTE))))
        .as("a retry after expiry is never re-applied").isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(v);
  }

  @Test
  void aLeaderWhoseClockRunsFarAheadCannotExpireASessionActiveInThePreviousEntry() {
    long ttl = KvStateMachine.DEFAULT_SESSION_TTL.toMillis();
    byte[] first = apply(incr("c", 1, 0, T0));
    // a new leader whose clock runs the TTL plus an hour ahead proposes the very next entry
    long ahead = T0 + ttl + 60 * MINUTE;
    apply(put(Session.NONE, ahead, "x", "y", false));
    assertThat(sm.sessionCount()).isEqualTo(1);
    assertThat(sm.logClockMillis()).isLessThan(T0 + ttl);
    // the client's retry of its write is still answered from the session, not applied again
    assertThat(apply(incr("c", 1, 0, ahead))).isEqualTo(first);
    assertThat(version()).isEqualTo(1);
  }

  @Test
  void logTimeMovesByAtMostOneStepPerEntryAndTheFirstCommandSetsIt() {
    sm = new KvStateMachine(Duration.ofMinutes(10), 256); // a step of 10 s
    apply(put(Session.NONE, T0, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0);
    apply(put(Session.NONE, T0 + 3_000, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 3_000);
    apply(put(Session.NONE, T0 + 60 * MINUTE, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 13_000);
    apply(put(Session.NONE, T0, "x", "y", false));
    assertThat(sm.logClockMillis()).as("never backward").isEqualTo(T0 + 13_000);
    apply(put(Session.NONE, Long.MAX_VALUE, "x", "y", false));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 23_000);
  }

  @Test
  void aSessionActiveWithinTheLastStepsOfTheTtlSurvivesAnyRunOfEntries() {
    sm = new KvStateMachine(Duration.ofMinutes(10), 256);
    byte[] first = apply(incr("c", 1, 0, T0));
    long farAhead = T0 + 1000 * MINUTE;
    for (int i = 1; i < SessionLimits.CLOCK_STEPS_PER_TTL; i++) {
      apply(put(Session.NONE, farAhead, "x", "y", false));
    }
    // the sixtieth entry after its last activity brings log time to exactly the TTL: still alive
    assertThat(apply(incr("c", 1, 0, farAhead))).isEqualTo(first);
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 10 * MINUTE);
    for (int i = 0; i <= SessionLimits.CLOCK_STEPS_PER_TTL; i++) {
      apply(put(Session.NONE, farAhead, "x", "y", false));
    }
    assertThat(sm.sessionCount()).as("idle for more than sixty entries of a runaway clock")
        .isZero();
  }

  @Test
  void logTimeNeverGoesBackward() {
    sm = new KvStateMachine(Duration.ofMinutes(10), 256);
    apply(incr("c", 1, 0, T0));
    clockTo(T0 + 30 * MINUTE);
    assertThat(sm.sessionCount()).isZero();
    // a new leader whose clock is behind: log time stays, so a new session here is judged by it
    apply(incr("d", 1, 0, T0 + 5 * MINUTE));
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 30 * MINUTE);
    clockTo(T0 + 39 * MINUTE);
    assertThat(sm.sessionCount()).as("d was active at log time +30").isEqualTo(1);
    clockTo(T0 + 41 * MINUTE);
    assertThat(sm.sessionCount()).isZero();
  }

  @Test
  void aSessionExpiredAtThisVeryCommandIsRefused() {
    sm = new KvStateMachine(Duration.ofMinutes(10), 256);
    apply(incr("c", 1, 0, T0));
    clockTo(T0 + 10 * MINUTE - 5_000);
    assertThat(sm.sessionCount()).isEqualTo(1);
    // the command's own proposal time moves log time first, expiring its session
    assertThat(errorKind(apply(incr("c", 2, 1, T0 + 11 * MINUTE))))
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
  }

  // --------------------------------------------------------------------- across snapshots

  @Test
  void aRetryAfterSnapshotAndRestoreIsStillDeduplicated() {
    byte[] r1 = apply(incr("c", 1, 0, T0));
    byte[] r2 = apply(incr("c", 2, 1, T0));
    byte[] r3 = apply(incr("c", 3, 1, T0));
    byte[] snap = sm.snapshot();

    KvStateMachine restored = new KvStateMachine();
    restored.restore(snap);
    assertThat(restored.hash()).isEqualTo(sm.hash());
    assertThat(restored.apply(4, incr("c", 2, 1, T0))).isEqualTo(r2);
    assertThat(restored.apply(5, incr("c", 3, 1, T0))).isEqualTo(r3);
    assertThat(decode(restored.apply(6, incr("c", 1, 1, T0)), KvResult.Error.class).kind())
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(restored.get(b("counter")).orElseThrow().version()).isEqualTo(3);
    assertThat(r1).isNotNull();
  }

  @Test
  void logTimeSurvivesASnapshot() {
    sm = new KvStateMachine(Duration.ofMinutes(10), 256);
    apply(put(Session.NONE, T0 + 30 * MINUTE, "x", "y", false)); // the first command sets it
    apply(incr("c", 1, 0, T0));
    KvStateMachine restored = new KvStateMachine(Duration.ofMinutes(10), 256);
    restored.restore(sm.snapshot());
    assertThat(restored.logClockMillis()).isEqualTo(T0 + 30 * MINUTE);
    // the same backward proposal time expires nothing on either: both judge by log time +30
    byte[] cmd = put(Session.NONE, T0 + 35 * MINUTE, "z", "z", false);
    sm.apply(3, cmd);
    restored.apply(3, cmd);
    assertThat(restored.sessionCount()).isEqualTo(1);
    assertThat(restored.hash()).isEqualTo(sm.hash());
  }
}
