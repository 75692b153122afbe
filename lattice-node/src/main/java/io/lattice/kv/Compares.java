package io.lattice.kv;

import io.lattice.format.KvCommand;

/**
 * Evaluates transaction compares against a key's current entry (etcd semantics): a missing key
 * fails every value compare and has version, mod index and create index 0. Numbers compare as
 * unsigned 64-bit integers (they are {@code uint64} in the API) and values in unsigned
 * lexicographic byte order. An existence compare's operand is its {@code number}: nonzero means
 * "the key exists", 0 "the key does not exist".
 */
final class Compares {
  private Compares() {}

  /** Whether {@code c} holds for {@code current} (null when the key does not exist). */
  static boolean holds(KvCommand.Compare c, KvEntry current) {
    switch (c.target()) {
      case VALUE:
        return current != null && test(c.op(), Bytes.compare(current.value(), c.value()));
      case VERSION:
        return test(c.op(), Long.compareUnsigned(current == null ? 0 : current.version(), c.number()));
      case MOD_INDEX:
        return test(c.op(), Long.compareUnsigned(current == null ? 0 : current.modIndex(), c.number()));
      case CREATE_INDEX:
        return test(c.op(),
            Long.compareUnsigned(current == null ? 0 : current.createIndex(), c.number()));
      case EXISTS:
        boolean same = (current != null) == (c.number() != 0);
        return c.op() == KvCommand.CompareOp.EQUAL ? same : !same;
      default:
        throw new IllegalArgumentException("unknown compare target " + c.target());
    }
  }

  /** {@code cmp} is attribute compared to operand (negative, zero, positive). */
  private static boolean test(KvCommand.CompareOp op, int cmp) {
    switch (op) {
      case EQUAL:
        return cmp == 0;
      case NOT_EQUAL:
        return cmp != 0;
      case LESS:
        return cmp < 0;
      case GREATER:
        return cmp > 0;
      default:
        throw new IllegalArgumentException("unknown compare op " + op);
    }
  }
}
