package io.lattice.check;

import java.util.Objects;

/**
 * One client operation of a history: who ({@code client}), what ({@code call}), when it was
 * invoked and when it completed, and what it returned. Times are plain longs in any unit (ticks,
 * nanoseconds, ...), as long as all operations of one history use the same clock; only their order
 * matters. An operation whose outcome is unknown (it timed out, the connection broke, the server
 * said "indeterminate", or it never completed) has a null {@code result} and completes at {@link
 * #NEVER}: it may have taken effect at any moment after its invocation, or not at all.
 *
 * @param id unique within the history (assigned by {@link History}, or chosen by the caller)
 */
public record Op(int id, int client, Call call, long invoke, Result result, long complete) {
  /** The completion time of an operation whose outcome is unknown. */
  public static final long NEVER = Long.MAX_VALUE;

  public Op {
    Objects.requireNonNull(call, "call");
    if (result == null) {
      complete = NEVER;
    } else {
      if (!Result.fits(call, result)) {
        throw new IllegalArgumentException("op " + id + ": " + call + " cannot return " + result
            + " (" + result.getClass().getSimpleName() + ")");
      }
      if (complete == NEVER) {
        throw new IllegalArgumentException("op " + id + ": a completed op needs a completion time");
      }
      if (complete < invoke) {
        throw new IllegalArgumentException("op " + id + ": completes at " + complete
            + " before its invocation at " + invoke);
      }
    }
  }

  /** A completed operation. */
  public static Op completed(int id, int client, Call call, long invoke, long complete,
      Result result) {
    return new Op(id, client, call, invoke, Objects.requireNonNull(result, "result"), complete);
  }

  /** An operation whose outcome is unknown: it may take effect at any point after invoke, or never. */
  public static Op indeterminate(int id, int client, Call call, long invoke) {
    return new Op(id, client, call, invoke, null, NEVER);
  }

  public String key() {
    return call.key();
  }

  public boolean isIndeterminate() {
    return result == null;
  }

  /** The same operation with its outcome forgotten (it may have taken effect, or not). */
  Op relaxed() {
    return isIndeterminate() ? this : indeterminate(id, client, call, invoke);
  }

  @Override
  public String toString() {
    return "#" + id + " client " + client + " " + call + " [" + invoke + ", "
        + (isIndeterminate() ? "?" : String.valueOf(complete)) + "] -> "
        + (isIndeterminate() ? "unknown" : result.toString());
  }
}
