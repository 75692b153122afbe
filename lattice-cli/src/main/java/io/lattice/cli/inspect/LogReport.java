package io.lattice.cli.inspect;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The result of checking a whole log (every segment, every record): its valid prefix (the entries
 * a node would recover), where each term starts, and the verdict on what follows that prefix.
 *
 * @param entries number of entries in the valid prefix
 * @param firstIndex first index of the valid prefix (0 if empty)
 * @param lastIndex last index of the valid prefix (0 if empty)
 */
record LogReport(LogFiles files, List<SegmentReport> segments, long entries, long firstIndex,
    long lastIndex, TermHistory terms, Verdict verdict) {
  LogReport {
    segments = List.copyOf(segments);
  }

  /** Bytes of all segment files read. */
  long bytes() {
    return segments.stream().mapToLong(SegmentReport::fileSize).sum();
  }

  /** The format versions of the segments read (one, unless segments were written by different releases). */
  SortedSet<Integer> formatVersions() {
    SortedSet<Integer> out = new TreeSet<>();
    for (SegmentReport s : segments) {
      if (s.formatVersion() > 0) {
        out.add(s.formatVersion());
      }
    }
    return out;
  }
}
