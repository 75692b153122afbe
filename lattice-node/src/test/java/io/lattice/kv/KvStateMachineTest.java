package io.lattice.kv;

import static io.lattice.format.KvCommand.CompareOp.EQUAL;
import static io.lattice.format.KvCommand.CompareOp.GREATER;
import static io.lattice.format.KvCommand.CompareOp.LESS;
import static io.lattice.format.KvCommand.CompareOp.NOT_EQUAL;
import static io.lattice.format.KvCommand.CompareTarget.CREATE_INDEX;
import static io.lattice.format.KvCommand.CompareTarget.EXISTS;
import static io.lattice.format.KvCommand.CompareTarget.MOD_INDEX;
import static io.lattice.format.KvCommand.CompareTarget.VALUE;
import static io.lattice.format.KvCommand.CompareTarget.VERSION;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.cas;
import static io.lattice.kv.Commands.cmp;
import static io.lattice.kv.Commands.decode;
import static io.lattice.kv.Commands.delete;
import static io.lattice.kv.Commands.kv;
import static io.lattice.kv.Commands.opDelete;
import static io.lattice.kv.Commands.opGet;
import static io.lattice.kv.Commands.opPut;
import static io.lattice.kv.Commands.put;
import static io.lattice.kv.Commands.txn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommand.CompareOp;
import io.lattice.format.KvCommand.CompareTarget;
import io.lattice.format.KvCommand.Expect;
import io.lattice.format.Session;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KvStateMachineTest {
  private final KvStateMachine sm = new KvStateMachine();
  private long index;

  /** Applies at the next index (leaving gaps is allowed: NOOP/CONFIG entries never arrive). */
  private byte[] apply(byte[] command) {
    index += 1;
    return sm.apply(index, command);
  }

  private KvEntry get(String key) {
    return sm.get(b(key)).orElse(null);
  }

  // ------------------------------------------------------------------------------- put / delete

  @Test
  void putCreatesThenBumpsVersionAndModIndex() {
    KvResult.Put first = decode(apply(put("k", "v1")), KvResult.Put.class);
    assertThat(first).isEqualTo(new KvResult.Put(1, 1, null));
    assertThat(get("k")).isEqualTo(kv("k", "v1", 1, 1, 1));

    index = 4; // entries 2..4 were NOOP/CONFIG
    KvResult.Put second = decode(apply(put(Session.NONE, Commands.T0, "k", "v2", true)),
        KvResult.Put.class);
    assertThat(second).isEqualTo(new KvResult.Put(5, 2, kv("k", "v1", 1, 1, 1)));
    assertThat(get("k")).isEqualTo(kv("k", "v2", 1, 5, 2));
    assertThat(sm.appliedIndex()).isEqualTo(5);
    assertThat(sm.keyCount()).isEqualTo(1);
  }

  @Test
  void putWithPrevKvOfAMissingKeyHasNone() {
    KvResult.Put r = decode(apply(put(Session.NONE, Commands.T0, "k", "v", true)),
        KvResult.Put.class);
    assertThat(r.prevKv()).isNull();
    assertThat(r.version()).isEqualTo(1);
  }

  @Test
  void putOfAnEmptyValueIsAllowed() {
    decode(apply(put("k", "")), KvResult.Put.class);
    assertThat(get("k")).isEqualTo(kv("k", "", 1, 1, 1));
  }

  @Test
  void deleteForgetsMetadataAndRecreateStartsOver() {
    apply(put("k", "v1"));
    apply(put("k", "v2"));
    KvResult.Delete d = decode(apply(delete("k", false, true)), KvResult.Delete.class);
    assertThat(d).isEqualTo(new KvResult.Delete(3, 1, List.of(kv("k", "v2", 1, 2, 2))));
    assertThat(d.deleted()).isTrue();
    assertThat(get("k")).isNull();
    apply(put("k", "v3"));
    assertThat(get("k")).isEqualTo(kv("k", "v3", 4, 4, 1));
  }

  @Test
  void deleteOfAMissingKeySucceedsWithNothingDeleted() {
    KvResult.Delete d = decode(apply(delete("nope", false, true)), KvResult.Delete.class);
    assertThat(d).isEqualTo(new KvResult.Delete(1, 0, List.of()));
    assertThat(d.deleted()).isFalse();
  }

  @Test
  void deleteWithoutPrevKvReturnsOnlyTheCount() {
    apply(put("k", "v"));
    assertThat(decode(apply(delete("k", false, false)))).isEqualTo(new KvResult.Delete(2, 1, List.of()));
  }

  @Test
  void prefixDeleteRemovesExactlyThePrefix() {
    for (String k : List.of("a", "a/1", "a/2", "a0", "b")) {
      apply(put(k, "v-" + k));
    }
    KvResult.Delete d = decode(apply(delete("a/", true, true)), KvResult.Delete.class);
    assertThat(d.deletedCount()).isEqualTo(2);
    assertThat(d.prevKvs()).containsExactly(kv("a/1", "v-a/1", 2, 2, 1), kv("a/2", "v-a/2", 3, 3, 1));
    assertThat(sm.range(KeyRange.all(), 0, true, false).kvs()).extracting(e -> Commands.s(e.key()))
        .containsExactly("a", "a0", "b");

    KvResult.Delete none = decode(apply(delete("zzz", true, false)), KvResult.Delete.class);
    assertThat(none.deletedCount()).isZero();

    KvResult.Delete all = decode(apply(delete("", true, false)), KvResult.Delete.class);
    assertThat(all.deletedCount()).isEqualTo(3);
    assertThat(all.prevKvs()).isEmpty();
    assertThat(sm.keyCount()).isZero();
  }

  // ------------------------------------------------------------------------- compare-and-swap

  static Stream<Arguments> casCases() {
    // existing key "k" = "v" at version 2 (created at 1, modified at 2); "m" missing
    return Stream.of(
        Arguments.of("k", Expect.value(b("v")), true),
        Arguments.of("k", Expect.value(b("x")), false),
        Arguments.of("k", Expect.value(b("")), false),
        Arguments.of("m", Expect.value(b("")), false),
        Arguments.of("k", Expect.version(2), true),
        Arguments.of("k", Expect.version(1), false),
        Arguments.of("k", Expect.version(0), false),
        Arguments.of("m", Expect.version(0), true),
        Arguments.of("m", Expect.version(1), false),
        Arguments.of("k", Expect.absent(), false),
        Arguments.of("m", Expect.absent(), true));
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("casCases")
  void compareAndSwapPuts(String key, Expect expect, boolean holds) {
    apply(put("k", "v0"));
    apply(put("k", "v"));
    KvEntry before = get(key);
    KvResult.CompareAndSwap r = decode(apply(cas(key, expect, "new", false)),
        KvResult.CompareAndSwap.class);
    assertThat(r.succeeded()).isEqualTo(holds);
    assertThat(r.index()).isEqualTo(3);
    // prev kv: always when the expectation failed (if the key existed), else only if asked
    assertThat(r.prevKv()).isEqualTo(holds ? null : before);
    if (holds) {
      KvEntry after = get(key);
      assertThat(Commands.s(after.value())).isEqualTo("new");
      assertThat(after.modIndex()).isEqualTo(3);
      assertThat(after.version()).isEqualTo(before == null ? 1 : before.version() + 1);
      assertThat(after.createIndex()).isEqualTo(before == null ? 3 : before.createIndex());
    } else {
      assertThat(get(key)).isEqualTo(before);
    }
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @MethodSource("casCases")
  void compareAndSwapDeletes(String key, Expect expect, boolean holds) {
    apply(put("k", "v0"));
    apply(put("k", "v"));
    KvEntry before = get(key);
    KvResult.CompareAndSwap r = decode(apply(cas(key, expect, null, true)),
        KvResult.CompareAndSwap.class);
    assertThat(r.succeeded()).isEqualTo(holds);
    assertThat(r.prevKv()).isEqualTo(before);
    assertThat(get(key)).isEqualTo(holds ? null : before);
  }

  // ------------------------------------------------------------------------------------ txn

  /** Setup: "k" = "m" created at 1, modified at 2, version 2. Operands picked around those. */
  static Stream<Arguments> compareMatrix() {
    Stream.Builder<Arguments> s = Stream.builder();
    // target, operand value, operand number, expected {EQUAL, NOT_EQUAL, LESS, GREATER} on "k"
    s.add(Arguments.of(VALUE, "m", 0L, new boolean[] {true, false, false, false}));
    s.add(Arguments.of(VALUE, "a", 0L, new boolean[] {false, true, false, true}));
    s.add(Arguments.of(VALUE, "z", 0L, new boolean[] {false, true, true, false}));
    s.add(Arguments.of(VALUE, "m\u0000", 0L, new boolean[] {false, true, true, false}));
    s.add(Arguments.of(VERSION, null, 2L, new boolean[] {true, false, false, false}));
    s.add(Arguments.of(VERSION, null, 1L, new boolean[] {false, true, false, true}));
    s.add(Arguments.of(VERSION, null, 3L, new boolean[] {false, true, true, false}));
    s.add(Arguments.of(VERSION, null, -1L, new boolean[] {false, true, true, false})); // 2^64-1
    s.add(Arguments.of(MOD_INDEX, null, 2L, new boolean[] {true, false, false, false}));
    s.add(Arguments.of(MOD_INDEX, null, 1L, new boolean[] {false, true, false, true}));
    s.add(Arguments.of(MOD_INDEX, null, 5L, new boolean[] {false, true, true, false}));
    s.add(Arguments.of(CREATE_INDEX, null, 1L, new boolean[] {true, false, false, false}));
    s.add(Arguments.of(CREATE_INDEX, null, 0L, new boolean[] {false, true, false, true}));
    s.add(Arguments.of(CREATE_INDEX, null, 2L, new boolean[] {false, true, true, false}));
    return s.build();
  }

  @ParameterizedTest(name = "{0} vs {1}/{2}")
  @MethodSource("compareMatrix")
  void txnCompareMatrixOnAnExistingKey(CompareTarget target, String value, long number,
      boolean[] expected) {
    apply(put("k", "a"));
    apply(put("k", "m"));
    CompareOp[] ops = CompareOp.values();
    for (int i = 0; i < ops.length; i++) {
      KvResult.Txn r = decode(apply(txn(List.of(cmp("k", target, ops[i], value, number)),
          List.of(), List.of())), KvResult.Txn.class);
      assertThat(r.succeeded()).as("%s %s", target, ops[i]).isEqualTo(expected[i]);
    }
  }

  static Stream<Arguments> missingKeyMatrix() {
    // a missing key: every value compare fails; numbers are 0
    return Stream.of(
        Arguments.of(VALUE, "", 0L, new boolean[] {false, false, false, false}),
        Arguments.of(VALUE, "x", 0L, new boolean[] {false, false, false, false}),
        Arguments.of(VERSION, null, 0L, new boolean[] {true, false, false, false}),
        Arguments.of(VERSION, null, 1L, new boolean[] {false, true, true, false}),
        Arguments.of(MOD_INDEX, null, 0L, new boolean[] {true, false, false, false}),
        Arguments.of(CREATE_INDEX, null, 3L, new boolean[] {false, true, true, false}));
  }

  @ParameterizedTest(name = "{0} vs {1}/{2}")
  @MethodSource("missingKeyMatrix")
  void txnCompareMatrixOnAMissingKey(CompareTarget target, String value, long number,
      boolean[] expected) {
    CompareOp[] ops = CompareOp.values();
    for (int i = 0; i < ops.length; i++) {
      KvResult.Txn r = decode(apply(txn(List.of(cmp("nope", target, ops[i], value, number)),
          List.of(), List.of())), KvResult.Txn.class);
      assertThat(r.succeeded()).as("%s %s", target, ops[i]).isEqualTo(expected[i]);
    }
  }

  @Test
  void txnExistsCompares() {
    apply(put("k", "v"));
    assertThat(txnHolds(cmp("k", EXISTS, EQUAL, null, 1))).isTrue();
    assertThat(txnHolds(cmp("k", EXISTS, EQUAL, null, 0))).isFalse();
    assertThat(txnHolds(cmp("k", EXISTS, NOT_EQUAL, null, 1))).isFalse();
    assertThat(txnHolds(cmp("k", EXISTS, NOT_EQUAL, null, 0))).isTrue();
    assertThat(txnHolds(cmp("m", EXISTS, EQUAL, null, 1))).isFalse();
    assertThat(txnHolds(cmp("m", EXISTS, EQUAL, null, 0))).isTrue();
    assertThat(txnHolds(cmp("m", EXISTS, NOT_EQUAL, null, 1))).isTrue();
    assertThat(txnHolds(cmp("m", EXISTS, NOT_EQUAL, null, 0))).isFalse();
  }

  private boolean txnHolds(KvCommand.Compare c) {
    return decode(apply(txn(List.of(c), List.of(), List.of())), KvResult.Txn.class).succeeded();
  }

  @Test
  void txnExistsWithLessOrGreaterIsInvalidAndChangesNothing() {
    for (CompareOp op : List.of(LESS, GREATER)) {
      long hash = sm.hash();
      KvResult.Error e = decode(apply(txn(List.of(cmp("k", EXISTS, op, null, 1)),
          List.of(opPut("k", "v", false)), List.of(opPut("k", "w", false)))), KvResult.Error.class);
      assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
      assertThat(e.index()).isEqualTo(index);
      assertThat(sm.keyCount()).isZero();
      assertThat(sm.appliedIndex()).isEqualTo(index);
      assertThat(sm.hash()).as("only the applied index moved").isNotEqualTo(hash);
    }
  }

  @Test
  void txnEmptyComparesTakeTheSuccessBranch() {
    KvResult.Txn r = decode(apply(txn(List.of(), List.of(opPut("a", "1", false)),
        List.of(opPut("b", "1", false)))), KvResult.Txn.class);
    assertThat(r.succeeded()).isTrue();
    assertThat(get("a")).isNotNull();
    assertThat(get("b")).isNull();
  }

  @Test
  void txnAllComparesMustHold() {
    apply(put("a", "1"));
    apply(put("b", "2"));
    List<KvCommand.Compare> both = List.of(cmp("a", VALUE, EQUAL, "1", 0),
        cmp("b", VALUE, EQUAL, "X", 0));
    KvResult.Txn r = decode(apply(txn(both, List.of(opPut("s", "1", false)),
        List.of(opPut("f", "1", false)))), KvResult.Txn.class);
    assertThat(r.succeeded()).isFalse();
    assertThat(get("s")).isNull();
    assertThat(get("f")).isNotNull();
  }

  @Test
  void txnSuccessBranchRunsOpsInOrderAtOneIndex() {
    apply(put("a", "old"));
    apply(put("gone", "x"));
    KvResult.Txn r = decode(apply(txn(List.of(cmp("a", VERSION, EQUAL, null, 1)),
        List.of(opPut("a", "new", true), opGet("a"), opDelete("gone", true), opDelete("never", true),
            opPut("a", "newer", false), opPut("c", "1", true), opGet("gone"), opGet("missing")),
        List.of())), KvResult.Txn.class);
    assertThat(r).isEqualTo(new KvResult.Txn(3, true, List.of(
        new KvResult.PutOp(2, kv("a", "old", 1, 1, 1)),
        new KvResult.GetOp(kv("a", "new", 1, 3, 2)),
        new KvResult.DeleteOp(true, kv("gone", "x", 2, 2, 1)),
        new KvResult.DeleteOp(false, null),
        new KvResult.PutOp(3, null),
        new KvResult.PutOp(1, null),
        new KvResult.GetOp(null),
        new KvResult.GetOp(null))));
    assertThat(get("a")).isEqualTo(kv("a", "newer", 1, 3, 3));
    assertThat(get("c")).isEqualTo(kv("c", "1", 3, 3, 1));
  }

  @Test
  void txnComparesSeeTheStateBeforeAnyOp() {
    // the compare is false before, and would be true after the (unrun) success op
    apply(put("a", "1"));
    KvResult.Txn r = decode(apply(txn(List.of(cmp("a", VALUE, EQUAL, "2", 0)),
        List.of(opPut("a", "2", false)), List.of(opGet("a"), opDelete("a", false)))),
        KvResult.Txn.class);
    assertThat(r.succeeded()).isFalse();
    assertThat(r.results()).containsExactly(new KvResult.GetOp(kv("a", "1", 1, 1, 1)),
        new KvResult.DeleteOp(true, null));
    assertThat(get("a")).isNull();
  }

  @Test
  void txnWithoutOpsOnlyEvaluates() {
    KvResult.Txn r = decode(apply(txn(List.of(cmp("a", EXISTS, EQUAL, null, 0)), List.of(),
        List.of())), KvResult.Txn.class);
    assertThat(r).isEqualTo(new KvResult.Txn(1, true, List.of()));
  }

  // ------------------------------------------------------------------- errors, never exceptions

  @Test
  void malformedCommandsAnswerAnErrorAndOnlyAdvanceTheIndex() {
    apply(put("k", "v"));
    long hash = sm.hash();
    byte[] good = put("x", "y");
    for (byte[] bad : List.of(new byte[0], new byte[] {(byte) 0xC1}, new byte[] {(byte) 0x91, 2},
        java.util.Arrays.copyOf(good, good.length - 1), java.util.Arrays.copyOf(good, good.length + 1))) {
      KvResult.Error e = decode(apply(bad), KvResult.Error.class);
      assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.MALFORMED_COMMAND);
      assertThat(e.index()).isEqualTo(index);
      assertThat(e.message()).isNotEmpty();
    }
    assertThat(decode(sm.apply(++index, null), KvResult.Error.class).kind())
        .isEqualTo(KvResult.ErrorKind.MALFORMED_COMMAND);
    assertThat(sm.keyCount()).isEqualTo(1);
    assertThat(sm.appliedIndex()).isEqualTo(index);
    assertThat(sm.logClockMillis()).isEqualTo(Commands.T0);
    assertThat(sm.hash()).isNotEqualTo(hash);
  }

  @Test
  void randomBytesNeverThrow() {
    java.util.Random rnd = new java.util.Random(7);
    byte[] good = txn(List.of(cmp("a", VALUE, EQUAL, "1", 0)), List.of(opPut("a", "b", true)),
        List.of(opDelete("a", true)));
    for (int i = 0; i < 2000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[rnd.nextInt(40)];
        rnd.nextBytes(bytes);
      } else {
        bytes = good.clone();
        bytes[rnd.nextInt(bytes.length)] = (byte) rnd.nextInt(256);
      }
      assertThat(decode(apply(bytes))).isNotNull();
    }
  }

  @Test
  void invalidCommandsAnswerInvalidArgument() {
    List<byte[]> invalid = List.of(
        put("", "v"),
        delete("", false, false),
        cas("", Expect.absent(), "v", false),
        txn(List.of(cmp("", VERSION, EQUAL, null, 0)), List.of(), List.of()),
        txn(List.of(cmp("k", VALUE, EQUAL, null, 0)), List.of(), List.of()),
        txn(List.of(), List.of(opPut("", "v", false)), List.of()),
        txn(List.of(), List.of(), List.of(opGet(""))),
        txn(List.of(), List.of(new KvCommand.Op(KvCommand.OpKind.PUT, b("k"), null, false)),
            List.of()));
    for (byte[] c : invalid) {
      KvResult.Error e = decode(apply(c), KvResult.Error.class);
      assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.INVALID_ARGUMENT);
    }
    assertThat(sm.keyCount()).isZero();
  }

  @Test
  void invalidLaterOpLeavesEarlierOpsUndone() {
    KvResult.Error e = decode(apply(txn(List.of(), List.of(opPut("a", "1", false),
        opDelete("", false)), List.of())), KvResult.Error.class);
    assertThat(e.message()).contains("success op 1");
    assertThat(get("a")).isNull();
  }

  @Test
  void applyingAtOrBelowTheAppliedIndexIsACallerBug() {
    sm.apply(5, put("a", "1"));
    assertThatThrownBy(() -> sm.apply(5, put("a", "2"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> sm.apply(4, put("a", "2"))).isInstanceOf(IllegalArgumentException.class);
    assertThat(get("a").version()).isEqualTo(1);
  }

  // --------------------------------------------------------------------------- reads and hash

  @Test
  void rangeThroughTheStateMachine() {
    for (String k : List.of("a", "b", "c")) {
      apply(put(k, k + k));
    }
    RangeResult r = sm.range(KeyRange.interval(b("b"), b("")), 1, false, false);
    assertThat(r.kvs()).containsExactly(kv("b", "bb", 2, 2, 1));
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(2);
    assertThat(sm.get(b("zz"))).isEmpty();
  }

  @Test
  void sameCommandsGiveTheSameHashAndDifferentStatesDifferentHashes() {
    KvStateMachine other = new KvStateMachine();
    List<byte[]> cmds = List.of(put("a", "1"), put("b", "2"), delete("a", false, false),
        txn(List.of(), List.of(opPut("c", "3", false)), List.of()));
    long i = 0;
    for (byte[] c : cmds) {
      i++;
      sm.apply(i, c);
      other.apply(i, c);
      assertThat(sm.hash()).isEqualTo(other.hash());
    }
    long same = sm.hash();
    assertThat(sm.hash()).as("hash is a pure read").isEqualTo(same);

    // same keys and values, different metadata
    KvStateMachine x = new KvStateMachine();
    x.apply(1, put("a", "1"));
    x.apply(2, put("a", "1"));
    KvStateMachine y = new KvStateMachine();
    y.apply(1, put("b", "0"));
    y.apply(2, put("a", "1"));
    assertThat(x.hash()).isNotEqualTo(y.hash());
    // a different value
    KvStateMachine z = new KvStateMachine();
    z.apply(1, put("a", "1"));
    z.apply(2, put("a", "2"));
    assertThat(x.hash()).isNotEqualTo(z.hash());
    // same keys and metadata, different session state
    KvStateMachine s1 = new KvStateMachine();
    s1.apply(1, Commands.register(Commands.T0));
    s1.apply(2, put(new Session(1, 1, 0), Commands.T0, "a", "1", false));
    KvStateMachine s2 = new KvStateMachine();
    s2.apply(1, Commands.register(Commands.T0));
    s2.apply(2, put(Session.NONE, Commands.T0, "a", "1", false));
    assertThat(s1.get(b("a"))).isEqualTo(s2.get(b("a")));
    assertThat(s1.hash()).isNotEqualTo(s2.hash());
    // same everything but log time
    KvStateMachine t1 = new KvStateMachine();
    t1.apply(1, put(Session.NONE, 1000, "a", "1", false));
    KvStateMachine t2 = new KvStateMachine();
    t2.apply(1, put(Session.NONE, 2000, "a", "1", false));
    assertThat(t1.hash()).isNotEqualTo(t2.hash());
    assertThat(new KvStateMachine().hash()).isEqualTo(new KvStateMachine().hash());
  }
}
