package io.lattice.cli.inspect;

import io.lattice.format.LogRecord;
import io.lattice.format.LogScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads the entries of a checked log's valid prefix again, with payloads, and hands those that pass
 * the filters to a sink. Never reads past the prefix {@link LogCheck} established, so the lines
 * agree with the header even while a node appends; anything else that differs from the check
 * (an entry with another term, a missing entry or file) means the node rewrote the log meanwhile.
 */
final class EntryWalk {
  /** Ends a scan early once the wanted entries are read; carries no stack trace. */
  private static final class Stop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stop() {
      super(null, null, false, false);
    }
  }

  private final LogReport report;
  private final LogInspector.Options options;
  private final boolean decodeAll;
  private final Consumer<EntryLine> sink;
  private long printed;
  private long undecodable;
  private long firstUndecodable;
  private long expected;
  /** Why the files no longer match the check; null while they do. */
  private String changed;

  private EntryWalk(LogReport report, LogInspector.Options options, Consumer<EntryLine> sink) {
    this.report = report;
    this.options = options;
    this.decodeAll = options.verify();
    this.sink = sink;
  }

  /**
   * Prints the entries of {@code report}'s valid prefix that pass {@code options}' filters; with
   * {@code --verify}, decodes every payload of the prefix to count the undecodable ones.
   *
   * @throws LogChangedException if the files no longer hold what the check found
   */
  static WalkResult walk(LogReport report, LogInspector.Options options, Consumer<EntryLine> sink)
      throws IOException, LogChangedException {
    EntryWalk w = new EntryWalk(report, options, sink);
    w.run();
    return new WalkResult(w.printed, w.undecodable, w.firstUndecodable);
  }

  private void run() throws IOException, LogChangedException {
    long from = decodeAll ? 0 : options.from();
    long to = decodeAll ? Long.MAX_VALUE : options.to();
    for (SegmentReport seg : report.segments()) {
      if (!seg.overlaps(from, to)) {
        continue;
      }
      long stopAfter = Math.min(seg.lastIndex(), to);
      boolean missing = !scan(seg, seg.segment(), stopAfter);
      boolean noneRead = expected == seg.firstIndex();
      if ((missing || noneRead) && !seg.segment().sealed()) {
        // A running node sealed the open segment since the check: same records, new name, and
        // raft.log is a new file (empty, or holding later entries).
        Segment sealedNow = sealedSuccessor(seg);
        if (sealedNow != null) {
          missing = !scan(seg, sealedNow, stopAfter);
        }
      }
      if (missing) {
        throw changed(seg, "it was removed or renamed");
      }
      if (changed != null) {
        throw changed(seg, changed);
      }
      if (expected <= stopAfter) {
        throw changed(seg, "it ends before index " + expected + " now");
      }
    }
  }

  /** Reads {@code seg}'s entries from {@code file}; false if the file is gone. */
  private boolean scan(SegmentReport seg, Segment file, long stopAfter) throws IOException {
    expected = seg.firstIndex();
    changed = null;
    try {
      LogScanner.scan(file.path(), (offset, size, r) -> visit(seg, file, offset, size, r, stopAfter),
          true);
    } catch (Stop stop) {
      // every wanted entry of this file is read, or it no longer holds them
    } catch (NoSuchFileException e) {
      return false;
    }
    return true;
  }

  /** The sealed segment that now holds the open segment's entries, or null. */
  private Segment sealedSuccessor(SegmentReport seg) throws IOException {
    if (!report.files().directory()) {
      return null;
    }
    Path dir = seg.segment().path().getParent();
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(Segment::of)
          .filter(s -> s.sealed() && s.nameFirst() == seg.firstIndex()
              && s.nameLast() >= seg.lastIndex())
          .findFirst().orElse(null);
    }
  }

  private void visit(SegmentReport seg, Segment file, long offset, int size, LogRecord r,
      long stopAfter) {
    if (r.index() != expected || r.term() != report.terms().termAt(r.index())) {
      changed = "index " + expected + " was expected with term "
          + report.terms().termAt(expected) + " but index " + r.index() + " with term " + r.term()
          + " is there now";
      throw new Stop();
    }
    expected++;
    boolean print = options.printsEntries()
        && options.includes(r.index(), LogRecord.kindName(r.kind()));
    if (print || decodeAll) {
      DecodedEntry e = DecodedEntry.of(r);
      if (!e.decoded()) {
        if (undecodable == 0) {
          firstUndecodable = r.index();
        }
        undecodable++;
      }
      if (print) {
        printed++;
        sink.accept(new EntryLine(file, offset, size, e));
      }
    }
    if (r.index() >= stopAfter) {
      throw new Stop();
    }
  }

  private LogChangedException changed(SegmentReport seg, String what) {
    return new LogChangedException(SafeText.escape(seg.segment().path().toString())
        + " changed while it was read (" + what + "): a running node truncated, rolled or"
        + " compacted its log. The entries printed may be incomplete; run the inspection again.");
  }
}
