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
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bounded session table: when it is full, a registration evicts the least recently active
 * session, by log index, identically on every replica and after a snapshot is restored.
 */
class SessionTableTest {
  private static final SessionLimits THREE = limits(3);
  private KvStateMachine sm = new KvStateMachine(THREE);
  private long index;

  private static SessionLimits limits(int maxSessions) {
    return new SessionLimits(Duration.ofHours(1), Duration.ofMinutes(1), maxSessions, 256);
  }

  private byte[] apply(byte[] command) {
    return sm.apply(++index, command);
  }

  private long open() {
    return decode(apply(Commands.register(T0)), KvResult.SessionOpened.class).sessionId();
  }

  private long version() {
    return sm.get(b("counter")).map(KvEntry::version).orElse(0L);
  }

  @Test
  void theDefaultTableHoldsTenThousandSessions() {
    assertThat(SessionLimits.DEFAULT.maxSessions()).isEqualTo(10_000);
    assertThat(SessionLimits.DEFAULT_MAX_SESSIONS).isEqualTo(10_000);
  }

  @Test
  void whenFullARegistrationEvictsTheLeastRecentlyActiveSession() {
    long a = open();
    long b = open();
    long c = open();
    apply(incr(a, 1, 0, T0)); // a is now the most recently active; b the least
    long d = open();
    assertThat(sm.sessionCount()).isEqualTo(3);
    assertThat(errorKind(apply(incr(b, 1, 0, T0)))).as("b was evicted")
        .isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    for (long live : new long[] {a, c, d}) {
      assertThat(decode(apply(incr(live, 2, 0, T0)))).isInstanceOf(KvResult.Put.class);
    }
  }

  @Test
  void aRetriedFirstWriteOfAnEvictedSessionIsRefusedNotAppliedAgain() {
    long a = open();
    byte[] first = apply(incr(a, 1, 0, T0));
    open();
    open();
    assertThat(apply(incr(a, 1, 0, T0))).as("still there: a duplicate").isEqualTo(first);
    open();
    open();
    open(); // the two opened before the retry went first, then a
    assertThat(errorKind(apply(incr(a, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(version()).isEqualTo(1);
  }

  @Test
  void activityIsMeasuredInLogIndexesNotLogTime() {
    // a new leader whose clock is behind: log time stands still, every session active "at once"
    apply(put(Session.NONE, T0 + 60_000, "x", "y", false));
    long a = open();
    long b = open();
    long c = open();
    for (int i = 0; i < 3; i++) {
      apply(incr(a, 1 + i, 0, T0));
      apply(incr(c, 1 + i, 0, T0));
    }
    assertThat(sm.logClockMillis()).isEqualTo(T0 + 60_000);
    open();
    assertThat(errorKind(apply(incr(b, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(decode(apply(incr(a, 4, 0, T0)))).isInstanceOf(KvResult.Put.class);
    assertThat(decode(apply(incr(c, 4, 0, T0)))).isInstanceOf(KvResult.Put.class);
  }

  @Test
  void aDuplicateAnsweredFromTheSessionCountsAsActivity() {
    long a = open();
    byte[] first = apply(incr(a, 1, 0, T0));
    long b = open();
    open();
    assertThat(apply(incr(a, 1, 0, T0))).isEqualTo(first); // a retry keeps a alive
    open();
    assertThat(errorKind(apply(incr(b, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    assertThat(apply(incr(a, 1, 0, T0))).isEqualTo(first);
  }

  @Test
  void aClosedSessionFreesItsPlace() {
    long a = open();
    long b = open();
    long c = open();
    apply(Commands.close(b, T0));
    open();
    assertThat(sm.sessionCount()).isEqualTo(3);
    assertThat(decode(apply(incr(a, 1, 0, T0)))).isInstanceOf(KvResult.Put.class);
    assertThat(decode(apply(incr(c, 1, 0, T0)))).isInstanceOf(KvResult.Put.class);
  }

  @Test
  void evictionIsTheSameOnAReplicaRestoredFromASnapshot() {
    Random rnd = new Random(11);
    for (int round = 0; round < 50; round++) {
      List<byte[]> history = randomHistory(rnd, 80);
      int split = rnd.nextInt(history.size() + 1);
      KvStateMachine a = new KvStateMachine(THREE);
      List<byte[]> results = new ArrayList<>();
      byte[] snapshot = a.snapshot();
      for (int i = 0; i < history.size(); i++) {
        results.add(a.apply(i + 1, history.get(i)));
        if (i + 1 == split) {
          snapshot = a.snapshot();
        }
      }
      KvStateMachine b = new KvStateMachine(THREE);
      b.restore(snapshot);
      for (int i = split; i < history.size(); i++) {
        assertThat(b.apply(i + 1, history.get(i))).as("round %d, entry %d", round, i + 1)
            .isEqualTo(results.get(i));
      }
      assertThat(b.snapshot()).as("round %d", round).isEqualTo(a.snapshot());
    }
  }

  /** Registrations (entry i registers session i), writes and retries of live and gone sessions. */
  private static List<byte[]> randomHistory(Random rnd, int n) {
    List<byte[]> out = new ArrayList<>();
    List<Long> opened = new ArrayList<>();
    long[] nextSeq = new long[n + 1];
    for (int i = 1; i <= n; i++) {
      if (opened.isEmpty() || rnd.nextInt(4) == 0) {
        out.add(Commands.register(T0));
        opened.add((long) i);
        nextSeq[i] = 1;
      } else {
        long s = opened.get(rnd.nextInt(opened.size()));
        int sid = (int) s;
        long seq = rnd.nextInt(3) == 0 && nextSeq[sid] > 1 ? nextSeq[sid] - 1 : nextSeq[sid]++;
        out.add(incr(s, seq, 0, T0));
      }
    }
    return out;
  }

  @Test
  void aSnapshotHoldingMoreSessionsThanThisTableEvictsDownAtTheNextRegistration() {
    KvStateMachine big = new KvStateMachine(limits(5));
    for (long i = 1; i <= 5; i++) {
      big.apply(i, Commands.register(T0));
    }
    big.apply(6, incr(1, 1, 0, T0)); // session 1 is the most recently active
    sm.restore(big.snapshot());
    index = 6;
    assertThat(sm.sessionCount()).isEqualTo(5);
    long newest = open();
    assertThat(sm.sessionCount()).isEqualTo(3);
    // 2, 3 and 4 were the least recently active
    for (long gone : new long[] {2, 3, 4}) {
      assertThat(errorKind(apply(incr(gone, 1, 0, T0)))).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    }
    for (long live : new long[] {1, 5, newest}) {
      assertThat(decode(apply(incr(live, 2, 0, T0)))).isInstanceOf(KvResult.Put.class);
    }
  }
}
