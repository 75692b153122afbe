package io.lattice.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;

/**
 * "Did you mean ...?" for a mistyped command, subcommand or option: the names nearest to what was
 * typed, by edit distance with transpositions (so {@code gett} finds {@code get} and {@code lsit}
 * finds {@code list}). Only close names are offered: at most one edit for short words, a third of
 * the word for longer ones; a word far from every name gets the list of names instead.
 */
final class Suggestions {
  private Suggestions() {}

  /**
   * The message for {@code ex}, if it is an unknown subcommand or option of a command (else
   * null): {@code unknown command 'gett' (did you mean get?)}.
   */
  static String messageFor(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
      return null;
    }
    CommandLine cl = ex.getCommandLine();
    String word = u.getUnmatched().get(0);
    String path = cl.getCommandSpec().qualifiedName();
    if (word.startsWith("-")) {
      String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
      List<String> near = nearest(name, cl.getCommandSpec().optionsMap().keySet());
      return "unknown option '" + name + "' of " + path
          + (near.isEmpty() ? "" : " (did you mean " + or(near) + "?)");
    }
    if (cl.getSubcommands().isEmpty()) {
      return null; // an extra argument, not a command name: picocli's message says which
    }
    List<String> names = new ArrayList<>(cl.getSubcommands().keySet());
    List<String> near = nearest(word, names);
    boolean root = cl.getCommandSpec().parent() == null;
    return "unknown " + (root ? "command '" + word + "'" : "subcommand '" + word + "' of " + path)
        + " (" + (near.isEmpty() ? (root ? "the commands are " : "its subcommands are ")
            + String.join(", ", names) : "did you mean " + or(near) + "?") + ")";
  }

  /** The names in {@code names} nearest to {@code word} and close enough to be meant. */
  static List<String> nearest(String word, Collection<String> names) {
    int limit = Math.max(1, word.length() / 3);
    int best = Integer.MAX_VALUE;
    List<String> out = new ArrayList<>();
    for (String n : names) {
      int d = distance(word, n);
      if (d > limit) {
        continue;
      }
      if (d < best) {
        best = d;
        out.clear();
      }
      if (d == best) {
        out.add(n);
      }
    }
    return out;
  }

  /** Edit distance with adjacent transpositions (optimal string alignment). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  private static String or(List<String> names) {
    if (names.size() == 1) {
      return names.get(0);
    }
    return String.join(", ", names.subList(0, names.size() - 1)) + " or "
        + names.get(names.size() - 1);
  }
}
