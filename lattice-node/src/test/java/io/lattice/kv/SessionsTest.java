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

/**
 * Exactly-once client sessions (Raft dissertation §6.3): registration, de-duplication, the
 * retained window, closing. Expiry by log time is in {@link SessionClockTest}.
 */
class SessionsTest {
  private KvStateMachine sm = new KvStateMachine();
  private long index;

  private byte[] apply(byte[] command) {
    return sm.apply(++index, command);
  }

  /** Registers a session; returns its id. */
  private long open() {
    return decode(apply(Commands.register(T0)), KvResult.SessionOpened.class).sessionId();
  }

  static byte[] incr(long session, long seq, long ack, long at) {
    // a non-idempotent write: each application bumps the version
    return put(new Session(session, seq, ack), at, "counter", session + "#" + seq, false);
  }

  private long version() {
    return sm.get(b("counter")).map(KvEntry::version).orElse(0L);
  }

  static KvResult.ErrorKind errorKind(byte[] result) {
    return decode(result, KvResult.Error.class).kind();
  }

  // ------------------------------------------------------------------------------ registration

  @Test
  void aRegistrationOpensTheSessionWhoseIdIsItsIndex() {
    apply(put("x", "y"));
    byte[] r = apply(Commands.register(T0));
    assertThat(decode(r)).isEqualTo(new KvResult.SessionOpened(2, 2));
    assertThat(sm.sessionCount()).isEqualTo(1);
    // a retried registration (its answer was lost) opens another session, never the same one
    assertThat(decode(apply(Commands.register(T0)))).isEqualTo(new KvResult.SessionOpened(3, 3));
    assertThat(sm.sessionCount()).isEqualTo(2);
    index += 4; // a gap: NOOP and CONFIG entries never reach the state machine
    assertThat(decode(apply(Commands.register(T0)), KvResult.SessionOpened.class).sessionId())
        .isEqualTo(8);
  }

