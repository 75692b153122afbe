package io.lattice.cli.inspect;

import io.lattice.format.LogProblem;
import io.lattice.format.LogScan;
import io.lattice.format.LogScanner;
import io.lattice.format.SegmentLayout;
import io.lattice.format.SyncMark;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a log the way a starting node recovers it: every segment through the shared
 * {@link LogScanner} (checksums, framing, index and term order within a file), plus the rules that
 * span files: consecutive segments join without gap or overlap, terms do not go down across a
 * segment boundary, a sealed segment is intact and holds exactly the indexes its name says. Stops
 * at the first problem; only the open segment may end in a torn write.
 *
 * <p>Reads only (files are opened read-only) and reads each file up to the size it had when it was
 * opened, so a log that a node is appending to yields a consistent prefix. If the node seals
 * {@code raft.log} meanwhile, the newly sealed segments are read before {@code raft.log} again.
 */
final class LogCheck {
  /**
   * How often the open segment may be found sealed while reading: a node that seals segments
   * faster than they can be read would otherwise keep the check going forever.
   */
  private static final int MAX_CATCH_UPS = 64;

  private LogCheck() {}

  /**
   * @throws IOException if a file cannot be read, or vanished since the directory was listed
   *     ({@link java.nio.file.NoSuchFileException}: a running node rolled or compacted its log)
   * @throws InspectException if a file is not a log segment at all, or of a newer format version
   */
  static LogReport check(LogFiles files) throws IOException, InspectException {
    List<SegmentReport> reports = new ArrayList<>();
    TermHistory terms = new TermHistory();
    Verdict verdict = null;
    long entries = 0;
    long firstIndex = 0;
    long lastIndex = 0;
    long lastTerm = 0;
    SegmentReport previous = null;
    Deque<Segment> pending = new ArrayDeque<>(files.segments());
    Set<Path> queued = new HashSet<>();
    files.segments().forEach(s -> queued.add(s.path()));
    int catchUps = 0;
    for (Segment seg = pending.poll(); seg != null; seg = pending.poll()) {
      if (verdict != null) {
        reports.add(SegmentReport.notRead(seg));
        continue;
      }
      long expectedNext = entries > 0 ? lastIndex + 1 : 0;
      boolean live = files.directory() && !seg.sealed();
      TermHistory local = new TermHistory();
      LogScan scan;
      try {
        scan = LogScanner.scan(seg.path(), (offset, size, r) -> local.add(r.term(), r.index()),
            false);
      } catch (NoSuchFileException e) {
        if (!live || catchUps == MAX_CATCH_UPS) {
          throw e;
        }
        scan = null; // raft.log between being sealed and being created again
      }
      if (live && catchUps < MAX_CATCH_UPS) {
        List<Segment> sealedSince = sealedSince(files, queued, expectedNext, scan);
        if (!sealedSince.isEmpty()) {
          // The node sealed raft.log while the segments before it were read: read what it sealed,
          // then raft.log again.
          catchUps++;
          pending.addFirst(seg);
          for (int i = sealedSince.size() - 1; i >= 0; i--) {
            pending.addFirst(sealedSince.get(i));
            queued.add(sealedSince.get(i).path());
          }
          continue;
        }
      }
      if (scan == null) {
        throw new NoSuchFileException(seg.path().toString());
      }
      rejectNonLog(files, seg, scan);
      verdict = acrossFiles(files, seg, scan, expectedNext, lastTerm, previous);
      boolean keepPrefix = verdict == null;
      if (verdict == null) {
        verdict = withinFile(files, seg, scan, expectedNext);
        // A misnamed sealed segment is rejected whole, like the node does; any other problem
        // inside a file leaves the records before it valid.
        keepPrefix = verdict == null || !isNameMismatch(seg, scan);
      }
      long kept = keepPrefix ? scan.records() : 0;
      SegmentReport report = new SegmentReport(seg, true, scan.fileSize(), scan.formatVersion(),
          kept, kept > 0 ? scan.firstIndex() : 0, kept > 0 ? scan.lastIndex() : 0);
      reports.add(report);
      if (kept > 0) {
        terms.addAll(local);
        if (entries == 0) {
          firstIndex = scan.firstIndex();
        }
        entries += kept;
        lastIndex = scan.lastIndex();
        lastTerm = scan.lastTerm();
        previous = report;
      }
    }
    LogFiles read = files.withSegments(reports.stream().map(SegmentReport::segment).toList());
    return new LogReport(read, reports, entries, firstIndex, lastIndex, terms,
        verdict == null ? Verdict.ok(files.dataDir()) : verdict);
  }

