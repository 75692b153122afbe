package io.lattice.kv;

import io.lattice.format.KvCommand;

/**
 * Checks that a decoded command is acceptable before anything of it is executed, so that a
 * transaction is rejected as a whole rather than half applied. The API layer checks the same rules
 * (and the size limits, which are its business only) before proposing; this is the state machine's
 * own line of defence, deterministic like everything it does.
 */
final class CommandValidator {
  private CommandValidator() {}

  /**
   * Returns why transaction {@code c} has too many operations for the state machine ({@link
   * KvLimits#HARD_MAX_TXN_OPS} compares, or operations in one branch), or null if it has not or is
   * not a transaction. Checked before anything else of the command is looked at.
   */
  static String tooManyOps(KvCommand c) {
    if (!(c instanceof KvCommand.Txn txn)) {
      return null;
    }
    int max = KvLimits.HARD_MAX_TXN_OPS;
    if (size(txn.compares()) > max || size(txn.success()) > max || size(txn.failure()) > max) {
      return "transaction with " + size(txn.compares()) + " compares, " + size(txn.success())
          + " success and " + size(txn.failure()) + " failure operations: at most " + max
          + " of each are applied";
    }
    return null;
  }

  private static int size(java.util.List<?> l) {
    return l == null ? 0 : l.size();
  }

  /** Returns why {@code c} is not acceptable, or null if it is. */
  static String problem(KvCommand c) {
    if (c instanceof KvCommand.Put put) {
      return put.value() == null ? "put without a value" : key(put.key(), "put");
    } else if (c instanceof KvCommand.Delete del) {
      if (del.key() == null) {
        return "delete without a key";
      }
      return del.prefix() ? null : key(del.key(), "delete");
    } else if (c instanceof KvCommand.CompareAndSwap cas) {
      if (cas.expect() == null || cas.expect().kind() == null) {
        return "compare-and-swap without an expectation";
      }
      if (cas.expect().kind() == KvCommand.ExpectKind.VALUE && cas.expect().value() == null) {
        return "compare-and-swap expecting a value carries none";
      }
      return key(cas.key(), "compare-and-swap");
    } else if (c instanceof KvCommand.Txn txn) {
      return txn(txn);
    }
    return "unknown command " + c.getClass().getSimpleName();
  }

  private static String txn(KvCommand.Txn txn) {
    if (txn.compares() == null || txn.success() == null || txn.failure() == null) {
      return "transaction with a missing list";
    }
    for (int i = 0; i < txn.compares().size(); i++) {
      KvCommand.Compare cmp = txn.compares().get(i);
      String where = "compare " + i;
      if (cmp == null || cmp.op() == null || cmp.target() == null) {
        return where + " is incomplete";
      }
      String p = key(cmp.key(), where);
      if (p != null) {
        return p;
      }
      if (cmp.target() == KvCommand.CompareTarget.VALUE && cmp.value() == null) {
        return where + " compares the value but carries none";
      }
      if (cmp.target() == KvCommand.CompareTarget.EXISTS
          && cmp.op() != KvCommand.CompareOp.EQUAL && cmp.op() != KvCommand.CompareOp.NOT_EQUAL) {
        return where + " compares existence with " + cmp.op() + " (only EQUAL and NOT_EQUAL)";
      }
    }
    String p = ops(txn.success(), "success");
    return p != null ? p : ops(txn.failure(), "failure");
  }

  private static String ops(java.util.List<KvCommand.Op> ops, String branch) {
    for (int i = 0; i < ops.size(); i++) {
      KvCommand.Op op = ops.get(i);
      String where = branch + " op " + i;
      if (op == null || op.kind() == null) {
        return where + " is incomplete";
      }
      String p = key(op.key(), where);
      if (p != null) {
        return p;
      }
      if (op.kind() == KvCommand.OpKind.PUT && op.value() == null) {
        return where + " puts without a value";
      }
    }
    return null;
  }

  private static String key(byte[] key, String what) {
    if (key == null) {
      return what + " without a key";
    }
    return key.length == 0 ? what + " with an empty key" : null;
  }
}
