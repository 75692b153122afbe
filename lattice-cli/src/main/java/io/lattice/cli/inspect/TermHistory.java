package io.lattice.cli.inspect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where each term starts in a log: the first index of every term seen, in log order. Terms never
 * go down along a valid log, so this is also an index-to-term map ({@link #termAt}).
 */
final class TermHistory {
  /** A term and the first index that holds it. */
  record Start(long term, long firstIndex) {}

  private final List<Start> starts = new ArrayList<>();

  /** Records that {@code index} holds {@code term}; called for every entry, in index order. */
  void add(long term, long index) {
    if (starts.isEmpty() || starts.get(starts.size() - 1).term() != term) {
      starts.add(new Start(term, index));
    }
  }

  /** Appends everything of {@code later}, a history of the entries right after these. */
  void addAll(TermHistory later) {
    for (Start s : later.starts) {
      add(s.term(), s.firstIndex());
    }
  }

  List<Start> starts() {
    return Collections.unmodifiableList(starts);
  }

  boolean isEmpty() {
    return starts.isEmpty();
  }

  /** The term of {@code index}, assuming it lies within the log this history describes; 0 if before it. */
  long termAt(long index) {
    int lo = 0;
    int hi = starts.size() - 1;
    long term = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (starts.get(mid).firstIndex() <= index) {
        term = starts.get(mid).term();
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return term;
  }
}
