package io.lattice.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A table of text cells printed as aligned columns under a header row. */
public final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) {
    this.headers = List.of(headers);
  }

  /** Adds a row; null cells print as "-". Must have one cell per header. */
  public Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("expected " + headers.size() + " cells, got "
          + cells.length);
    }
    List<String> r = new ArrayList<>();
    for (Object c : cells) {
      r.add(c == null ? "-" : oneLine(c.toString()));
    }
    rows.add(r);
    return this;
  }

  public int size() {
    return rows.size();
  }

  /** Prints the header and the rows, columns separated by two spaces, no trailing blanks. */
  public void print(PrintWriter out) {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    printRow(out, headers, width);
    for (List<String> r : rows) {
      printRow(out, r, width);
    }
    out.flush();
  }

  private static void printRow(PrintWriter out, List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      b.append(c);
      if (i < cells.size() - 1) {
        char[] pad = new char[width[i] - c.length() + 2];
        Arrays.fill(pad, ' ');
        b.append(pad);
      }
    }
    out.println(b.toString().stripTrailing());
  }

  private static String oneLine(String s) {
    return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
  }
}
