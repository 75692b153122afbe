package io.lattice.kv;

import static io.lattice.kv.Commands.T0;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.decode;
import static io.lattice.kv.Commands.delete;
import static io.lattice.kv.Commands.opGet;
import static io.lattice.kv.Commands.opPut;
import static io.lattice.kv.Commands.put;
import static io.lattice.kv.Commands.register;
import static io.lattice.kv.Commands.txn;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The limits the state machine applies to every command itself ({@link KvLimits}): the same on
 * every replica, undoing a command that passes them, and never stopping the state machine.
 */
class CommandLimitsTest {
  private static final byte[] MIB = new byte[1 << 20];

  private final KvStateMachine sm = new KvStateMachine();
  private long index;

  private byte[] apply(byte[] command) {
    return sm.apply(++index, command);
  }

  private static byte[] putBytes(String key, byte[] value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, T0, b(key), value, false));
  }

  private static KvResult.Error error(byte[] result) {
    return decode(result, KvResult.Error.class);
  }

  /** The poison pill: one Txn reading a 1 MiB value 50,000 times, committed. */
  @Test
  void aTxnOfFiftyThousandGetsOfAOneMebibyteValueIsRefusedAndTheStateMachineGoesOn() {
    apply(putBytes("big", MIB));
    byte[] pill = txn(List.of(), Collections.nCopies(50_000, opGet("big")), List.of());

    byte[] result = apply(pill);
    KvResult.Error e = error(result);
    assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.TOO_MANY_OPS);
    assertThat(e.message()).contains("50000 success", String.valueOf(KvLimits.HARD_MAX_TXN_OPS));
    assertThat(sm.get(b("big")).orElseThrow().value()).hasSize(MIB.length);

    // another replica (or this one replaying its log after a restart) answers and ends the same
    KvStateMachine replica = new KvStateMachine();
    replica.apply(1, putBytes("big", MIB));
    assertThat(replica.apply(2, pill)).isEqualTo(result);
    assertThat(replica.hash()).isEqualTo(sm.hash());

    assertThat(decode(apply(put("after", "1")))).isInstanceOf(KvResult.Put.class);
  }

  @Test
  void theHardOperationLimitCountsComparesAndEachBranch() {
    List<KvCommand.Op> most = Collections.nCopies(KvLimits.HARD_MAX_TXN_OPS, opGet("k"));
    List<KvCommand.Op> over = Collections.nCopies(KvLimits.HARD_MAX_TXN_OPS + 1, opGet("k"));
    assertThat(decode(apply(txn(List.of(), most, most)))).isInstanceOf(KvResult.Txn.class);
    assertThat(error(apply(txn(List.of(), List.of(), over))).kind())
        .isEqualTo(KvResult.ErrorKind.TOO_MANY_OPS);
    List<KvCommand.Compare> compares = Collections.nCopies(KvLimits.HARD_MAX_TXN_OPS + 1,
        Commands.cmp("k", KvCommand.CompareTarget.VERSION, KvCommand.CompareOp.EQUAL, null, 0));
    assertThat(error(apply(txn(compares, List.of(), List.of()))).kind())
        .isEqualTo(KvResult.ErrorKind.TOO_MANY_OPS);
  }

  @Test
  void aTxnWhoseResultWouldPassTheAnswerLimitIsUndoneAndRefused() {
    apply(putBytes("big", MIB));
    KvView before = sm.view();
    List<KvCommand.Op> ops = new ArrayList<>();
    ops.add(opPut("written-first", "1", false));
    ops.addAll(Collections.nCopies(1_000, opGet("big"))); // a 1 GiB result, if it were built
    KvResult.Error e = error(apply(txn(List.of(), ops, List.of())));

    assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.RESULT_TOO_LARGE);
    // it stopped at the first operation past 3 MiB, not after building anything more
    assertThat(e.message()).contains("success operation 3;", "nothing was changed");
    assertThat(sm.get(b("written-first"))).isEmpty();
    assertThat(sm.keyCount()).isEqualTo(before.keyCount());

    // two reads of the value fit in one answer
    KvResult.Txn ok = decode(apply(txn(List.of(), List.of(opGet("big"), opGet("big")), List.of())),
        KvResult.Txn.class);
    assertThat(ok.results()).hasSize(2);
  }

  @Test
  void aPrefixDeleteReturningTooMuchIsUndoneButWithoutPreviousValuesItDeletes() {
    for (int i = 0; i < 4; i++) {
      apply(putBytes("p/" + i, MIB));
    }
    assertThat(error(apply(delete("p/", true, true))).kind())
        .isEqualTo(KvResult.ErrorKind.RESULT_TOO_LARGE);
    assertThat(sm.keyCount()).isEqualTo(4);
    assertThat(decode(apply(delete("p/", true, false)), KvResult.Delete.class).deletedCount())
        .isEqualTo(4);
    assertThat(sm.keyCount()).isZero();
  }

  @Test
  void anExceptionWhileApplyingUndoesTheCommandAndTheStateMachineGoesOn() {
    KvStateMachine faulty = new KvStateMachine(SessionLimits.DEFAULT, store ->
        new CommandExecutor(store) {
          @Override
          KvResult execute(long index, KvCommand c, ResultBudget budget) {
            KvResult r = super.execute(index, c, budget);
            if (c instanceof KvCommand.Put p && Arrays.equals(p.key(), b("boom"))) {
              throw new IllegalStateException("injected after the put changed the store");
            }
            return r;
          }
        });
    faulty.apply(1, put("a", "1"));
    long hash = faulty.view().hash();
    KvResult.Error e = decode(faulty.apply(2, put("boom", "x")), KvResult.Error.class);
    assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.APPLY_FAILED);
    assertThat(e.kind().reason()).isEqualTo(io.lattice.errors.Reason.INTERNAL);
    assertThat(e.message()).contains("injected", "nothing was changed");
    assertThat(faulty.get(b("boom"))).isEmpty();
    assertThat(decode(faulty.apply(3, put("b", "2")))).isInstanceOf(KvResult.Put.class);
    assertThat(faulty.keyCount()).isEqualTo(2);
    assertThat(hash).isNotEqualTo(faulty.hash());
  }

  @Test
  void aSessionKeepsOnlySmallResultsForRetriesAndSaysALargeOneWasApplied() {
    apply(putBytes("big", new byte[KvLimits.MAX_RETAINED_RESULT_BYTES]));
    long id = decode(apply(register(T0)), KvResult.SessionOpened.class).sessionId();
    byte[] read = KvCommandCodec.encode(new KvCommand.Txn(new Session(id, 1, 0), T0, List.of(),
        List.of(opPut("w", "1", false), opGet("big")), List.of()));

    KvResult.Txn first = decode(apply(read), KvResult.Txn.class);
    assertThat(first.results()).hasSize(2);
    KvResult.Error retry = error(apply(read));
    assertThat(retry.kind()).isEqualTo(KvResult.ErrorKind.RESULT_NOT_RETAINED);
    assertThat(retry.message()).contains("WAS applied, at index " + first.index());
    assertThat(retry.index()).isEqualTo(first.index());
    assertThat(sm.get(b("w")).orElseThrow().version()).isEqualTo(1); // not applied twice
    assertThat(sm.sessionRetainedBytes()).isLessThan(1024);
  }

  @Test
  void allSessionsTogetherKeepABoundedAmountOfResults() {
    byte[] value = new byte[16_000];
    apply(putBytes("v", value));
    int sessions = (int) (KvLimits.MAX_RETAINED_BYTES / value.length) + 200;
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < sessions; i++) {
      ids.add(decode(apply(register(T0)), KvResult.SessionOpened.class).sessionId());
    }
    for (long id : ids) {
      // each keeps one result holding the previous 16,000-byte value
      apply(KvCommandCodec.encode(new KvCommand.Put(new Session(id, 1, 0), T0, b("v"), value,
          true)));
      assertThat(sm.sessionRetainedBytes()).isLessThanOrEqualTo(KvLimits.MAX_RETAINED_BYTES);
    }
    assertThat(sm.sessionCount()).isLessThan(sessions);
    // the first sessions were dropped to make room: a retry is refused, never applied again
    KvResult.Error e = error(apply(KvCommandCodec.encode(new KvCommand.Put(
        new Session(ids.get(0), 1, 0), T0, b("v"), value, true))));
    assertThat(e.kind()).isEqualTo(KvResult.ErrorKind.SESSION_EXPIRED);
    // the last one still answers its retry with the first result
    long last = ids.get(ids.size() - 1);
    assertThat(decode(apply(KvCommandCodec.encode(new KvCommand.Put(new Session(last, 1, 0), T0,
        b("v"), value, true))), KvResult.Put.class).prevKv().value()).hasSize(value.length);
  }

  @Test
  void aCommandNobodyWaitsForChangesTheStateAlikeButBuildsNoResult() {
    KvStateMachine follower = new KvStateMachine();
    byte[][] commands = {put("a", "1"), putBytes("big", MIB),
        txn(List.of(), List.of(opPut("b", "2", false), opGet("big")), List.of()),
        txn(List.of(), Collections.nCopies(5, opGet("big")), List.of()),
        delete("a", false, true)};
    for (byte[] c : commands) {
      byte[] answered = apply(c);
      assertThat(answered).isNotEmpty();
      assertThat(follower.apply(index, c, false)).isEmpty();
    }
    assertThat(follower.hash()).isEqualTo(sm.hash());
  }
}
