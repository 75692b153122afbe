package io.lattice.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random command histories (all command types; sessions registered, retried, closed and used after
 * they are gone, with retries and acknowledgements; log time jumping forward and backward across
 * session expiry; malformed entries; index gaps) applied to two replicas, one of which is restored
 * midway from a snapshot of the other: they must give the same results for every later entry and
 * end in the same state.
 */
class ReplicaPropertyTest {
  /** A short TTL and a large clock step, so that sessions expire within a history. */
  private static final SessionLimits LIMITS =
      new SessionLimits(Duration.ofMillis(1000), Duration.ofMillis(250), 2, 4);
  private static final String[] KEYS = {"a", "ab", "b", "b/1", "b/2", "c"};
  private static final String[] CLIENTS = {"c1", "c2", "c3"};

  /** One generated step; {@link History} turns a list of them into entries. */
  record Step(int kind, int key, int value, int client, int seqMode, int timeDelta, int flags,
      int extra) {}

  /** Seed of the whole test; a failure names the case's own seed, which replays alone. */
  private static final long SEED = Long.getLong("lattice.seed.kv", 20261124L);

  private static Step step(Random r) {
    return new Step(r.nextInt(10), r.nextInt(KEYS.length), r.nextInt(4),
        r.nextInt(CLIENTS.length + 1), // == length: no session
        r.nextInt(10), r.nextInt(901) - 300, r.nextInt(256), r.nextInt(10000));
  }

