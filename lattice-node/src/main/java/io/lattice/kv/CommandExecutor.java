package io.lattice.kv;

import io.lattice.format.KvCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * Executes validated commands against a {@link KvStore} at a log index and describes what happened
 * as a {@link KvResult}. Knows nothing of sessions or encodings.
 */
final class CommandExecutor {
  private final KvStore store;

  CommandExecutor(KvStore store) {
    this.store = store;
  }

  /** Validates and executes {@code c} at {@code index}; an invalid command changes nothing. */
  KvResult execute(long index, KvCommand c) {
    String problem = CommandValidator.problem(c);
    if (problem != null) {
      return new KvResult.Error(index, KvResult.ErrorKind.INVALID_ARGUMENT, problem);
    }
    if (c instanceof KvCommand.Put put) {
      return put(index, put);
    } else if (c instanceof KvCommand.Delete del) {
      return delete(index, del);
    } else if (c instanceof KvCommand.CompareAndSwap cas) {
      return compareAndSwap(index, cas);
    } else {
      return txn(index, (KvCommand.Txn) c);
    }
  }

  private KvResult put(long index, KvCommand.Put put) {
    KvEntry prev = store.get(put.key());
    KvEntry next = store.put(put.key(), put.value(), index);
    return new KvResult.Put(index, next.version(), put.prevKv() ? prev : null);
  }

  private KvResult delete(long index, KvCommand.Delete del) {
    if (del.prefix()) {
      List<KvEntry> removed = store.removeRange(KeyRange.prefix(del.key()));
      return new KvResult.Delete(index, removed.size(), del.prevKv() ? removed : List.of());
    }
    KvEntry removed = store.remove(del.key());
    return new KvResult.Delete(index, removed == null ? 0 : 1,
        del.prevKv() && removed != null ? List.of(removed) : List.of());
  }

  private KvResult compareAndSwap(long index, KvCommand.CompareAndSwap cas) {
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
    if (holds) {
      if (cas.newValue() != null) {
        store.put(cas.key(), cas.newValue(), index);
      } else {
        store.remove(cas.key());
      }
    }
    return new KvResult.CompareAndSwap(index, holds, !holds || cas.prevKv() ? current : null);
  }

  private KvResult txn(long index, KvCommand.Txn txn) {
    boolean succeeded = true;
    for (KvCommand.Compare c : txn.compares()) {
      if (!Compares.holds(c, store.get(c.key()))) {
        succeeded = false;
        break;
      }
    }
    List<KvCommand.Op> ops = succeeded ? txn.success() : txn.failure();
    List<KvResult.OpResult> results = new ArrayList<>(ops.size());
    for (KvCommand.Op op : ops) {
      results.add(op(index, op));
    }
    return new KvResult.Txn(index, succeeded, results);
  }

  private KvResult.OpResult op(long index, KvCommand.Op op) {
    switch (op.kind()) {
      case PUT: {
        KvEntry prev = store.get(op.key());
        KvEntry next = store.put(op.key(), op.value(), index);
        return new KvResult.PutOp(next.version(), op.prevKv() ? prev : null);
      }
      case DELETE: {
        KvEntry removed = store.remove(op.key());
        return new KvResult.DeleteOp(removed != null, op.prevKv() ? removed : null);
      }
      case GET:
        return new KvResult.GetOp(store.get(op.key()));
      default:
        throw new IllegalArgumentException("unknown op " + op.kind());
    }
  }
}
