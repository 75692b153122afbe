package io.lattice.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.check.Call.Expect;
import io.lattice.check.Linearizability.KeyReport;
import io.lattice.check.Linearizability.Report;
import io.lattice.check.Linearizability.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class LinearizabilityTest {
  private final List<Op> h = new ArrayList<>();

  private Op add(int client, long invoke, long complete, Call call, Result result) {
    Op op = Op.completed(h.size(), client, call, invoke, complete, result);
    h.add(op);
    return op;
  }

  private Op put(int client, long invoke, long complete, String key, String value) {
    return add(client, invoke, complete, Call.put(key, value), Result.ok());
  }

  private Op get(int client, long invoke, long complete, String key, String valueOrNull) {
    return add(client, invoke, complete, Call.get(key), Result.read(valueOrNull));
  }

  private Op unknown(int client, long invoke, Call call) {
    Op op = Op.indeterminate(h.size(), client, call, invoke);
    h.add(op);
    return op;
  }

  private Report check() {
    return Linearizability.check(h);
  }

  private KeyReport violation(String key) {
    Report r = check();
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    KeyReport k = r.violations().stream().filter(v -> v.key().equals(key)).findFirst()
        .orElseThrow(() -> new AssertionError("no violation on " + key + ": " + r.describe()));
    assertThat(r.describe()).contains("key \"" + key + "\"");
    return k;
  }

  private static List<Integer> ids(KeyReport k) {
    return k.violation().stream().map(Op::id).collect(Collectors.toList());
  }

  private void assertLinearizable() {
    Report r = check();
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.LINEARIZABLE);
  }

  // ---------------------------------------------------------------- linearizable histories

  @Test
  void emptyAndSequentialHistoriesAreLinearizable() {
    assertLinearizable();
    get(1, 0, 1, "k", null);
    put(1, 2, 3, "k", "a");
    get(2, 4, 5, "k", "a");
    add(1, 6, 7, Call.delete("k"), Result.deleted(true));
    add(2, 8, 9, Call.delete("k"), Result.deleted(false));
    get(1, 10, 11, "k", null);
    assertLinearizable();
  }

  @Test
  void aReadConcurrentWithAWriteMaySeeEitherValue() {
    put(1, 0, 1, "k", "a");
    put(1, 10, 20, "k", "b");
    get(2, 11, 12, "k", "b"); // the write took effect before 12
    get(3, 13, 14, "k", "b");
    get(4, 12, 19, "k", "b");
    assertLinearizable();
    h.clear();
    put(1, 0, 1, "k", "a");
    put(1, 10, 20, "k", "b");
    get(2, 11, 12, "k", "a"); // or after
    get(3, 13, 19, "k", "b");
    assertLinearizable();
  }

  @Test
  void operationsThatTouchInTimeCountAsConcurrent() {
    put(1, 0, 5, "k", "a");
    get(2, 5, 6, "k", null); // invoked at the instant the put completed: may precede it
    assertLinearizable();
  }

  @Test
  void concurrentWritesMayTakeEffectInEitherOrder() {
    put(1, 0, 10, "k", "a");
    put(2, 1, 9, "k", "b");
    get(3, 11, 12, "k", "a");
    assertLinearizable();
  }

  @Test
  void compareAndSwapByValueVersionAndAbsence() {
    add(1, 0, 1, Call.cas("k", Expect.absent(), "a"), Result.swapped(true));
    add(1, 2, 3, Call.cas("k", Expect.value("a"), "b"), Result.swapped(true));
    add(2, 4, 5, Call.cas("k", Expect.value("a"), "c"), Result.swapped(false));
    add(2, 6, 7, Call.get("k"), Result.read("b", 2));
    add(1, 8, 9, Call.cas("k", Expect.version(2), "d"), Result.swapped(true));
    add(1, 10, 11, Call.cas("k", Expect.version(2), "e"), Result.swapped(false));
    add(2, 12, 13, Call.casDelete("k", Expect.value("d")), Result.swapped(true));
    add(1, 14, 15, Call.cas("k", Expect.version(0), "f"), Result.swapped(true));
    add(2, 16, 17, Call.put("k", "g"), Result.written(2));
    add(1, 18, 19, Call.get("k"), Result.read("g", 2));
    assertLinearizable();
  }

  @Test
  void keysAreIndependent() {
    put(1, 0, 10, "x", "1");
    put(2, 0, 10, "y", "2");
    get(3, 11, 12, "x", "1");
    get(3, 13, 14, "y", "2");
    Report r = check();
    assertThat(r.isLinearizable()).isTrue();
    assertThat(r.keys()).extracting(KeyReport::key).containsExactly("x", "y");
  }

  @Test
  void timestampsMayBeInAnyUnitAndRange() {
    put(1, Long.MIN_VALUE + 1, -5, "k", "a");
    get(2, -4, Long.MAX_VALUE - 1, "k", "a");
    assertLinearizable();
  }

  // ---------------------------------------------------------------- outcomes unknown

  @Test
  void aWriteOfUnknownOutcomeMayHaveTakenEffectOrNot() {
    put(1, 0, 1, "k", "a");
    unknown(2, 2, Call.put("k", "b"));
    get(3, 10, 11, "k", "a"); // not yet (or never)
    assertLinearizable();
    get(3, 12, 13, "k", "b"); // now it did, long after its invocation
    get(3, 14, 15, "k", "b");
    assertLinearizable();
  }

  @Test
  void aWriteOfUnknownOutcomeTakesEffectAtMostOnce() {
    put(1, 0, 1, "k", "a");
    unknown(2, 2, Call.put("k", "b"));
    get(3, 10, 11, "k", "b");
    put(1, 12, 13, "k", "c");
    get(3, 14, 15, "k", "b"); // b again, with no second write of b
    KeyReport k = violation("k");
    assertThat(k.explanation()).contains("put \"b\"").contains("unknown outcome");
  }

  @Test
  void aWriteOfUnknownOutcomeCannotTakeEffectBeforeItsInvocation() {
    get(1, 0, 1, "k", "b");
    unknown(2, 2, Call.put("k", "b"));
    KeyReport k = violation("k");
    assertThat(ids(k)).containsExactly(0);
  }

  @Test
  void aCompareAndSwapOfUnknownOutcomeSwapsOnlyIfItsExpectationHeld() {
    put(1, 0, 1, "k", "a");
    unknown(2, 2, Call.cas("k", Expect.value("zzz"), "b"));
    get(3, 10, 11, "k", "b");
    violation("k");
    h.clear();
    put(1, 0, 1, "k", "a");
    unknown(2, 2, Call.cas("k", Expect.value("a"), "b"));
    get(3, 10, 11, "k", "b");
    assertLinearizable();
  }

  @Test
  void aReadOfUnknownOutcomeConstrainsNothing() {
    put(1, 0, 1, "k", "a");
    unknown(2, 2, Call.get("k"));
    assertLinearizable();
    assertThat(check().keys().get(0).ops()).isEqualTo(1);
  }

  @Test
  void historyTreatsPendingAsUnknownAndLeavesFailedOut() {
    History hist = new History();
    hist.invoke(1, Call.put("k", "a"), 0).ok(Result.ok(), 1);
    hist.invoke(2, Call.put("k", "b"), 2).failed(); // e.g. NOT_LEADER: certainly not applied
    hist.invoke(3, Call.put("k", "c"), 3); // never completed
    hist.invoke(4, Call.put("k", "d"), 4).unknown();
    hist.invoke(1, Call.get("k"), 10).ok(Result.read("c"), 11);
    assertThat(hist.summary()).isEqualTo("2 ok, 1 unknown, 1 failed, 1 pending");
    assertThat(hist.check().isLinearizable()).isTrue();
    hist.invoke(1, Call.get("k"), 12).ok(Result.read("b"), 13); // b never happened
    Report r = hist.check();
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    History.Pending p = hist.invoke(1, Call.get("k"), 14);
    p.unknown();
    assertThatThrownBy(() -> p.ok(Result.read("b"), 15)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> hist.invoke(1, Call.get("k"), 16).ok(Result.swapped(true), 17))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- violations

  @Test
  void staleRead() {
    Op a = put(1, 0, 1, "k", "a");
    Op b = put(1, 2, 3, "k", "b");
    Op r = get(2, 4, 5, "k", "a");
    get(3, 6, 7, "k", "b");
    KeyReport k = violation("k");
    assertThat(ids(k)).containsExactly(a.id(), b.id(), r.id());
    assertThat(k.explanation()).contains("fits nowhere").contains("get -> \"a\"");
  }

  @Test
  void lostWrite() {
    get(3, 0, 1, "other", null);
    Op w = put(1, 0, 1, "k", "a");
    Op r = get(2, 5, 6, "k", null);
    KeyReport k = violation("k");
    assertThat(ids(k)).containsExactly(w.id(), r.id());
    assertThat(check().keys()).filteredOn(x -> x.key().equals("other"))
        .extracting(KeyReport::verdict).containsExactly(Verdict.LINEARIZABLE);
  }

  @Test
  void readOfAValueNeverWritten() {
    put(1, 0, 1, "k", "a");
    put(1, 2, 3, "k", "b");
    Op r = get(2, 4, 5, "k", "ghost");
    put(1, 6, 7, "k", "c");
    KeyReport k = violation("k");
    assertThat(ids(k)).containsExactly(r.id());
    assertThat(k.explanation()).contains("\"ghost\"");
  }

  @Test
  void oneWriteAppliedTwiceIsSeenAsTheValueComingBack() {
    Op x = put(1, 0, 1, "k", "x");
    Op r1 = get(2, 2, 3, "k", "x");
    Op y = put(1, 4, 5, "k", "y");
    Op r2 = get(2, 6, 7, "k", "y");
    Op r3 = get(2, 8, 9, "k", "x"); // x again: its entry applied a second time
    KeyReport k = violation("k");
    // the smallest witness is a stale read: x read after y was written (or read), and no write of
    // x since
    assertThat(ids(k)).hasSize(3).contains(x.id(), r3.id()).containsAnyOf(y.id(), r2.id());
    assertThat(r1.id()).isNotIn(ids(k));
  }

  @Test
  void twoCompareAndSwapsFromTheSameValueCannotBothSucceed() {
    put(1, 0, 1, "k", "a");
    add(2, 2, 10, Call.cas("k", Expect.value("a"), "b"), Result.swapped(true));
    add(3, 2, 10, Call.cas("k", Expect.value("a"), "c"), Result.swapped(true));
    KeyReport k = violation("k");
    // the put of "a" is not needed: even if it could have happened at any time, it happened once
    assertThat(ids(k)).containsExactly(1, 2);
    assertThat(k.explanation()).contains("#0 client 1 put \"a\"").contains("unknown outcome");
  }

  @Test
  void aFailedCompareAndSwapNeedsAReason() {
    put(1, 0, 1, "k", "a");
    add(2, 2, 3, Call.cas("k", Expect.value("a"), "b"), Result.swapped(false));
    violation("k");
  }

  @Test
  void compareAndSwapOnAStaleVersion() {
    add(1, 0, 1, Call.put("k", "a"), Result.written(1));
    add(2, 2, 3, Call.cas("k", Expect.version(1), "b"), Result.swapped(true));
    add(3, 4, 5, Call.cas("k", Expect.version(1), "c"), Result.swapped(true));
    violation("k");
  }

  @Test
  void reportedVersionsAreChecked() {
    put(1, 0, 1, "k", "a");
    put(1, 2, 3, "k", "b");
    add(2, 4, 5, Call.get("k"), Result.read("b", 1)); // b is the second version
    violation("k");
  }

  @Test
  void deleteOfAnAbsentKeyCannotReportDeleted() {
    add(1, 0, 1, Call.delete("k"), Result.deleted(true));
    violation("k");
  }

  @Test
  void aViolationLateInALongHistoryIsReportedWithItsFewOperations() {
    // a long, busy history of puts and gets of unique values, reads overlapping later writes,
    // then a stale read
    for (int i = 0; i < 300; i++) {
      long t = i * 10L;
      put(i % 3, t, t + 5, "k", "w" + i);
      get(3 + i % 3, t + 6, t + 25, "k", "w" + i);
    }
    long end = h.stream().mapToLong(Op::complete).max().orElse(0);
    Op a = put(9, end + 10, end + 11, "k", "late-a");
    Op b = put(9, end + 12, end + 13, "k", "late-b");
    Op r = get(8, end + 14, end + 15, "k", "late-a");
    KeyReport k = violation("k");
    assertThat(ids(k)).containsExactly(a.id(), b.id(), r.id());
    assertThat(k.explanation()).doesNotContain("maybe not the fewest");
  }

  // ---------------------------------------------------------------- bounded search

  @Test
  @Timeout(10)
  void aSearchOverTheStepLimitIsUnknownNotAHang() {
    // Many writes of unknown outcome, then a version no order reaches: proving that takes trying
    // every subset and order of them.
    for (int i = 0; i < 30; i++) {
      unknown(i, i, Call.cas("k", Expect.version(i % 3), "v" + i));
    }
    add(99, 100, 101, Call.get("k"), Result.read("v5", 1000));
    Report r = Linearizability.check(h, 10_000);
    assertThat(r.verdict()).as(r.describe()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.keys().get(0).steps()).isLessThanOrEqualTo(10_000);
    assertThat(r.describe()).contains("undecided");
  }

  @Test
  void invalidOperationsAreRejected() {
    assertThatThrownBy(() -> Op.completed(1, 1, Call.get("k"), 5, 4, Result.read(null)))
        .hasMessageContaining("before its invocation");
    assertThatThrownBy(() -> Op.completed(1, 1, Call.get("k"), 0, 1, Result.ok()))
        .hasMessageContaining("cannot return");
    put(1, 0, 1, "k", "a");
    h.add(Op.completed(0, 1, Call.get("k"), 2, 3, Result.read("a")));
    assertThatThrownBy(this::check).hasMessageContaining("two operations with id 0");
  }

  // ---------------------------------------------------------------- generated histories

  /**
   * A history that is linearizable by construction: {@code clients} clients each run operations
   * one after another; each takes effect at a random instant inside its interval, in the order of
   * those instants, on a register; some writes lose their outcome (they took effect or not).
   */
  static List<Op> linearizableHistory(SplittableRandom rnd, int n, int clients, String key) {
    long[] free = new long[clients];
    List<long[]> plan = new ArrayList<>(); // client, invoke, point, complete
    for (int i = 0; i < n; i++) {
      int c = rnd.nextInt(clients);
      long invoke = free[c] + rnd.nextInt(1, 20);
      long point = invoke + rnd.nextInt(0, 30);
      long complete = point + rnd.nextInt(0, 30);
      free[c] = complete;
      plan.add(new long[] {c, invoke, point, complete});
    }
    List<Integer> byPoint = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byPoint.add(i);
    }
    byPoint.sort((x, y) -> Long.compare(plan.get(x)[2], plan.get(y)[2]));
    Op[] out = new Op[n];
    String value = null;
    long version = 0;
    for (int i : byPoint) {
      long[] p = plan.get(i);
      int c = (int) p[0];
      int kind = rnd.nextInt(10);
      Call call;
      Result result;
      if (kind < 4) {
        String v = "v" + i;
        call = Call.put(key, v);
        value = v;
        version++;
        result = Result.written(version);
      } else if (kind < 7) {
        call = Call.get(key);
        result = Result.read(value, version);
      } else if (kind < 8) {
        call = Call.delete(key);
        result = Result.deleted(value != null);
        value = null;
        version = 0;
      } else {
        Expect e = rnd.nextBoolean() ? Expect.value(rnd.nextBoolean() || value == null
            ? "v" + rnd.nextInt(Math.max(1, i)) : value) : Expect.version(version);
        boolean holds = e instanceof Expect.Value v ? v.value().equals(value)
            : ((Expect.Version) e).version() == version;
        call = Call.cas(key, e, "c" + i);
        if (holds) {
          value = "c" + i;
          version++;
        }
        result = Result.swapped(holds);
      }
      boolean lost = call.mayWrite() && rnd.nextInt(20) == 0;
      out[i] = lost ? Op.indeterminate(i, c, call, p[1])
          : Op.completed(i, c, call, p[1], p[3], result);
    }
    // a write that never took effect at all, with its outcome unknown
    List<Op> ops = new ArrayList<>(List.of(out));
    ops.add(Op.indeterminate(n, 0, Call.put(key, "never"), 0));
    return ops;
  }

  @Test
  void generatedLinearizableHistoriesPassAndOneChangedReadIsCaught() {
    for (int seed = 1; seed <= 10; seed++) {
      SplittableRandom rnd = new SplittableRandom(seed);
      List<Op> ops = linearizableHistory(rnd, 200, 1 + seed % 6, "k");
      Report r = Linearizability.check(ops);
      assertThat(r.verdict()).as("seed %d: %s", seed, r.describe())
          .isEqualTo(Verdict.LINEARIZABLE);
      // a read of a value no write ever wrote is always a violation
      List<Op> bad = new ArrayList<>(ops);
      int i = bad.size() / 2;
      while (!(bad.get(i).call() instanceof Call.Get) || bad.get(i).isIndeterminate()) {
        i++;
      }
      Op g = bad.get(i);
      bad.set(i, Op.completed(g.id(), g.client(), g.call(), g.invoke(), g.complete(),
          Result.read("corrupt")));
      Report rb = Linearizability.check(bad);
      assertThat(rb.verdict()).as("seed %d: %s", seed, rb.describe())
          .isEqualTo(Verdict.NOT_LINEARIZABLE);
      assertThat(ids(rb.violations().get(0))).as(rb.describe()).containsExactly(g.id());
      // a stale read: after two writes one after the other, a read returns the first value
      Op w1 = null;
      Op w2 = null;
      Op late = null;
      for (Op o : ops) {
        if (o.isIndeterminate() || o.invoke() < ops.get(ops.size() / 3).invoke()) {
          continue;
        }
        if (w1 == null && o.call() instanceof Call.Put) {
          w1 = o;
        } else if (w1 != null && w2 == null && o.call() instanceof Call.Put
            && o.invoke() > w1.complete()) {
          w2 = o;
        } else if (w2 != null && o.call() instanceof Call.Get && o.invoke() > w2.complete()) {
          late = o;
          break;
        }
      }
      if (late != null) {
        List<Op> stale = new ArrayList<>(ops);
        stale.set(stale.indexOf(late), Op.completed(late.id(), late.client(), late.call(),
            late.invoke(), late.complete(), Result.read(((Call.Put) w1.call()).value())));
        Report rs = Linearizability.check(stale);
        assertThat(rs.verdict()).as("seed %d: %s", seed, rs.describe())
            .isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(ids(rs.violations().get(0))).as(rs.describe()).contains(late.id());
      }
    }
  }
}
