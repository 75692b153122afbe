package io.lattice.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Records a history as clients run it; safe to use from many threads. A client calls {@link
 * #invoke} just before it sends a request and then exactly one of {@link Pending#ok}, {@link
 * Pending#unknown} or {@link Pending#failed} on the returned handle:
 *
 * <pre>{@code
 * History.Pending p = history.invoke(client, Call.put("k", "v1"), clock.now());
 * try {
 *   PutResponse r = stub.put(...);
 *   p.ok(Result.written(r.getVersion()), clock.now());
 * } catch (NotLeader e) {          // certainly not applied
 *   p.failed();
 * } catch (Timeout e) {            // may or may not have been applied
 *   p.unknown();
 * }
 * }</pre>
 *
 * An operation left pending when {@link #ops()} is called counts as unknown (it never completed).
 */
public final class History {
  private final List<Entry> entries = new ArrayList<>();

  /** A started operation whose outcome is still to be recorded. */
  public final class Pending {
    private final Entry e;

    private Pending(Entry e) {
      this.e = e;
    }

    /** It completed at {@code time} and returned {@code result}. */
    public void ok(Result result, long time) {
      Objects.requireNonNull(result, "result");
      if (!Result.fits(e.call, result)) {
        throw new IllegalArgumentException(e.call + " cannot return " + result);
      }
      finish(State.OK, result, time);
    }

    /** Its outcome is unknown: it may have taken effect (at any time after invocation) or not. */
    public void unknown() {
      finish(State.UNKNOWN, null, Op.NEVER);
    }

    /** It certainly did not take effect (e.g. rejected before it reached the log): not checked. */
    public void failed() {
      finish(State.FAILED, null, Op.NEVER);
    }

    private void finish(State s, Result r, long time) {
      synchronized (History.this) {
        if (e.state != State.PENDING) {
          throw new IllegalStateException("op " + e.id + " already finished as " + e.state);
        }
        e.state = s;
        e.result = r;
        e.complete = time;
      }
    }
  }

  private enum State { PENDING, OK, UNKNOWN, FAILED }

  private static final class Entry {
    final int id;
    final int client;
    final Call call;
    final long invoke;
    State state = State.PENDING;
    Result result;
    long complete;

    Entry(int id, int client, Call call, long invoke) {
      this.id = id;
      this.client = client;
      this.call = call;
      this.invoke = invoke;
    }
  }

  /** Records that {@code client} invokes {@code call} at {@code time}. */
  public synchronized Pending invoke(int client, Call call, long time) {
    Entry e = new Entry(entries.size(), client, Objects.requireNonNull(call, "call"), time);
    entries.add(e);
    return new Pending(e);
  }

  /** Adds an operation recorded elsewhere (its id is replaced by the next free one). */
  public synchronized void add(Op op) {
    Entry e = new Entry(entries.size(), op.client(), op.call(), op.invoke());
    e.state = op.isIndeterminate() ? State.UNKNOWN : State.OK;
    e.result = op.result();
    e.complete = op.complete();
    entries.add(e);
  }

  /** The operations to check: failed ones left out, pending ones as unknown. */
  public synchronized List<Op> ops() {
    List<Op> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      switch (e.state) {
        case OK -> out.add(Op.completed(e.id, e.client, e.call, e.invoke, e.complete, e.result));
        case UNKNOWN, PENDING -> out.add(Op.indeterminate(e.id, e.client, e.call, e.invoke));
        case FAILED -> { }
      }
    }
    return out;
  }

  /** Counts of operations by outcome, e.g. "120 ok, 7 unknown, 3 failed, 0 pending". */
  public synchronized String summary() {
    int[] n = new int[State.values().length];
    for (Entry e : entries) {
      n[e.state.ordinal()]++;
    }
    return n[State.OK.ordinal()] + " ok, " + n[State.UNKNOWN.ordinal()] + " unknown, "
        + n[State.FAILED.ordinal()] + " failed, " + n[State.PENDING.ordinal()] + " pending";
  }

  public synchronized int size() {
    return entries.size();
  }

  /** Checks the history (see {@link Linearizability#check(java.util.Collection)}). */
  public Linearizability.Report check() {
    return Linearizability.check(ops());
  }
}