  /**
   * Sealed segments that appeared in the directory since it was listed and hold entries between
   * the ones read so far and those of the open segment just scanned ({@code scan}, null if it was
   * missing): the open segment was sealed, and possibly more, while the log was being read.
   */
  private static List<Segment> sealedSince(LogFiles files, Set<Path> queued, long expectedNext,
      LogScan scan) throws IOException {
    List<Segment> out = new ArrayList<>();
    for (Segment s : LogFiles.sealedSegments(files.dataDir())) {
      if (!queued.contains(s.path()) && (expectedNext == 0 || s.nameFirst() >= expectedNext)
          && (scan == null || scan.records() == 0 || s.nameLast() < scan.firstIndex())) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * A single file whose magic is not a log segment's is the wrong file, not a damaged log; a newer
   * format version is neither: both are errors to report, not verdicts. (Inside a data directory a
   * bad magic on a segment file is damage.)
   */
  private static void rejectNonLog(LogFiles files, Segment seg, LogScan scan)
      throws InspectException {
    LogProblem p = scan.problem();
    if (p == null || p.kind() != LogProblem.Kind.BAD_HEADER) {
      return;
    }
    String file = SafeText.escape(seg.path().toString());
    if (p.offset() == 4) {
      throw new InspectException(file + ": " + p.detail()
          + ". Inspect it with the lattice release that matches the node that wrote it.");
    }
    if (p.offset() == 0 && !files.directory()) {
      throw new InspectException(file + " is not a Lattice log segment (" + p.detail()
          + "). Pass a node's data directory or one of its raft*.log segment files.");
    }
  }

  /** Problems of this segment's first record relative to the segments before it; null if none. */
  private static Verdict acrossFiles(LogFiles files, Segment seg, LogScan scan, long expectedNext,
      long lastTerm, SegmentReport previous) {
    if (scan.records() == 0 || previous == null) {
      return null;
    }
    String prev = previous.segment().fileName();
    if (scan.firstIndex() != expectedNext) {
      String what = scan.firstIndex() > expectedNext ? "gap between segments" : "segments overlap";
      return Verdict.corrupt(seg.path(), scan.recordsStart(), expectedNext, what + ": " + prev
          + " ends at index " + (expectedNext - 1) + " but " + seg.fileName() + " starts at index "
          + scan.firstIndex(), files.dataDir());
    }
    if (scan.firstTerm() < lastTerm) {
      return Verdict.corrupt(seg.path(), scan.recordsStart(), scan.firstIndex(), "term "
          + scan.firstTerm() + " at index " + scan.firstIndex() + " is below term " + lastTerm
          + " at the end of " + prev, files.dataDir());
    }
    return null;
  }

  /** Problems inside the segment, and a sealed segment's name against its contents; null if none. */
  private static Verdict withinFile(LogFiles files, Segment seg, LogScan scan, long expectedNext) {
    LogProblem p = scan.problem();
    if (p != null) {
      long index = scan.records() > 0 ? scan.lastIndex() + 1
          : expectedNext > 0 ? expectedNext : seg.nameFirst();
      if (p.kind() == LogProblem.Kind.TORN_TAIL && !seg.sealed()) {
        return Verdict.torn(seg.path(), p.offset(), p.detail() + whatTruncationDrops(scan),
            files.dataDir());
      }
      String detail = p.kind() == LogProblem.Kind.TORN_TAIL
          ? p.detail() + " in a sealed segment (sealed segments are complete and synced, so this is"
              + " damage, not an interrupted write)"
          : p.detail();
      return Verdict.corrupt(seg.path(), p.offset(), index, detail, files.dataDir());
    }
    if (isNameMismatch(seg, scan)) {
      String holds = scan.records() == 0 ? "holds no entries"
          : "holds indexes " + scan.firstIndex() + ".." + scan.lastIndex();
      return Verdict.corrupt(seg.path(), scan.recordsStart(), seg.nameFirst(), "sealed segment "
          + holds + " but its name says " + seg.nameFirst() + ".." + seg.nameLast(),
          files.dataDir());
    }
    return null;
  }

  /** What cutting a torn tail off loses, and how the file shows that it is only a torn write. */
  private static String whatTruncationDrops(LogScan scan) {
    long bytes = scan.bytesAfterValidEnd();
    String drops = "; truncating drops the last " + bytes + (bytes == 1 ? " byte" : " bytes")
        + " (no complete entry)";
    SyncMark mark = scan.syncMark();
    if (mark != null) {
      return drops + ", all written after the last sync (through byte offset " + mark.end()
          + ", index " + mark.lastIndex() + ")";
    }
    if (SegmentLayout.hasSyncMarks(scan.formatVersion())) {
      return drops + ", all written before the file's first sync";
    }
    return drops + "; format version " + scan.formatVersion() + " keeps no sync mark, so a cut"
        + " inside a record would look the same";
  }

  private static boolean isNameMismatch(Segment seg, LogScan scan) {
    return seg.sealed() && scan.clean() && (scan.records() == 0
        || scan.firstIndex() != seg.nameFirst() || scan.lastIndex() != seg.nameLast());
  }
}
