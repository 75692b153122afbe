package io.lattice.cli.inspect;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The outcome of checking a whole log (and, with {@code --verify} on a data directory, its
 * snapshots and hard state): intact, ending in a torn write (which the node truncates on start),
 * or corrupt at a place that an operator can find and repair.
 *
 * @param file the file of the problem; null when OK
 * @param offset byte offset of the damaged or incomplete record in {@code file}; -1 when OK
 * @param index the index the damaged record holds or should hold; 0 when not known
 * @param detail what is wrong; empty when OK
 * @param dataDir the directory the repair command is to be run on
 * @param subject which file the verdict is about: the remedy depends on it
 */
record Verdict(Kind kind, Path file, long offset, long index, String detail, Path dataDir,
    Subject subject) {
  enum Kind { OK, TORN_TAIL, CORRUPT }

  /** The kind of file a problem is in. */
  enum Subject { LOG, SNAPSHOT, HARD_STATE }

  Verdict(Kind kind, Path file, long offset, long index, String detail, Path dataDir) {
    this(kind, file, offset, index, detail, dataDir, Subject.LOG);
  }

  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:@%+=,-]+");

  static Verdict ok(Path dataDir) {
    return new Verdict(Kind.OK, null, -1, 0, "", dataDir);
  }

  static Verdict torn(Path file, long offset, String detail, Path dataDir) {
    return new Verdict(Kind.TORN_TAIL, file, offset, 0, detail, dataDir);
  }

  static Verdict corrupt(Path file, long offset, long index, String detail, Path dataDir) {
    return new Verdict(Kind.CORRUPT, file, offset, index, detail, dataDir);
  }

  /** A damaged snapshot file; {@code offset} -1 when the whole file is unreadable. */
  static Verdict damagedSnapshot(Path file, long offset, String detail, Path dataDir) {
    return new Verdict(Kind.CORRUPT, file, offset, 0, detail, dataDir, Subject.SNAPSHOT);
  }

  /** A damaged hard state; {@code offset} -1 when it is missing. */
  static Verdict damagedHardState(Path file, long offset, String detail, Path dataDir) {
    return new Verdict(Kind.CORRUPT, file, offset, 0, detail, dataDir, Subject.HARD_STATE);
  }

  /** 0 for OK and a torn tail (both start cleanly), 1 for corruption. */
  int exitCode() {
    return kind == Kind.CORRUPT ? 1 : 0;
  }

  /**
   * The command that repairs a corrupt log, ready to paste into a shell (and safe to print: the
   * directory is quoted, with any control character as an ANSI-C escape); null unless CORRUPT.
   */
  String repairCommand() {
    if (kind != Kind.CORRUPT) {
      return null;
    }
    String repair = "lattice-node repair --data-dir " + shellQuote(dataDir.toString());
    return switch (subject) {
      case LOG -> repair;
      case HARD_STATE -> repair + " --term T";
      case SNAPSHOT -> null; // the node copes without it: nothing to run
    };
  }

  /**
   * The verdict as one line: {@code OK}, {@code TORN TAIL at F offset N: … (safe: …)}, or
   * {@code CORRUPT at F offset N (index I): …. Run: lattice-node repair --data-dir D}.
   */
  String describe() {
    return switch (kind) {
      case OK -> "OK";
      case TORN_TAIL -> "TORN TAIL at " + SafeText.escape(file.toString()) + " offset " + offset
          + ": " + SafeText.escape(detail) + " (safe: the node truncates it on start)";
      case CORRUPT -> "CORRUPT at " + SafeText.escape(file.toString())
          + (offset >= 0 ? " offset " + offset : "")
          + (index > 0 ? " (index " + index + ")" : "") + ": " + SafeText.escape(detail)
          + ". " + remedy();
    };
  }

  private String remedy() {
    return switch (subject) {
      case LOG -> "Run: " + repairCommand();
      case SNAPSHOT -> "The node skips a damaged snapshot and starts from an older one, or gets"
          + " one from the leader; move the file out of " + SafeText.escape(file.getParent()
          .toString()) + " to keep it for analysis, or delete it";
      case HARD_STATE -> "The node will not start without its term and vote. With the node"
          + " stopped, take the highest TERM that 'lattice status' shows for the other members"
          + " and run: " + repairCommand() + " (or, restoring the whole cluster from a backup,"
          + " copy the backup's hardstate file)";
    };
  }

  /** The kind as scripts see it: {@code OK}, {@code TORN_TAIL}, {@code CORRUPT}. */
  String code() {
    return kind.name();
  }

  private static String shellQuote(String s) {
    if (SHELL_SAFE.matcher(s).matches()) {
      return s;
    }
    if (s.codePoints().allMatch(SafeText::isTerminalSafe)) {
      return "'" + s.replace("'", "'\\''") + "'";
    }
    StringBuilder out = new StringBuilder("$'");
    s.codePoints().forEach(cp -> {
      if (cp == '\'' || cp == '\\') {
        out.append('\\').appendCodePoint(cp);
      } else if (SafeText.isTerminalSafe(cp)) {
        out.appendCodePoint(cp);
      } else {
        out.append(SafeText.escapeOf(cp));
      }
    });
    return out.append('\'').toString();
  }
}