  private static List<Step> steps(Random r, int min, int max) {
    int n = min + r.nextInt(max - min + 1);
    List<Step> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(step(r));
    }
    return out;
  }

  @Test
  void aReplicaRestoredMidwayEndsIdentical() {
    Random seeds = new Random(SEED);
    for (int t = 0; t < 300; t++) {
      long seed = seeds.nextLong();
      Random r = new Random(seed);
      List<Step> steps = steps(r, 1, 150);
      int splitPercent = r.nextInt(101);
      try {
        restoredMidway(steps, splitPercent);
      } catch (AssertionError e) {
        throw new AssertionError("case seed " + seed + " (case " + t + ")", e);
      }
    }
  }

  private void restoredMidway(List<Step> steps, int splitPercent) {
    List<Entry> entries = new History().build(steps);
    int split = entries.size() * splitPercent / 100;

    KvStateMachine a = new KvStateMachine(LIMITS);
    KvStateMachine b = new KvStateMachine(LIMITS);
    b.apply(1, Commands.put("junk", "to be replaced"));
    List<byte[]> resultsA = new ArrayList<>();
    byte[] snapshot = split == 0 ? a.snapshot() : null;
    for (int i = 0; i < entries.size(); i++) {
      resultsA.add(a.apply(entries.get(i).index, entries.get(i).command));
      if (i + 1 == split) {
        snapshot = a.snapshot();
      }
    }
    b.restore(snapshot);
    for (int i = split; i < entries.size(); i++) {
      byte[] r = b.apply(entries.get(i).index, entries.get(i).command);
      assertThat(r).as("result of entry %d", entries.get(i).index).isEqualTo(resultsA.get(i));
    }
    assertThat(b.hash()).isEqualTo(a.hash());
    assertThat(b.snapshot()).isEqualTo(a.snapshot());
    assertThat(b.appliedIndex()).isEqualTo(a.appliedIndex());
    checkInvariants(a);
    for (byte[] r : resultsA) {
      assertThat(Commands.decode(r)).isNotNull();
    }
  }

  /** Same entries on two fresh replicas: same results and hash after every entry. */
  @Test
  void sameEntriesSameHashAfterEveryEntry() {
    Random seeds = new Random(SEED + 1);
    for (int t = 0; t < 100; t++) {
      long seed = seeds.nextLong();
      List<Entry> entries = new History().build(steps(new Random(seed), 1, 60));
      KvStateMachine a = new KvStateMachine(LIMITS);
      KvStateMachine b = new KvStateMachine(LIMITS);
      for (Entry e : entries) {
        assertThat(b.apply(e.index, e.command)).as("case seed %d", seed)
            .isEqualTo(a.apply(e.index, e.command));
        assertThat(b.hash()).as("case seed %d", seed).isEqualTo(a.hash());
      }
    }
  }

  private static void checkInvariants(KvStateMachine sm) {
    RangeResult all = sm.range(KeyRange.all(), 0, false, false);
    assertThat(all.count()).isEqualTo(sm.keyCount());
    for (KvEntry e : all.kvs()) {
      assertThat(e.key()).isNotEmpty();
      assertThat(e.version()).isPositive();
      assertThat(e.createIndex()).isPositive().isLessThanOrEqualTo(e.modIndex());
      assertThat(e.modIndex()).isLessThanOrEqualTo(sm.appliedIndex());
    }
  }

  record Entry(long index, byte[] command) {}

  /**
   * Turns steps into entries, tracking each client's session and sequence numbers to make retries
   * real: a client registers a session before its first write (sometimes twice, as after a lost
   * answer), sometimes closes it or starts another, and sometimes writes with a session that is
   * gone or never was.
   */
  static final class History {
    private final long[] sessionId = new long[CLIENTS.length];
    private final long[] nextSeq = new long[CLIENTS.length];
    private final long[] acked = new long[CLIENTS.length];
    private final List<List<byte[]>> sent = new ArrayList<>();
    private final List<Long> retired = new ArrayList<>();
    private long index;
    private long at = 1_000_000;

    History() {
      for (int i = 0; i < CLIENTS.length; i++) {
        sent.add(new ArrayList<>());
      }
    }

    List<Entry> build(List<Step> steps) {
      List<Entry> out = new ArrayList<>();
      for (Step s : steps) {
        index += (s.flags() & 0x80) != 0 ? 2 : 1; // sometimes a NOOP/CONFIG gap
        at = Math.max(0, at + s.timeDelta());
        out.add(new Entry(index, command(s)));
      }
      return out;
    }

    private byte[] command(Step s) {
      if (s.kind() == 9) {
        byte[] ok = KvCommandCodec.encode(new KvCommand.Put(Session.NONE, at, b(KEYS[s.key()]),
            b("v"), false));
        return Arrays.copyOf(ok, s.extra() % ok.length); // malformed: truncated
      }
      int c = s.client();
      if (c == CLIENTS.length) {
        if (s.seqMode() == 5 && !retired.isEmpty()) { // a stale close, or one of no session
          long id = s.extra() % 4 == 0 ? s.extra() : retired.get(s.extra() % retired.size());
          return KvCommandCodec.encode(new KvCommand.CloseSession(at, id));
        }
        return KvCommandCodec.encode(body(s, Session.NONE));
      }
      if (sessionId[c] == 0 || (s.seqMode() == 6 && s.extra() % 3 == 0)
          || (s.seqMode() == 5 && s.extra() % 7 == 0)) { // (re)register: this entry's index
        if (sessionId[c] != 0) {
          retired.add(sessionId[c]);
        }
        sessionId[c] = index;
        nextSeq[c] = 1;
        acked[c] = 0;
        sent.get(c).clear();
        return KvCommandCodec.encode(new KvCommand.RegisterSession(at));
      }
      if (s.seqMode() == 4 && s.extra() % 5 == 0) { // done with it
        retired.add(sessionId[c]);
        byte[] close = KvCommandCodec.encode(new KvCommand.CloseSession(at, sessionId[c]));
        sessionId[c] = 0;
        return close;
      }
      List<byte[]> previous = sent.get(c);
      if (s.seqMode() < 3 && !previous.isEmpty()) { // retry an earlier write, verbatim
        return previous.get(s.extra() % previous.size());
      }
      if (s.seqMode() == 3 && !retired.isEmpty() && s.extra() % 2 == 0) { // a session long gone
        long id = retired.get(s.extra() % retired.size());
        return KvCommandCodec.encode(body(s, new Session(id, 1 + s.value(), 0)));
      }
      long seq = nextSeq[c]++;
      if (s.seqMode() == 9) {
        acked[c] = seq - 1; // the client acknowledges everything so far
      } else if (s.seqMode() == 8) {
        acked[c] = Math.max(0, seq - 1 - s.extra() % 3);
      }
      long ack = s.seqMode() == 7 ? 0 : acked[c];
      byte[] cmd = KvCommandCodec.encode(body(s, new Session(sessionId[c], seq, ack)));
      previous.add(cmd);
      return cmd;
    }

    private KvCommand body(Step s, Session session) {
      byte[] key = b(KEYS[s.key()]);
      byte[] value = b("v" + s.value());
      boolean prevKv = (s.flags() & 1) != 0;
      switch (s.kind()) {
        case 0:
        case 1:
        case 2:
          return new KvCommand.Put(session, at, key, value, prevKv);
        case 3:
          boolean prefix = (s.flags() & 2) != 0;
          return new KvCommand.Delete(session, at, prefix ? b(KEYS[s.key()].substring(0, 1)) : key,
              prefix, prevKv);
        case 4:
        case 5:
          KvCommand.Expect expect;
          switch (s.extra() % 3) {
            case 0:
              expect = KvCommand.Expect.value(b("v" + (s.extra() / 3) % 4));
              break;
            case 1:
              expect = KvCommand.Expect.version((s.extra() / 3) % 3);
              break;
            default:
              expect = KvCommand.Expect.absent();
          }
          return new KvCommand.CompareAndSwap(session, at, key, expect,
              (s.flags() & 4) != 0 ? null : value, prevKv);
        default:
          return txn(s, session);
      }
    }

    private KvCommand txn(Step s, Session session) {
      Iterator<Integer> digits = digits(s.extra() * 7919L + s.flags() * 31L + s.value());
      List<KvCommand.Compare> compares = new ArrayList<>();
      int n = digits.next() % 3;
      for (int i = 0; i < n; i++) {
        KvCommand.CompareTarget target = KvCommand.CompareTarget.values()[digits.next() % 5];
        KvCommand.CompareOp op = KvCommand.CompareOp.values()[digits.next() % 4];
        if (target == KvCommand.CompareTarget.EXISTS && digits.next() % 5 != 0) {
          op = KvCommand.CompareOp.values()[digits.next() % 2]; // mostly valid
        }
        compares.add(new KvCommand.Compare(b(KEYS[digits.next() % KEYS.length]), op, target,
            b("v" + digits.next() % 4), digits.next() % 4));
      }
      return new KvCommand.Txn(session, at, compares, ops(digits), ops(digits));
    }

    private List<KvCommand.Op> ops(Iterator<Integer> digits) {
      List<KvCommand.Op> ops = new ArrayList<>();
      int n = digits.next() % 4;
      for (int i = 0; i < n; i++) {
        KvCommand.OpKind kind = KvCommand.OpKind.values()[digits.next() % 3];
        ops.add(new KvCommand.Op(kind, b(KEYS[digits.next() % KEYS.length]),
            kind == KvCommand.OpKind.PUT ? b("t" + digits.next() % 3) : null,
            digits.next() % 2 == 0));
      }
      return ops;
    }

    /** An endless deterministic digit stream derived from {@code seed}. */
    private static Iterator<Integer> digits(long seed) {
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public Integer next() {
          return rnd.nextInt(1000);
        }
      };
    }

    private static byte[] b(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
  }
}
