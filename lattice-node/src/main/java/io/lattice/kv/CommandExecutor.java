package io.lattice.kv;

import io.lattice.format.KvCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * Executes validated commands against a {@link KvStore} at a log index and describes what happened
 * as a {@link KvResult}. Knows nothing of sessions or encodings.
 *
 * <p>Every key-value a result carries is counted against a {@link ResultBudget} before it is added,
 * so a result larger than {@link KvLimits#MAX_RESULT_BYTES} is never built: {@link
 * ResultBudget.Exceeded} stops execution half-way, and the caller undoes the command with {@link
 * KvStore#reset} (the store's versions make that O(1)).
 */
class CommandExecutor {
  final KvStore store;

  CommandExecutor(KvStore store) {
    this.store = store;
  }

  /**
   * Validates and executes {@code c} at {@code index}; an invalid command changes nothing.
   *
   * @throws ResultBudget.Exceeded if the result would pass {@code budget}; the store is then
   *     half-changed and must be reset by the caller
   */
  KvResult execute(long index, KvCommand c, ResultBudget budget) { // not final: tests inject faults
    String tooMany = CommandValidator.tooManyOps(c);
    if (tooMany != null) {
      return new KvResult.Error(index, KvResult.ErrorKind.TOO_MANY_OPS, tooMany);
    }
    String problem = CommandValidator.problem(c);
    if (problem != null) {
      return new KvResult.Error(index, KvResult.ErrorKind.INVALID_ARGUMENT, problem);
    }
    if (c instanceof KvCommand.Put put) {
      return put(index, put, budget);
    } else if (c instanceof KvCommand.Delete del) {
      return delete(index, del, budget);
    } else if (c instanceof KvCommand.CompareAndSwap cas) {
      return compareAndSwap(index, cas, budget);
    } else {
      return txn(index, (KvCommand.Txn) c, budget);
    }
  }

  private KvResult put(long index, KvCommand.Put put, ResultBudget budget) {
    KvEntry prev = store.get(put.key());
    if (put.prevKv()) {
      budget.entry(prev, "the previous value");
    }
    KvEntry next = store.put(put.key(), put.value(), index);
    return new KvResult.Put(index, next.version(), put.prevKv() ? prev : null);
  }

  private KvResult delete(long index, KvCommand.Delete del, ResultBudget budget) {
    if (del.prefix()) {
      long[] count = new long[1];
      List<KvEntry> removed =
          store.removeRange(KeyRange.prefix(del.key()), del.prevKv(), budget, count);
      return new KvResult.Delete(index, count[0], removed);
    }
    KvEntry removed = store.remove(del.key());
    if (del.prevKv()) {
      budget.entry(removed, "the previous value");
    }
    return new KvResult.Delete(index, removed == null ? 0 : 1,
        del.prevKv() && removed != null ? List.of(removed) : List.of());
  }

  private KvResult compareAndSwap(long index, KvCommand.CompareAndSwap cas, ResultBudget budget) {
    KvEntry current = store.get(cas.key());
    boolean holds;
    switch (cas.expect().kind()) {
      case VALUE:
        holds = current != null && Bytes.compare(current.value(), cas.expect().value()) == 0;
        break;
      case VERSION:
        holds = (current == null ? 0 : current.version()) == cas.expect().version();
        break;
      case ABSENT:
        holds = current == null;
        break;
      default:
        throw new IllegalArgumentException("unknown expectation " + cas.expect().kind());
    }
    if (!holds || cas.prevKv()) {
      budget.entry(current, "the previous value");
    }
    if (holds) {
      if (cas.newValue() != null) {
        store.put(cas.key(), cas.newValue(), index);
      } else {
        store.remove(cas.key());
      }
    }
    return new KvResult.CompareAndSwap(index, holds, !holds || cas.prevKv() ? current : null);
  }

  private KvResult txn(long index, KvCommand.Txn txn, ResultBudget budget) {
    boolean succeeded = true;
    for (KvCommand.Compare c : txn.compares()) {
      if (!Compares.holds(c, store.get(c.key()))) {
        succeeded = false;
        break;
      }
    }
    String branch = succeeded ? "success" : "failure";
    List<KvCommand.Op> ops = succeeded ? txn.success() : txn.failure();
    List<KvResult.OpResult> results = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      budget.charge(KvLimits.OP_OVERHEAD_BYTES, branch + " operation " + i);
      results.add(op(index, ops.get(i), budget, branch + " operation " + i));
    }
    return new KvResult.Txn(index, succeeded, results);
  }

  private KvResult.OpResult op(long index, KvCommand.Op op, ResultBudget budget, String where) {
    switch (op.kind()) {
      case PUT: {
        KvEntry prev = store.get(op.key());
        if (op.prevKv()) {
          budget.entry(prev, where);
        }
        KvEntry next = store.put(op.key(), op.value(), index);
        return new KvResult.PutOp(next.version(), op.prevKv() ? prev : null);
      }
      case DELETE: {
        KvEntry removed = store.remove(op.key());
        if (op.prevKv()) {
          budget.entry(removed, where);
        }
        return new KvResult.DeleteOp(removed != null, op.prevKv() ? removed : null);
      }
      case GET: {
        KvEntry e = store.get(op.key());
        budget.entry(e, where);
        return new KvResult.GetOp(e);
      }
      default:
        throw new IllegalArgumentException("unknown op " + op.kind());
    }
  }
}
