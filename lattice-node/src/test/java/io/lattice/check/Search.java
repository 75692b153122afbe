package io.lattice.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Wing & Gong search for a linearization of the operations on one key, with Lowe's
 * memoization (as in Knossos and Porcupine): the history is a doubly linked list of call and
 * return events in time order; an operation can be linearized next if its call comes before the
 * first return still in the list; linearizing it takes both its events out of the list, and
 * meeting a return (an operation that had to be linearized by then but was not) backtracks. A
 * configuration (set of linearized operations, register state) already explored is not explored
 * again.
 *
 * <p>An operation of unknown outcome has no return event: it can be linearized at any point after
 * its call, or never; the search succeeds once every completed operation is linearized.
 *
 * <p>Two reductions keep operations of unknown outcome from multiplying the configurations, both
 * exact (they change no verdict):
 *
 * <ul>
 *   <li>A value that no completed operation observes (no get returned it, no compare-and-swap
 *       expected it) is indistinguishable from any other such value: all of them are written as
 *       one placeholder.
 *   <li>Operations of unknown outcome that are then identical (same call) are interchangeable: of
 *       two, the one invoked first can take effect wherever the later one can. So they are used in
 *       invocation order, and only how many of them took effect is explored, not which ones.
 *   <li>A write of unknown outcome of such an unobserved value is left out altogether when no
 *       completed operation could depend on the key holding some unobserved value: no delete that
 *       found the key, no compare-and-swap that failed, no version checked. Whatever follows it in
 *       a linearization then overwrites it, fails to see it (and may as well not have happened), or
 *       would be impossible: taking it out changes no completed operation's result.
 * </ul>
 */
