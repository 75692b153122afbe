package io.lattice.kv;

import io.lattice.errors.Reason;
import java.util.List;
import java.util.Objects;

/**
 * The result of applying one command, handed back to the client that proposed it. {@link
 * KvStateMachine#apply} returns it encoded by {@link KvResultCodec}; the API layer decodes it and
 * builds the gRPC response (for a duplicate of a session's write, the bytes are those of the first
 * execution, so its {@link #index()} is the index where the write took effect, not the duplicate's).
 *
 * <p>Every variant carries {@link #index()}: the log index of the entry that produced the result.
 * Nullable {@link KvEntry} fields are null when the key did not exist or the client did not ask for
 * it.
 */
public sealed interface KvResult permits KvResult.Put, KvResult.Delete, KvResult.CompareAndSwap,
    KvResult.Txn, KvResult.SessionOpened, KvResult.SessionClosed, KvResult.Error {

  /** Log index of the entry that produced this result. */
  long index();

  /**
   * A put. {@code index} is the key's new mod index ({@code PutResponse.mod_index}).
   *
   * @param version the key's version after the put
   * @param prevKv the key-value before the put; only if asked for and the key existed
   */
  record Put(long index, long version, KvEntry prevKv) implements KvResult {}

  /**
   * A delete of one key or of a prefix.
   *
   * @param deletedCount how many keys were deleted (0 or 1 for a single key)
   * @param prevKvs the deleted key-values in key order if asked for, else empty
   */
  record Delete(long index, long deletedCount, List<KvEntry> prevKvs) implements KvResult {
    public Delete {
      prevKvs = List.copyOf(prevKvs);
    }

    /** Whether anything was deleted ({@code DeleteResponse.deleted}). */
    public boolean deleted() {
      return deletedCount > 0;
    }

    /** The first deleted key-value ({@code DeleteResponse.prev_kv}), or null. */
    public KvEntry prevKv() {
      return prevKvs.isEmpty() ? null : prevKvs.get(0);
    }
  }

  /**
   * A compare-and-swap.
   *
   * @param succeeded whether the expectation held and the put or delete was performed
   * @param prevKv the key-value as compared, if the key existed and either the expectation failed or
   *     the client asked for it
   */
  record CompareAndSwap(long index, boolean succeeded, KvEntry prevKv) implements KvResult {}

  /**
   * A transaction.
   *
   * @param succeeded whether every compare held (the success branch ran) or not (the failure branch)
   * @param results one result per operation of the branch that ran, in order
   */
  record Txn(long index, boolean succeeded, List<OpResult> results) implements KvResult {
    public Txn {
      results = List.copyOf(results);
    }
  }

  /**
   * A client session was registered.
   *
   * @param sessionId its id: the index of the registering entry, so always equal to {@code index}
   */
  record SessionOpened(long index, long sessionId) implements KvResult {}

  /**
   * A session was closed.
   *
   * @param closed whether it existed (false: it was unknown, nothing changed)
   */
  record SessionClosed(long index, boolean closed) implements KvResult {}

  /**
   * The command was not applied (nothing changed).
   *
   * @param kind what went wrong; maps to a gRPC status in the API layer
   * @param message a human-readable explanation (deterministic: identical on every replica)
   */
  record Error(long index, ErrorKind kind, String message) implements KvResult {
    public Error {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Why a command was not applied, as stored in session results and snapshots (by ordinal: never
   * reorder, only append). Each kind stands for one {@link Reason}, which is what the client gets.
   */
  enum ErrorKind {
    /**
     * The entry's bytes are not a valid command (a bug or version skew in the proposer). Maps to
     * INTERNAL: the API layer validates requests before proposing.
     */
    MALFORMED_COMMAND(Reason.INTERNAL),
    /**
     * The command is well-formed but not acceptable (empty key, a value compare without a value, an
     * existence compare with LESS/GREATER, a non-positive sequence number). Maps to
     * INVALID_ARGUMENT; the API layer normally rejects these before proposing.
     */
    INVALID_ARGUMENT(Reason.INVALID_ARGUMENT),
    /**
     * The command's client session is unknown (never registered, closed, dropped after its idle
     * TTL, or evicted from the bounded table), or its sequence number is at or below what the
     * session has already discarded (acknowledged, or dropped from the bounded window). The command
     * was NOT applied now; whether an earlier attempt was applied cannot be told. The client must
     * register a new session. Maps to FAILED_PRECONDITION with a SESSION_EXPIRED reason.
     */
    SESSION_EXPIRED(Reason.SESSION_EXPIRED),
    /**
     * A transaction has more compares, or more operations in a branch, than {@link
     * KvLimits#HARD_MAX_TXN_OPS} (the API layer refuses more than its configured maximum before
     * proposing). Nothing changed.
     */
    TOO_MANY_OPS(Reason.TOO_MANY_TXN_OPS),
    /**
     * The result would have been larger than {@link KvLimits#MAX_RESULT_BYTES}: the command was
     * undone (nothing changed) and the oversized result never built.
     */
    RESULT_TOO_LARGE(Reason.RESULT_TOO_LARGE),
    /**
     * Kept in a session instead of a result too large to keep: the write WAS applied at the
     * index of this error, a retry only gets this answer (see {@link ClientSessions}).
     */
    RESULT_NOT_RETAINED(Reason.RESULT_NOT_RETAINED),
    /**
     * Applying the command failed inside the state machine (a bug: an exception where none was
     * expected). The command was undone, so nothing changed, and every replica answers alike; the
     * node keeps serving. Maps to INTERNAL.
     */
    APPLY_FAILED(Reason.INTERNAL);

    private final Reason reason;

    ErrorKind(Reason reason) {
      this.reason = reason;
    }

    /** The reason the client receives for this kind. */
    public Reason reason() {
      return reason;
    }
  }

  /** The result of one operation of a transaction, of the same kind as the operation. */
  sealed interface OpResult permits PutOp, DeleteOp, GetOp {}

  /**
   * @param version the key's version after the put
   * @param prevKv the key-value before the put; only if asked for and the key existed
   */
  record PutOp(long version, KvEntry prevKv) implements OpResult {}

  /**
   * @param deleted whether the key existed and was deleted
   * @param prevKv the deleted key-value; only if asked for and the key existed
   */
  record DeleteOp(boolean deleted, KvEntry prevKv) implements OpResult {}

  /** @param kv the key-value (seeing earlier operations of the transaction), or null if missing */
  record GetOp(KvEntry kv) implements OpResult {}
}