  @Test
  void aWriteOfAnUnknownSessionIsRefusedWhateverItsSequence() {
    apply(put("x", "y"));
    for (long id : new long[] {1, 2, 99}) {
      assertThat(errorKind(apply(incr(id, 1, 0, T0)))).as("session %d", id)
          .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
      assertThat(errorKind(apply(incr(id, 2, 1, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    }
    assertThat(version()).isZero();
    assertThat(sm.sessionCount()).isZero();
    long c = open();
    assertThat(decode(apply(incr(c, 1, 0, T0)), KvResult.Put.class).version()).isEqualTo(1);
  }

  @Test
  void sequencesStartAtOneButAnyFirstSequenceAboveTheFloorIsNew() {
    long c = open();
    apply(incr(c, 2, 0, T0)); // the first write got lost and the second overtook it
    apply(incr(c, 1, 0, T0));
    assertThat(version()).isEqualTo(2);
  }

  // --------------------------------------------------------------------------- de-duplication

  @Test
  void aDuplicateReturnsTheFirstResultByteForByteAndAppliesNothing() {
    long c = open();
    byte[] first = apply(incr(c, 1, 0, T0));
    assertThat(decode(first)).isEqualTo(new KvResult.Put(2, 1, null));
    long hash = sm.hash();
    byte[] again = apply(incr(c, 1, 0, T0));
    assertThat(again).isEqualTo(first);
    assertThat(version()).isEqualTo(1);
    // a duplicate with a different body still answers the first result (same session and sequence)
    byte[] other = apply(put(new Session(c, 1, 0), T0, "elsewhere", "x", true));
    assertThat(other).isEqualTo(first);
    assertThat(sm.get(b("elsewhere"))).isEmpty();
    assertThat(sm.hash()).isNotEqualTo(hash); // only the applied index and activity moved
  }

  @Test
  void sessionsAreIndependentAndNoSessionMeansNoDeduplication() {
    long a = open();
    long b = open();
    apply(incr(a, 1, 0, T0));
    apply(incr(b, 1, 0, T0));
    assertThat(version()).isEqualTo(2);
    apply(put("counter", "x"));
    apply(put("counter", "x"));
    assertThat(version()).isEqualTo(4);
    assertThat(sm.sessionCount()).isEqualTo(2);
  }

  @Test
  void withoutAcknowledgementsOnlyTheHighestResultIsKept() {
    long c = open();
    byte[] r1 = apply(incr(c, 1, 0, T0));
    byte[] r2 = apply(incr(c, 2, 0, T0));
    assertThat(apply(incr(c, 2, 0, T0))).isEqualTo(r2);
    assertThat(errorKind(apply(incr(c, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(r1).isNotEqualTo(r2);
    assertThat(version()).isEqualTo(2);
  }

  @Test
  void resultsAboveTheAcknowledgementAreKept() {
    long c = open();
    byte[] r1 = apply(incr(c, 1, 0, T0));
    byte[] r2 = apply(incr(c, 2, 0, T0)); // ack 0: r1 forgotten
    byte[] r3 = apply(incr(c, 3, 1, T0));
    byte[] r4 = apply(incr(c, 4, 2, T0)); // forgets up to 2
    byte[] r5 = apply(incr(c, 5, 2, T0));
    assertThat(version()).isEqualTo(5);
    assertThat(apply(incr(c, 3, 2, T0))).isEqualTo(r3);
    assertThat(apply(incr(c, 4, 2, T0))).isEqualTo(r4);
    assertThat(apply(incr(c, 5, 2, T0))).isEqualTo(r5);
    assertThat(errorKind(apply(incr(c, 2, 2, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr(c, 1, 2, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(5);
    assertThat(List.of(r1, r2)).doesNotContainNull();
  }

  @Test
  void outOfOrderSequencesAboveTheFloorAreNew() {
    long c = open();
    apply(incr(c, 1, 0, T0));
    apply(incr(c, 3, 1, T0)); // 2 is still in flight
    apply(incr(c, 2, 1, T0));
    assertThat(version()).isEqualTo(3);
    byte[] r2 = apply(incr(c, 2, 1, T0));
    assertThat(decode(r2, KvResult.Put.class).index()).isEqualTo(4);
    assertThat(version()).isEqualTo(3);
  }

  @Test
  void anAcknowledgementAtOrAboveTheSequenceNeverDropsTheResultBeingProduced() {
    long c = open();
    apply(incr(c, 1, 0, T0));
    byte[] r2 = apply(incr(c, 2, 7, T0));
    assertThat(apply(incr(c, 2, 7, T0))).isEqualTo(r2);
    assertThat(version()).isEqualTo(2);
  }

  @Test
  void theWindowIsBoundedOldestFirst() {
    sm = new KvStateMachine(Duration.ofHours(1), 3);
    long c = open();
    byte[][] r = new byte[7][];
    r[1] = apply(incr(c, 1, 0, T0));
    for (int seq = 2; seq <= 6; seq++) {
      r[seq] = apply(incr(c, seq, 1, T0)); // never acknowledges beyond 1
    }
    for (int seq = 4; seq <= 6; seq++) {
      assertThat(apply(incr(c, seq, 1, T0))).isEqualTo(r[seq]);
    }
    for (int seq = 1; seq <= 3; seq++) {
      assertThat(errorKind(apply(incr(c, seq, 1, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    }
    assertThat(version()).isEqualTo(6);
  }

  @Test
  void nonPositiveSequencesAndIdsAreInvalid() {
    long c = open();
    assertThat(errorKind(apply(incr(c, 0, 0, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(errorKind(apply(incr(c, -1, 0, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(errorKind(apply(incr(c, 1, -1, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(errorKind(apply(incr(-c, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(version()).isZero();
  }

  @Test
  void anInvalidCommandsErrorIsItsRecordedResult() {
    long c = open();
    byte[] err = apply(put(new Session(c, 1, 0), T0, "", "v", false));
    assertThat(errorKind(err)).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    assertThat(apply(put(new Session(c, 1, 0), T0, "", "v", false))).isEqualTo(err);
  }

  @Test
  void everyCommandTypeIsDeduplicated() {
    long c = open();
    Session s1 = new Session(c, 1, 0);
    Session s2 = new Session(c, 2, 1);
    Session s3 = new Session(c, 3, 2);
    apply(put("k", "v"));
    List<byte[]> cmds = List.of(
        KvCommandCodec.encode(new KvCommand.CompareAndSwap(s1, T0, b("k"),
            KvCommand.Expect.version(1), b("v2"), false)),
        KvCommandCodec.encode(new KvCommand.Txn(s2, T0, List.of(), List.of(
            new KvCommand.Op(KvCommand.OpKind.PUT, b("k"), b("v3"), true)), List.of())),
        KvCommandCodec.encode(new KvCommand.Delete(s3, T0, b("k"), false, true)));
    for (byte[] cmd : cmds) {
      byte[] first = apply(cmd);
      long hash = sm.range(KeyRange.all(), 0, false, false).hashCode();
      assertThat(apply(cmd)).isEqualTo(first);
      assertThat(sm.range(KeyRange.all(), 0, false, false).hashCode()).isEqualTo(hash);
    }
    assertThat(decode(apply(cmds.get(2)), KvResult.Delete.class).deletedCount()).isEqualTo(1);
    assertThat(sm.keyCount()).isZero();
  }

  // ----------------------------------------------------------------------------------- closing

  @Test
  void aClosedSessionIsForgottenAndItsRetriesAreRefused() {
    long c = open();
    long other = open();
    apply(incr(c, 1, 0, T0));
    assertThat(decode(apply(Commands.close(c, T0)))).isEqualTo(new KvResult.SessionClosed(4, true));
    assertThat(sm.sessionCount()).isEqualTo(1);
    assertThat(errorKind(apply(incr(c, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(errorKind(apply(incr(c, 2, 1, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(1);
    // closing again, or an id that never was a session, changes nothing but is no error
    assertThat(decode(apply(Commands.close(c, T0)))).isEqualTo(new KvResult.SessionClosed(7, false));
    assertThat(decode(apply(Commands.close(123, T0)), KvResult.SessionClosed.class).closed())
        .isFalse();
    assertThat(decode(apply(Commands.close(0, T0)), KvResult.SessionClosed.class).closed())
        .isFalse();
    assertThat(sm.sessionCount()).isEqualTo(1);
    assertThat(decode(apply(incr(other, 1, 0, T0)), KvResult.Put.class).version()).isEqualTo(2);
  }

  // --------------------------------------------------------------------- across snapshots

  @Test
  void aRetryAfterSnapshotAndRestoreIsStillDeduplicated() {
    long c = open();
    byte[] r1 = apply(incr(c, 1, 0, T0));
    byte[] r2 = apply(incr(c, 2, 1, T0));
    byte[] r3 = apply(incr(c, 3, 1, T0));
    byte[] snap = sm.snapshot();

    KvStateMachine restored = new KvStateMachine();
    restored.restore(snap);
    assertThat(restored.hash()).isEqualTo(sm.hash());
    assertThat(restored.apply(5, incr(c, 2, 1, T0))).isEqualTo(r2);
    assertThat(restored.apply(6, incr(c, 3, 1, T0))).isEqualTo(r3);
    assertThat(decode(restored.apply(7, incr(c, 1, 1, T0)), KvResult.Error.class).kind())
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(restored.get(b("counter")).orElseThrow().version()).isEqualTo(3);
    assertThat(r1).isNotNull();
  }
}
