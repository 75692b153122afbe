package io.lattice.check;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks a history of operations on a key-value store for linearizability, key by key
 * (linearizability is compositional: a history is linearizable iff the sub-history of every key
 * is). Each key is a register with a version (see {@link Register}), every key starts absent, and
 * each sub-history is searched with the Wing-Gong-Lowe algorithm ({@link Search}).
 *
 * <p>The search is bounded: a key whose search takes more than {@code maxStepsPerKey} steps is
 * reported {@link Verdict#UNKNOWN}, never hung on. Operations of unknown outcome are what makes a
 * search expensive (each may or may not have happened, anywhere after its invocation).
 *
 * <p>For a key that is not linearizable the report names the operations needed to show its earliest
 * violation: the
 * history is cut at the earliest completion where it is already not linearizable, then every
 * operation that can be spared is relaxed (a get left out, a write's outcome forgotten) as long as
 * what remains is still not linearizable: a core grows around the operation the search could not
 * place, with every operation outside it relaxed, then shrinks to what it cannot do without.
 * Relaxing only ever allows more orders, so what remains is a genuine witness against the whole
 * history.
 */
public final class Linearizability {
  /** The default bound on search steps per key (and on the effort spent explaining a violation). */
  public static final long DEFAULT_MAX_STEPS = 2_000_000;

  public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN }

  /**
   * The verdict for one key.
   *
   * @param ops the key's operations that were checked (gets of unknown outcome are left out)
   * @param steps search steps spent deciding the verdict
   * @param violation for NOT_LINEARIZABLE: the operations needed to show it, in invocation order
   * @param explanation what went wrong, in a few lines (empty when linearizable)
   */
  public record KeyReport(String key, Verdict verdict, int ops, long steps, List<Op> violation,
      String explanation) {}

  /** The verdict for a whole history: not linearizable if any key is, else unknown if any is. */
  public record Report(Verdict verdict, List<KeyReport> keys) {
    public boolean isLinearizable() {
      return verdict == Verdict.LINEARIZABLE;
    }

    public List<KeyReport> violations() {
      return keys.stream().filter(k -> k.verdict() == Verdict.NOT_LINEARIZABLE)
          .collect(Collectors.toList());
    }

    /** One summary line, then the explanation of every key that is not linearizable or unknown. */
    public String describe() {
      long ops = keys.stream().mapToLong(KeyReport::ops).sum();
      long bad = keys.stream().filter(k -> k.verdict() == Verdict.NOT_LINEARIZABLE).count();
      long unknown = keys.stream().filter(k -> k.verdict() == Verdict.UNKNOWN).count();
      StringBuilder sb = new StringBuilder();
      sb.append(verdict).append(": ").append(ops).append(" operations on ").append(keys.size())
          .append(" keys");
      if (bad > 0) {
        sb.append(", ").append(bad).append(" not linearizable");
      }
      if (unknown > 0) {
        sb.append(", ").append(unknown).append(" undecided (step limit)");
      }
      for (KeyReport k : keys) {
        if (k.verdict() != Verdict.LINEARIZABLE) {
          sb.append('\n').append(k.explanation());
        }
      }
      return sb.toString();
    }
  }

  private Linearizability() {}

  public static Report check(Collection<Op> ops) {
    return check(ops, DEFAULT_MAX_STEPS);
  }

  /** Checks every key of {@code ops}; each key's search is bounded by {@code maxStepsPerKey}. */
  public static Report check(Collection<Op> ops, long maxStepsPerKey) {
    if (maxStepsPerKey < 1) {
      throw new IllegalArgumentException("maxStepsPerKey must be positive");
    }
    Set<Integer> ids = new HashSet<>();
    Map<String, List<Op>> byKey = new TreeMap<>();
    for (Op op : ops) {
      if (!ids.add(op.id())) {
        throw new IllegalArgumentException("two operations with id " + op.id());
      }
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    List<KeyReport> reports = new ArrayList<>();
    for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
      reports.add(checkKey(e.getKey(), e.getValue(), maxStepsPerKey));
    }
    Verdict v = Verdict.LINEARIZABLE;
    for (KeyReport r : reports) {
      if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
        v = Verdict.NOT_LINEARIZABLE;
        break;
      }
      if (r.verdict() == Verdict.UNKNOWN) {
        v = Verdict.UNKNOWN;
      }
    }
    return new Report(v, List.copyOf(reports));
  }

  /** Checks the operations of one key (all must be on {@code key}). */
  public static KeyReport checkKey(String key, List<Op> keyOps, long maxSteps) {
    List<Op> ops = new ArrayList<>();
    for (Op op : keyOps) {
      if (!op.key().equals(key)) {
        throw new IllegalArgumentException(op + " is not on key " + key);
      }
      if (!(op.isIndeterminate() && op.call() instanceof Call.Get)) {
        ops.add(op); // a get of unknown outcome says nothing
      }
    }
    ops.sort(Comparator.comparingLong(Op::invoke).thenComparingInt(Op::id));
    boolean versions = usesVersions(ops);
    Search.Outcome o = new Search(ops, versions).run(maxSteps);
    switch (o.verdict()) {
      case LINEARIZABLE:
        return new KeyReport(key, Verdict.LINEARIZABLE, ops.size(), o.steps(), List.of(), "");
      case UNKNOWN:
        return new KeyReport(key, Verdict.UNKNOWN, ops.size(), o.steps(), List.of(),
            "key " + Describe.value(key) + ": undecided after " + o.steps() + " steps ("
                + ops.size() + " operations, " + ops.stream().filter(Op::isIndeterminate).count()
                + " of unknown outcome); the search got as far as " + o.longestOrder().size()
                + " operations in order");
      default:
        break;
    }
    Witness w = new Minimizer(ops, maxSteps).run();
    return new KeyReport(key, Verdict.NOT_LINEARIZABLE, ops.size(), o.steps(), w.essential(),
        explain(key, ops.size(), w));
  }

  static boolean usesVersions(List<Op> ops) {
    for (Op op : ops) {
      if (op.result() instanceof Result.Written w && w.version() != Result.UNKNOWN_VERSION) {
        return true;
      }
      if (op.result() instanceof Result.Read r && r.version() != Result.UNKNOWN_VERSION) {
        return true;
      }
      if (op.call() instanceof Call.Cas c && c.expect() instanceof Call.Expect.Version) {
        return true;
      }
    }
    return false;
  }

  /**
   * A smallest found set of operations that is not linearizable on its own.
   *
   * @param essential the completed operations of the witness: relaxing any one makes it linearizable
   * @param sources writes of unknown outcome in the witness whose value an essential op observed
   * @param relaxedWrites writes in the witness kept only as "may or may not have happened"
   * @param outcome the search of the witness: how far it got, and where it got stuck
   */
  record Witness(List<Op> essential, List<Op> sources, int relaxedWrites, Search.Outcome outcome,
      boolean minimal) {}

  /** Finds the witness (see the class comment), within a bounded effort. */
  private static final class Minimizer {
    private final List<Op> ops;
    private final long stepsPerCheck;
    private long budget;
    private boolean exhausted;

    Minimizer(List<Op> ops, long maxSteps) {
      this.ops = ops;
      this.stepsPerCheck = Math.max(10_000, maxSteps / 20);
      this.budget = 2 * maxSteps;
    }

    /** The search of {@code candidate}, or null when the effort is spent. */
    private Search.Outcome search(List<Op> candidate) {
      if (budget <= 0) {
        exhausted = true;
        return null;
      }
      Search.Outcome o = new Search(candidate, usesVersions(candidate))
          .run(Math.min(stepsPerCheck, budget));
      budget -= o.steps();
      if (o.verdict() == Search.Verdict.UNKNOWN) {
        exhausted = true;
      }
      return o;
    }

    /** Whether {@code candidate} is certainly not linearizable (false when undecided). */
    private boolean violates(List<Op> candidate) {
      Search.Outcome o = search(candidate);
      return o != null && o.verdict() == Search.Verdict.NOT_LINEARIZABLE;
    }

    /**
     * Grows a core of operations around the one the search could not place, with every other
     * operation relaxed, until the core shows the violation; then drops from the core whatever it
     * can do without. Relaxed, most values go unobserved, which keeps each check cheap.
     */
    Witness run() {
      List<Op> prefix = shortestViolatingPrefix();
      if (usesVersions(prefix)) {
        List<Op> plain = prefix.stream().map(Minimizer::withoutVersions)
            .collect(Collectors.toList());
        if (violates(plain)) {
          prefix = plain; // the versions reported are not needed to show it
        }
      }
      Search.Outcome first = search(prefix);
      Set<Integer> core = new HashSet<>();
      boolean weak = false;
      if (first != null && first.stuckAt() != null) {
        Op stuck = first.stuckAt();
        core.add(stuck.id());
        // Candidates nearest the conflict first: the writes of the value the stuck op observed,
        // then the end of the longest order the search found, then the rest, newest first.
        String seen = observedValue(stuck);
        List<Op> others = new ArrayList<>();
        Set<Integer> listed = new HashSet<>(core);
        for (Op o : prefix) {
          if (!o.isIndeterminate() && seen != null && seen.equals(writtenValue(o))
              && listed.add(o.id())) {
            others.add(o);
          }
        }
        List<Op> longest = new ArrayList<>(first.longestOrder());
        java.util.Collections.reverse(longest);
        for (Op o : longest) {
          if (!o.isIndeterminate() && listed.add(o.id())) {
            others.add(o);
          }
        }
        prefix.stream().filter(o -> !o.isIndeterminate())
            .sorted(Comparator.comparingLong(Op::complete).thenComparingInt(Op::id).reversed())
            .filter(o -> listed.add(o.id())).forEach(others::add);
        int taken = 0;
        while (true) {
          // a core with its compare-and-swaps as plain writes is cheaper to search: try it first
          if (violates(relaxAllBut(prefix, core, true))) {
            weak = true;
            break;
          }
          if (violates(relaxAllBut(prefix, core, false))) {
            break;
          }
          if (taken >= others.size() || budget <= 0) {
            core = allCompleted(prefix);
            break;
          }
          int more = Math.max(1, taken);
          for (int i = taken; i < Math.min(others.size(), taken + more); i++) {
            core.add(others.get(i).id());
          }
          taken += more;
        }
      } else {
        core = allCompleted(prefix);
      }
      List<Op> order = prefix.stream().filter(o -> !o.isIndeterminate())
          .sorted(Comparator.comparingLong(Op::invoke).thenComparingInt(Op::id).reversed())
          .collect(Collectors.toList());
      for (Op op : order) {
        if (core.size() > 1 && core.contains(op.id()) && budget > 0) {
          core.remove(op.id());
          if (!violates(relaxAllBut(prefix, core, weak))) {
            core.add(op.id());
          }
        }
      }
      List<Op> witness = relaxAllBut(prefix, core, weak);
      Search.Outcome last = new Search(witness, usesVersions(witness)).run(stepsPerCheck);
      List<Op> essential = witness.stream().filter(o -> !o.isIndeterminate())
          .map(this::original).collect(Collectors.toList());
      Set<String> observed = new TreeSet<>();
      for (Op o : essential) {
        if (o.result() instanceof Result.Read r && r.value() != null) {
          observed.add(r.value());
        }
        if (o.call() instanceof Call.Cas c && c.expect() instanceof Call.Expect.Value v) {
          observed.add(v.value());
        }
      }
      List<Op> sources = new ArrayList<>();
      int relaxed = 0;
      for (Op o : witness) {
        if (o.isIndeterminate()) {
          String written = o.call() instanceof Call.Put p ? p.value() : null;
          if (written != null && observed.contains(written)) {
            sources.add(original(o));
          } else {
            relaxed++;
          }
        }
      }
      return new Witness(essential, sources, relaxed, last, !exhausted);
    }

    private static String observedValue(Op o) {
      if (o.result() instanceof Result.Read r) {
        return r.value();
      }
      if (o.call() instanceof Call.Cas c && c.expect() instanceof Call.Expect.Value v) {
        return v.value();
      }
      return null;
    }

    private static String writtenValue(Op o) {
      return o.call() instanceof Call.Put p ? p.value()
          : o.call() instanceof Call.Cas c ? c.newValue() : null;
    }

    private static Set<Integer> allCompleted(List<Op> prefix) {
      return prefix.stream().filter(o -> !o.isIndeterminate()).map(Op::id)
          .collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * {@code prefix} with every operation outside {@code core} relaxed: a get, a failed
     * compare-and-swap and a delete of an absent key are left out (they changed nothing); any other
     * write may or may not have happened, a compare-and-swap then even without its expectation (as
     * a put of its new value, or a delete). With {@code weak}, a compare-and-swap of the core that
     * swapped counts as a plain put or delete in its interval. Each such change only allows more
     * orders.
     */
    private static List<Op> relaxAllBut(List<Op> prefix, Set<Integer> core, boolean weak) {
      List<Op> out = new ArrayList<>(prefix.size());
      for (Op o : prefix) {
        if (core.contains(o.id())) {
          Op w = weak ? weakened(o) : o;
          if (w != null) {
            out.add(w);
          }
        } else if (o.isIndeterminate() || !changedNothing(o)) {
          Call c = o.call();
          if (c instanceof Call.Cas cas) {
            c = cas.newValue() == null ? new Call.Delete(cas.key())
                : new Call.Put(cas.key(), cas.newValue());
          }
          out.add(Op.indeterminate(o.id(), o.client(), c, o.invoke()));
        }
      }
      return out;
    }

    /**
     * A compare-and-swap that swapped as the plain write it performed (null: it deleted a key that
     * was absent, which changed nothing); any other op as it is.
     */
    private static Op weakened(Op o) {
      if (!(o.call() instanceof Call.Cas c) || !(o.result() instanceof Result.Swapped s)
          || !s.succeeded()) {
        return o;
      }
      if (c.newValue() != null) {
        return Op.completed(o.id(), o.client(), new Call.Put(c.key(), c.newValue()), o.invoke(),
            o.complete(), Result.ok());
      }
      boolean existed = c.expect() instanceof Call.Expect.Value
          || (c.expect() instanceof Call.Expect.Version v && v.version() > 0);
      return existed ? Op.completed(o.id(), o.client(), new Call.Delete(c.key()), o.invoke(),
          o.complete(), Result.deleted(true)) : null;
    }

    /** The op with the versions it reported forgotten. */
    private static Op withoutVersions(Op o) {
      Result r = o.result();
      if (r instanceof Result.Written) {
        r = Result.ok();
      } else if (r instanceof Result.Read read) {
        r = Result.read(read.value());
      } else {
        return o;
      }
      return Op.completed(o.id(), o.client(), o.call(), o.invoke(), o.complete(), r);
    }

    private static boolean changedNothing(Op o) {
      return o.call() instanceof Call.Get
          || (o.result() instanceof Result.Swapped s && !s.succeeded())
          || (o.result() instanceof Result.Deleted d && !d.existed());
    }

    /** The op as recorded (a relaxed copy has the same id). */
    private Op original(Op relaxed) {
      for (Op o : ops) {
        if (o.id() == relaxed.id()) {
          return o;
        }
      }
      return relaxed;
    }

    /**
     * The history as it stood at the earliest completion time T at which it is already not
     * linearizable: the operations invoked by T, those still running at T with their outcome
     * forgotten (gets left out). Any linearization of the whole history gives one of this, so this
     * not being linearizable shows the whole is not.
     */
    private List<Op> shortestViolatingPrefix() {
      long[] times = ops.stream().filter(o -> !o.isIndeterminate()).mapToLong(Op::complete)
          .distinct().sorted().toArray();
      int lo = 0;
      int hi = times.length - 1; // the whole history: known to violate
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (violates(prefix(times[mid]))) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return prefix(times[hi]);
    }

    private List<Op> prefix(long t) {
      List<Op> p = new ArrayList<>();
      for (Op o : ops) {
        if (o.invoke() > t) {
          continue;
        }
        if (!o.isIndeterminate() && o.complete() <= t) {
          p.add(o);
        } else if (o.call().mayWrite()) {
          p.add(o.relaxed());
        }
      }
      return p;
    }
  }

  private static String explain(String key, int total, Witness w) {
    StringBuilder sb = new StringBuilder();
    sb.append("key ").append(Describe.value(key)).append(": not linearizable; ")
        .append(w.essential().size()).append(" of its ").append(total)
        .append(" operations admit no order that respects real time and their results")
        .append(w.minimal() ? "" : " (search effort ran out: maybe not the fewest)")
        .append(':');
    for (Op o : w.essential()) {
      sb.append("\n    ").append(o);
    }
    if (!w.sources().isEmpty()) {
      sb.append("\n  with these writes of unknown outcome (they may have taken effect once, or "
          + "never):");
      for (Op o : w.sources()) {
        sb.append("\n    ").append(o);
      }
    }
    if (w.relaxedWrites() > 0) {
      sb.append("\n  (and ").append(w.relaxedWrites())
          .append(w.relaxedWrites() == 1 ? " other write" : " other writes")
          .append(" on the key, allowed to have taken effect or not)");
    }
    Search.Outcome o = w.outcome();
    if (o != null && o.stuckAt() != null) {
      sb.append("\n  the longest order found: ");
      if (o.longestOrder().isEmpty()) {
        sb.append("(none)");
      } else {
        sb.append(o.longestOrder().stream().map(x -> "#" + x.id() + " " + x.call())
            .collect(Collectors.joining(", ")));
      }
      // the state as the recorded values give it (the search writes unobserved values as one)
      Register state = Register.ABSENT;
      boolean versions = usesVersions(o.longestOrder());
      for (Op x : o.longestOrder()) {
        Register next = state.step(x.call(), x.result(), versions);
        state = next == null ? state : next;
      }
      sb.append(", leaving the key ").append(state).append("; then #")
          .append(o.stuckAt().id()).append(" (").append(o.stuckAt().call()).append(" -> ")
          .append(o.stuckAt().result()).append(") fits nowhere");
    }
    return sb.toString();
  }
}
