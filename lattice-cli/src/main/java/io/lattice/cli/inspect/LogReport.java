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
 * @param verdict the verdict on the log and on the {@code stateFiles}: the first problem found
 * @param stateFiles the hard state and snapshots checked ({@code --verify} on a data directory)
 */
record LogReport(LogFiles files, List<SegmentReport> segments, long entries, long firstIndex,
    long lastIndex, TermHistory terms, Verdict verdict, List<StateFile> stateFiles) {
  LogReport {
    segments = List.copyOf(segments);
    stateFiles = List.copyOf(stateFiles);
  }

  LogReport(LogFiles files, List<SegmentReport> segments, long entries, long firstIndex,
      long lastIndex, TermHistory terms, Verdict verdict) {
    this(files, segments, entries, firstIndex, lastIndex, terms, verdict, List.of());
  }

  /**
   * This report with the state files checked. A corrupt log stays the verdict; otherwise the first
   * damaged state file is (the hard state before the snapshots), then the log's own (OK or a torn
   * tail).
   */
  LogReport withStateFiles(List<StateFile> checked) {
    Verdict v = verdict;
    if (v.kind() != Verdict.Kind.CORRUPT) {
      for (StateFile f : checked) {
        if (!f.intact()) {
          v = f.verdict(files.dataDir());
          break;
        }
      }
    }
    return new LogReport(files, segments, entries, firstIndex, lastIndex, terms, v, checked);
  }

  /** Whether the log shows that the member has run: an entry, a sealed segment, or damage. */
  boolean showsRun() {
    return entries > 0 || verdict.kind() == Verdict.Kind.CORRUPT
        || segments.stream().anyMatch(s -> s.segment().sealed());
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
