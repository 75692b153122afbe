package io.lattice.cli.inspect;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code lattice log inspect FILE|DATA_DIR}: prints a log's header and one line per entry (or
 * NDJSON), and with {@code --verify} (the header and the verdict, without the entries unless
 * asked) a verdict on the whole log, and on a data directory's hard state and snapshots: OK, a
 * torn tail (safe), or corruption with the place and the remedy.
 *
 * <p>Reads through the same scanner node recovery uses, so the verdict is what the node would
 * decide on start. Opens every file read-only and never writes, renames or locks anything, so it
 * is safe on the data directory of a running node: it reads the log as it was when each file was
 * opened (an append in flight shows as a torn tail), and re-lists a directory in which a segment
 * was rolled or compacted away while it was being read.
 */
public final class LogInspector {
  /** Entry kinds {@code --type} accepts. */
  public static final Set<String> TYPES = Set.of("command", "config", "noop");

  private static final String PREFIX = "lattice log inspect: ";
  /** Listings of a running node's directory to try before giving up on a consistent one. */
  private static final int ATTEMPTS = 3;

  /**
   * What to print. The filters select printed entries only; checking always covers the whole log.
   *
   * @param from first index to print; 0 or 1 print from the start
   * @param to last index to print; {@link Long#MAX_VALUE} for no limit
   * @param types entry kinds to print ({@link #TYPES}); empty prints all
   * @param verify end with a verdict line (and decode every payload, not just the printed ones);
   *     on a data directory, check its hard state and snapshots too
   * @param json NDJSON: one object per entry, then one summary object
   * @param entries with {@code verify}, print the entries as well (without it a verification
   *     prints the summary and the verdict only, unless a filter asks for entries)
   * @throws IllegalArgumentException for an unknown type, a negative {@code from}, or
   *     {@code to < from} (a usage error for the command to report)
   */
  public record Options(long from, long to, Set<String> types, boolean verify, boolean json,
      boolean entries) {
    /** Entries are printed, with or without {@code verify}. */
    public Options(long from, long to, Set<String> types, boolean verify, boolean json) {
      this(from, to, types, verify, json, true);
    }

    public Options {
      types = types == null ? Set.of() : Set.copyOf(types);
      for (String t : types) {
        if (!TYPES.contains(t)) {
          throw new IllegalArgumentException("unknown entry type '" + t
              + "' (expected command, config or noop)");
        }
      }
      if (from < 0) {
        throw new IllegalArgumentException("--from must be at least 0, was " + from);
      }
      if (to < from) {
        throw new IllegalArgumentException("--to " + to + " is below --from " + from);
      }
    }

    /** Everything, as text, without a verdict. */
    public static Options defaults() {
      return new Options(0, Long.MAX_VALUE, Set.of(), false, false);
    }

    /** Whether an entry of {@code kind} at {@code index} is to be printed. */
    boolean includes(long index, String kind) {
      return index >= from && index <= to && (types.isEmpty() || types.contains(kind));
    }

    boolean filtered() {
      return from > 1 || to != Long.MAX_VALUE || !types.isEmpty();
    }

    /** Whether entries are printed at all: always, except for a plain verification. */
    boolean printsEntries() {
      return !verify || entries || filtered();
    }
  }

  private LogInspector() {}

  /**
   * Inspects a log file or a data directory (all segments in index order); never modifies
   * anything.
   *
   * @return the exit code: 0 = OK or torn tail only, 1 = corrupt / unreadable / not a log file
   */
  public static int run(Path fileOrDir, Options options, PrintWriter out, PrintWriter err) {
    try {
      LogReport report = check(fileOrDir);
      if (options.verify() && report.files().directory()) {
        Path dir = report.files().dataDir();
        report = report.withStateFiles(StateFileCheck.check(dir, report.showsRun()));
      }
      Renderer renderer = options.json() ? new JsonRenderer(out) : new TextRenderer(out);
      renderer.begin(report, options);
      WalkResult walk;
      try {
        walk = EntryWalk.walk(report, options, renderer::entry);
      } catch (LogChangedException e) {
        out.flush();
        err.println(PREFIX + e.getMessage());
        return 1;
      }
      renderer.end(report, walk, options);
      out.flush();
      reportToOperator(report, walk, options, err);
      return report.verdict().exitCode();
    } catch (InspectException e) {
      err.println(PREFIX + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println(PREFIX + describe(fileOrDir, e));
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * Checks the log. In a directory a running node may seal {@code raft.log} or delete compacted
   * segments between the listing and the reading: a vanished file, or a gap that a fresh listing
   * does not show, is retried with the fresh listing.
   */
  private static LogReport check(Path input) throws IOException, InspectException {
    for (int attempt = 1; ; attempt++) {
      LogFiles files = LogFiles.resolve(input);
      boolean lastAttempt = !files.directory() || attempt == ATTEMPTS;
      LogReport report;
      try {
        report = LogCheck.check(files);
      } catch (NoSuchFileException e) {
        if (lastAttempt) {
          throw e;
        }
        continue;
      }
      if (report.verdict().kind() != Verdict.Kind.CORRUPT || lastAttempt
          || LogFiles.resolve(input).equals(files)) {
        return report;
      }
    }
  }

  /** Damage found without {@code --verify} (which prints it as the verdict) goes to stderr. */
  private static void reportToOperator(LogReport report, WalkResult walk, Options options,
      PrintWriter err) {
    Verdict v = report.verdict();
    if (!options.verify() && v.kind() != Verdict.Kind.OK) {
      String what = v.kind() == Verdict.Kind.CORRUPT ? "stopped at damage: " : "note: ";
      err.println(PREFIX + what + v.describe());
    }
    if (walk.undecodable() > 0) {
      boolean one = walk.undecodable() == 1;
      err.println(PREFIX + "warning: " + walk.undecodable() + (one
          ? " entry has a payload that does not decode"
          : " entries have payloads that do not decode")
          + " (first at index " + walk.firstUndecodable() + "); the record" + (one ? " is" : "s are")
          + " intact, so the payload was written that way (by a newer release, or a bug).");
    }
  }

  private static String describe(Path input, IOException e) {
    String file = e instanceof java.nio.file.FileSystemException fse && fse.getFile() != null
        ? fse.getFile() : input.toString();
    if (e instanceof AccessDeniedException) {
      return SafeText.escape(file) + ": permission denied. Run as a user that can read the node's"
          + " data directory.";
    }
    if (e instanceof NoSuchFileException) {
      return SafeText.escape(file) + " vanished while it was read (a running node rolled or"
          + " compacted its log). Run the inspection again.";
    }
    return "cannot read " + SafeText.escape(file) + ": " + SafeText.escape(String.valueOf(e));
  }
}