final class Search {
  enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN }

  /** What the search found. For NOT_LINEARIZABLE: how far it got and where it got stuck. */
  record Outcome(Verdict verdict, long steps, List<Op> longestOrder, Register stateThere,
      Op stuckAt) {}

  private static final class Event {
    final int index; // into ops
    final boolean call;
    final long time;
    Event match; // the return of a call; null for an op of unknown outcome
    Event prev;
    Event next;

    Event(int index, boolean call, long time) {
      this.index = index;
      this.call = call;
      this.time = time;
    }
  }

  private record Memo(BitSet linearized, Register state) {}

  private record Frame(Event call, Register before) {}

  /** Stands for every value that no completed operation observes. */
  static final String UNOBSERVED = "\u0000unobserved";

  private final List<Op> ops;
  private final boolean versions;
  /** The calls as stepped: values nobody observes replaced by {@link #UNOBSERVED}. */
  private final Call[] calls;
  /** For an op of unknown outcome: the previous identical one in invocation order, else -1. */
  private final int[] twinBefore;

  /**
   * @param ops the operations on one key; gets of unknown outcome must have been left out
   * @param versions whether to track versions (see {@link Register})
   */
  Search(List<Op> given, boolean versions) {
    this.ops = unobservedWritesDropped(given, versions);
    this.versions = versions;
    List<Op> ops = this.ops;
    int n = ops.size();
    Set<String> observed = observed(ops);
    calls = new Call[n];
    for (int i = 0; i < n; i++) {
      Call c = ops.get(i).call();
      if (c instanceof Call.Put p && !observed.contains(p.value())) {
        c = new Call.Put(p.key(), UNOBSERVED);
      } else if (c instanceof Call.Cas cas && cas.newValue() != null
          && !observed.contains(cas.newValue())) {
        c = new Call.Cas(cas.key(), cas.expect(), UNOBSERVED);
      }
      calls[i] = c;
    }
    twinBefore = new int[n];
    Integer[] byInvoke = new Integer[n];
    for (int i = 0; i < n; i++) {
      byInvoke[i] = i;
    }
    java.util.Arrays.sort(byInvoke, Comparator.<Integer>comparingLong(i -> ops.get(i).invoke())
        .thenComparingInt(i -> ops.get(i).id()));
    java.util.Map<Call, Integer> lastOfCall = new java.util.HashMap<>();
    for (int i : byInvoke) {
      twinBefore[i] = -1;
      if (ops.get(i).isIndeterminate()) {
        Integer prev = lastOfCall.put(calls[i], i);
        twinBefore[i] = prev == null ? -1 : prev;
      }
    }
  }

  Outcome run(long maxSteps) {
    Op unexplained = valueNeverWritten();
    if (unexplained != null) {
      return new Outcome(Verdict.NOT_LINEARIZABLE, 1, List.of(), Register.ABSENT, unexplained);
    }
    int n = ops.size();
    List<Event> events = new ArrayList<>(2 * n);
    int completed = 0;
    for (int i = 0; i < n; i++) {
      Op op = ops.get(i);
      Event call = new Event(i, true, op.invoke());
      events.add(call);
      if (!op.isIndeterminate()) {
        Event ret = new Event(i, false, op.complete());
        call.match = ret;
        events.add(ret);
        completed++;
      }
    }
    // Time order; at equal times calls first, so that operations that touch are concurrent (the
    // permissive reading: a clock's resolution must not make a correct history look wrong).
    events.sort(Comparator.<Event>comparingLong(e -> e.time).thenComparing(e -> !e.call)
        .thenComparingInt(e -> e.index));
    Event head = new Event(-1, false, Long.MIN_VALUE);
    Event last = head;
    for (Event e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }

    BitSet linearized = new BitSet(n);
    Set<Memo> cache = new HashSet<>();
    Deque<Frame> stack = new ArrayDeque<>();
    Register state = Register.ABSENT;
    int remaining = completed;
    long steps = 0;
    int best = -1;
    List<Op> bestOrder = List.of();
    Register bestState = state;
    Op bestStuck = null;
    Event e = head.next;
    while (remaining > 0) {
      if (++steps > maxSteps) {
        return new Outcome(Verdict.UNKNOWN, steps - 1, bestOrder, bestState, bestStuck);
      }
      if (e.call) {
        int tb = twinBefore[e.index];
        Register next = tb >= 0 && !linearized.get(tb) ? null // its twin goes first
            : state.step(calls[e.index], ops.get(e.index).result(), versions);
        if (next != null) {
          linearized.set(e.index);
          if (cache.add(new Memo((BitSet) linearized.clone(), next))) {
            stack.push(new Frame(e, state));
            state = next;
            if (e.match != null) {
              remaining--;
            }
            lift(e);
            e = head.next;
            continue;
          }
          linearized.clear(e.index);
        }
        e = e.next;
      } else {
        // An operation that had to be linearized by now was not: backtrack.
        int done = completed - remaining;
        if (done > best) {
          best = done;
          bestOrder = order(stack);
          bestState = state;
          bestStuck = ops.get(e.index);
        }
        if (stack.isEmpty()) {
          return new Outcome(Verdict.NOT_LINEARIZABLE, steps, bestOrder, bestState, bestStuck);
        }
        Frame f = stack.pop();
        state = f.before;
        linearized.clear(f.call.index);
        if (f.call.match != null) {
          remaining++;
        }
        unlift(f.call);
        e = f.call.next;
      }
    }
    return new Outcome(Verdict.LINEARIZABLE, steps, order(stack), state, null);
  }

  private static Set<String> observed(List<Op> ops) {
    Set<String> observed = new HashSet<>();
    for (Op op : ops) {
      if (op.result() instanceof Result.Read r && r.value() != null) {
        observed.add(r.value());
      }
      if (op.call() instanceof Call.Cas c && c.expect() instanceof Call.Expect.Value v) {
        observed.add(v.value());
      }
    }
    return observed;
  }

  /** {@code ops} without the writes of unknown outcome that cannot matter (see the class comment). */
  private static List<Op> unobservedWritesDropped(List<Op> ops, boolean versions) {
    if (versions) {
      return ops;
    }
    for (Op op : ops) {
      if ((op.result() instanceof Result.Deleted d && d.existed())
          || (op.result() instanceof Result.Swapped s && !s.succeeded())) {
        return ops;
      }
    }
    Set<String> observed = observed(ops);
    List<Op> out = new ArrayList<>(ops.size());
    for (Op op : ops) {
      String written = op.call() instanceof Call.Put p ? p.value()
          : op.call() instanceof Call.Cas c ? c.newValue() : null;
      if (!(op.isIndeterminate() && written != null && !observed.contains(written))) {
        out.add(op);
      }
    }
    return out.size() == ops.size() ? ops : out;
  }

  /**
   * A completed operation that observed a value (a get that returned it, a compare-and-swap that
   * found it) which no operation invoked before it completed could have written; else null. The
   * search would find the same, after trying every order.
   */
  private Op valueNeverWritten() {
    java.util.Map<String, Long> firstWrite = new java.util.HashMap<>();
    for (Op op : ops) {
      String v = op.call() instanceof Call.Put p ? p.value()
          : op.call() instanceof Call.Cas c ? c.newValue() : null;
      if (v != null) {
        firstWrite.merge(v, op.invoke(), Math::min);
      }
    }
    for (Op op : ops) {
      String seen = null;
      if (op.result() instanceof Result.Read r) {
        seen = r.value();
      } else if (op.result() instanceof Result.Swapped s && s.succeeded()
          && ((Call.Cas) op.call()).expect() instanceof Call.Expect.Value v) {
        seen = v.value();
      }
      if (seen != null) {
        Long w = firstWrite.get(seen);
        if (w == null || w > op.complete()) {
          return op;
        }
      }
    }
    return null;
  }

  private List<Op> order(Deque<Frame> stack) {
    List<Op> out = new ArrayList<>(stack.size());
    stack.descendingIterator().forEachRemaining(f -> out.add(ops.get(f.call.index)));
    return out;
  }

  private static void lift(Event call) {
    unlink(call);
    if (call.match != null) {
      unlink(call.match);
    }
  }

  private static void unlink(Event e) {
    e.prev.next = e.next;
    if (e.next != null) {
      e.next.prev = e.prev;
    }
  }

  /** Undoes {@link #lift}: the events' own links still say where they were. */
  private static void unlift(Event call) {
    if (call.match != null) {
      relink(call.match);
    }
    relink(call);
  }

  private static void relink(Event e) {
    e.prev.next = e;
    if (e.next != null) {
      e.next.prev = e;
    }
  }
}
