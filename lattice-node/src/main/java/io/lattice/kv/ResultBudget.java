package io.lattice.kv;

/**
 * Counts the size of a result while it is being built, so that a command whose result would pass
 * {@link KvLimits#MAX_RESULT_BYTES} stops before the oversized result exists. Deterministic: it
 * counts only lengths of keys and values ({@link KvLimits#entryBytes}).
 */
final class ResultBudget {
  /** Thrown when the budget is exceeded; the state machine undoes the command and answers it. */
  static final class Exceeded extends RuntimeException {
    Exceeded(String message) {
      super(message, null, false, false);
    }
  }

  private final long max;
  private long used;

  ResultBudget(long max) {
    this.max = max;
  }

  /** Counts {@code e} (null counts nothing); throws {@link Exceeded} past the budget. */
  void entry(KvEntry e, String where) {
    if (e != null) {
      charge(KvLimits.entryBytes(e), where);
    }
  }

  /** Counts {@code bytes}; throws {@link Exceeded} past the budget. */
  void charge(long bytes, String where) {
    used += bytes;
    if (used > max) {
      throw new Exceeded("the result would be larger than " + max + " bytes of key-values (the "
          + "answer limit), passed at " + where + "; nothing was changed");
    }
  }
}
