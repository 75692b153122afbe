package io.lattice.kv;

/**
 * The limits the state machine itself enforces on every command it applies. They are constants of
 * this format, not configuration: a committed command must have the same outcome on every replica
 * and on every replay, whatever each member's configuration says, so no node-local setting may
 * decide whether a command succeeds. The API layer enforces its configurable limits before
 * proposing (for example {@code --max-txn-ops}); those may only be lower than these, so a command
 * accepted by any member's API layer is never refused here. Changing a constant here changes the
 * outcome of commands already in logs: it needs a new format version.
 *
 * <p>Sizes of results are counted with {@link #entryBytes}: the key and value bytes plus a fixed
 * {@link #ENTRY_OVERHEAD_BYTES}, an upper bound of what a key-value costs in an answer (protobuf
 * tags, lengths and three 64-bit integers), so that a result within {@link #MAX_RESULT_BYTES}
 * always fits in one gRPC message under the 4 MiB that clients accept by default.
 */
public final class KvLimits {
  /**
   * Most bytes of key-values in one answer: a Range answer stops there (and sets {@code more}); a
   * write or transaction whose result would pass it fails with RESULT_TOO_LARGE, changing nothing.
   * At least one key-value always fits (a key is at most 4 KiB and a value 1 MiB).
   */
  public static final long MAX_RESULT_BYTES = 3L << 20;
  /** The default of the most compares, and operations per branch, of a transaction (etcd's). */
  public static final int DEFAULT_MAX_TXN_OPS = 128;
  /**
   * The most compares, and operations per branch, of a transaction the state machine applies: the
   * highest value {@code --max-txn-ops} may take. A command over it fails with TOO_MANY_TXN_OPS.
   */
  public static final int HARD_MAX_TXN_OPS = 4096;
  /** What one key-value adds to a result beyond its key and value bytes (an upper bound). */
  public static final int ENTRY_OVERHEAD_BYTES = 48;
  /** What one transaction operation adds to a result besides the key-values it carries. */
  public static final int OP_OVERHEAD_BYTES = 16;
  /**
   * A session keeps, for retries, only results up to this size; a larger one is kept as a short
   * RESULT_NOT_RETAINED answer saying that the write was applied (see {@link ClientSessions}).
   */
  public static final int MAX_RETAINED_RESULT_BYTES = 16 << 10;
  /**
   * Most bytes of results all sessions together keep for retries; past it the least recently
   * active sessions are dropped (as when the table is full) until the total fits again.
   */
  public static final long MAX_RETAINED_BYTES = 64L << 20;

  private KvLimits() {}

  /** What {@code e} counts against {@link #MAX_RESULT_BYTES}. */
  public static long entryBytes(KvEntry e) {
    return (long) e.key().length + e.valueLength() + ENTRY_OVERHEAD_BYTES;
  }
}
