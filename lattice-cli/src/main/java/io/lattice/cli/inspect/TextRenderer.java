package io.lattice.cli.inspect;

import java.io.PrintWriter;
import java.util.List;
import java.util.StringJoiner;

/**
 * The text form: a header (files, format, index range, entries, terms, bytes), a table of entries
 * (index, term, kind, payload), and with {@code --verify} a line per hard state and snapshot and
 * a verdict line. Every string from the log or the file system is escaped ({@link SafeText}).
 */
final class TextRenderer implements Renderer {
  /** Term starts listed in the header; a log with many elections gets a count for the rest. */
  private static final int MAX_TERM_STARTS = 8;

  private final PrintWriter out;
  private int indexWidth;
  private int termWidth;
  private boolean tableStarted;

  TextRenderer(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void begin(LogReport report, LogInspector.Options options) {
    LogFiles files = report.files();
    if (files.directory()) {
      int n = files.segments().size();
      out.println("log:       " + path(files.input()) + " (data directory, " + n + " segment"
          + (n == 1 ? "" : "s") + ")");
      printSegments(report.segments());
    } else {
      out.println("log:       " + path(files.input()));
    }
    out.println("format:    " + (report.formatVersions().isEmpty() ? "unknown"
        : "version " + join(report.formatVersions())));
    out.println("entries:   " + report.entries() + indexRange(report));
    out.println("terms:     " + terms(report.terms()));
    out.println("bytes:     " + report.bytes());
    indexWidth = Math.max(5, Long.toString(report.lastIndex()).length());
    termWidth = Math.max(4, Long.toString(report.terms().termAt(report.lastIndex())).length());
  }

  private void printSegments(List<SegmentReport> segments) {
    int nameWidth = segments.stream().mapToInt(s -> path(s.segment().path().getFileName()).length())
        .max().orElse(0);
    for (SegmentReport s : segments) {
      String name = path(s.segment().path().getFileName());
      String what;
      if (!s.read()) {
        what = "not read (after the damage)";
      } else {
        what = (s.entries() == 0 ? "no entries" : "indexes " + s.firstIndex() + ".." + s.lastIndex())
            + ", " + s.fileSize() + " bytes";
      }
      out.println("  " + name + " ".repeat(nameWidth - name.length()) + "  " + what
          + (s.segment().sealed() ? "" : " (open)"));
    }
  }

  private static String indexRange(LogReport report) {
    if (report.entries() == 0) {
      return "";
    }
    String range = " (indexes " + report.firstIndex() + ".." + report.lastIndex() + ")";
    if (report.files().directory() && report.firstIndex() > 1) {
      range += "; indexes before " + report.firstIndex() + " are compacted into a snapshot";
    }
    return range;
  }

  /** {@code 3}, or {@code 1..4 (term 1 from index 1, 2 from 12, 4 from 60)}. */
  private static String terms(TermHistory terms) {
    List<TermHistory.Start> starts = terms.starts();
    if (starts.isEmpty()) {
      return "none";
    }
    long first = starts.get(0).term();
    long last = starts.get(starts.size() - 1).term();
    if (first == last) {
      return Long.toString(first);
    }
    StringJoiner j = new StringJoiner(", ", first + ".." + last + " (", ")");
    for (int i = 0; i < Math.min(starts.size(), MAX_TERM_STARTS); i++) {
      TermHistory.Start s = starts.get(i);
      j.add(i == 0 ? "term " + s.term() + " from index " + s.firstIndex()
          : s.term() + " from " + s.firstIndex());
    }
    if (starts.size() > MAX_TERM_STARTS) {
      j.add("and " + (starts.size() - MAX_TERM_STARTS) + " more terms");
    }
    return j.toString();
  }

  @Override
  public void entry(EntryLine line) {
    if (!tableStarted) {
      out.println();
      out.println(pad("INDEX", indexWidth) + "  " + pad("TERM", termWidth) + "  KIND     ENTRY");
      tableStarted = true;
    }
    var r = line.entry().record();
    String text = EntryText.describe(line.entry());
    String row = pad(Long.toString(r.index()), indexWidth) + "  "
        + pad(Long.toString(r.term()), termWidth) + "  " + String.format("%-7s", line.entry().kindName())
        + (text.isEmpty() ? "" : "  " + text);
    out.println(row.stripTrailing());
  }

  @Override
  public void end(LogReport report, WalkResult walk, LogInspector.Options options) {
    if (options.filtered() || options.verify()) {
      out.println();
    }
    if (options.filtered()) {
      out.println("shown:     " + walk.printed() + " of " + report.entries() + " entries");
    }
    if (options.verify()) {
      if (walk.undecodable() > 0) {
        out.println("payloads:  " + walk.undecodable() + " do not decode (first at index "
            + walk.firstUndecodable() + ")");
      }
      printStateFiles(report);
      out.println("verdict:   " + report.verdict().describe());
    }
  }

  /** One line per hard state and snapshot checked; "none" lines say what was not there. */
  private void printStateFiles(LogReport report) {
    if (!report.files().directory()) {
      out.println("state:     not checked (a single segment file was given; pass the data"
          + " directory to check its hard state and snapshots too)");
      return;
    }
    boolean hardState = false;
    int snapshots = 0;
    for (StateFile f : report.stateFiles()) {
      String what = f.intact() ? "OK (" + f.summary() + ")"
          : "DAMAGED" + (f.offset() >= 0 ? " at offset " + f.offset() : "") + ": "
              + SafeText.escape(f.problem());
      if (f.subject() == Verdict.Subject.HARD_STATE) {
        hardState = true;
        out.println("hardstate: " + what);
      } else {
        snapshots++;
        out.println("snapshot:  " + path(f.file().getFileName()) + " " + what);
      }
    }
    if (!hardState) {
      out.println("hardstate: none (this member has not run yet)");
    }
    if (snapshots == 0) {
      out.println("snapshot:  none");
    }
  }

  private static String pad(String s, int width) {
    return " ".repeat(Math.max(0, width - s.length())) + s;
  }

  private static String path(Object p) {
    return SafeText.escape(String.valueOf(p));
  }

  private static String join(Iterable<?> items) {
    StringJoiner j = new StringJoiner(", ");
    items.forEach(i -> j.add(String.valueOf(i)));
    return j.toString();
  }
}
