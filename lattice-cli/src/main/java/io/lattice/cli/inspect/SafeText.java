package io.lattice.cli.inspect;

/**
 * Makes text from a log safe to print on a terminal. Log contents (session ids, member ids and
 * addresses) and file names are untrusted: an escape sequence in them must reach the screen as
 * visible characters, never as a command to the terminal.
 */
final class SafeText {
  private SafeText() {}

  /**
   * Returns {@code s} with every control character, invisible formatting character (such as a
   * bidirectional override), line or paragraph separator, unpaired surrogate and backslash
   * replaced by a backslash escape ({@code \x1b}, {@code \u202e}, {@code \\}). Other text is kept.
   */
  static String escape(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int n = Character.charCount(cp);
      String replacement = needsEscape(cp) ? escapeOf(cp) : null;
      if (replacement != null && out == null) {
        out = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      if (out != null) {
        if (replacement != null) {
          out.append(replacement);
        } else {
          out.appendCodePoint(cp);
        }
      }
      i += n;
    }
    return out == null ? s : out.toString();
  }

  private static boolean needsEscape(int cp) {
    return cp == '\\' || !isTerminalSafe(cp);
  }

  /** Whether a terminal shows {@code cp} as itself (not a control, format or separator character). */
  static boolean isTerminalSafe(int cp) {
    if (Character.isISOControl(cp)) {
      return false;
    }
    int type = Character.getType(cp);
    return !(type == Character.FORMAT || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
        || type == Character.UNASSIGNED);
  }

  /** The backslash escape of {@code cp}: {@code \\}, {@code \x1b} or {@code \u202e}. */
  static String escapeOf(int cp) {
    if (cp == '\\') {
      return "\\\\";
    }
    return cp <= 0xFF ? String.format("\\x%02x", cp) : String.format("\\u%04x", cp);
  }
}
