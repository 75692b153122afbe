package io.lattice.cli.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell line into words as a POSIX shell would, with C escapes in double quotes so that
 * multi-line and tab-separated values can be typed: {@code put k "a\nb"} stores a, newline, b.
 *
 * <ul>
 *   <li>blanks (spaces, tabs, newlines) separate words, except inside quotes;
 *   <li>{@code '...'} is taken literally;
 *   <li>{@code "..."} honours {@code \n}, {@code \t}, {@code \r}, {@code \"} and {@code \\}; any
 *       other backslash is kept as it is;
 *   <li>outside quotes a backslash takes the next character literally ({@code a\ b} is one word),
 *       and a backslash before a newline joins the lines;
 *   <li>quoted and unquoted parts next to each other make one word; {@code ""} is an empty word.
 * </ul>
 *
 * The line reader ({@link Shell}) keeps reading while a quote is open, so a line given here has
 * every quote closed; an open one is taken to end with the line.
 */
final class ShellWords {
  private ShellWords() {}

  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    int i = 0;
    while (i < line.length()) {
      char c = line.charAt(i++);
      if (c == '\'') {
        inWord = true;
        while (i < line.length() && line.charAt(i) != '\'') {
          w.append(line.charAt(i++));
        }
        i++; // the closing quote
      } else if (c == '"') {
        inWord = true;
        while (i < line.length() && line.charAt(i) != '"') {
          char d = line.charAt(i++);
          if (d == '\\' && i < line.length()) {
            char e = line.charAt(i++);
            switch (e) {
              case 'n' -> w.append('\n');
              case 't' -> w.append('\t');
              case 'r' -> w.append('\r');
              case '"', '\\' -> w.append(e);
              case '\n' -> { } // an escaped newline joins the lines
              default -> w.append('\\').append(e);
            }
          } else {
            w.append(d);
          }
        }
        i++; // the closing quote
      } else if (c == '\\') {
        if (i < line.length()) {
          char e = line.charAt(i++);
          if (e != '\n') {
            w.append(e);
            inWord = true;
          }
        }
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(w.toString());
          w.setLength(0);
          inWord = false;
        }
      } else {
        w.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(w.toString());
    }
    return words;
  }
}
