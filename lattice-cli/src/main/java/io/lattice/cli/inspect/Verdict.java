package io.lattice.cli.inspect;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The outcome of reading a whole log: intact, ending in a torn write (which the node truncates on
 * start), or corrupt at a place that an operator can find and repair.
 *
 * @param file the file of the problem; null when OK
 * @param offset byte offset of the damaged or incomplete record in {@code file}; -1 when OK
 * @param index the index the damaged record holds or should hold; 0 when not known
 * @param detail what is wrong; empty when OK
 * @param dataDir the directory the repair command is to be run on
 */
record Verdict(Kind kind, Path file, long offset, long index, String detail, Path dataDir) {
  enum Kind { OK, TORN_TAIL, CORRUPT }

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

  /** 0 for OK and a torn tail (both start cleanly), 1 for corruption. */
  int exitCode() {
    return kind == Kind.CORRUPT ? 1 : 0;
  }

  /**
   * The command that repairs a corrupt log, ready to paste into a shell (and safe to print: the
   * directory is quoted, with any control character as an ANSI-C escape); null unless CORRUPT.
   */
  String repairCommand() {
    return kind == Kind.CORRUPT ? "lattice-node repair --data-dir " + shellQuote(dataDir.toString())
        : null;
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
      case CORRUPT -> "CORRUPT at " + SafeText.escape(file.toString()) + " offset " + offset
          + (index > 0 ? " (index " + index + ")" : "") + ": " + SafeText.escape(detail)
          + ". Run: " + repairCommand();
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
