package io.lattice.cli.output;

/** How a command prints its result ({@code -o/--output}). */
public enum OutputFormat {
  /** For people: short lines (and tables where a command lists things). */
  text,
  /** One JSON document on stdout, for programs. */
  json,
  /** Aligned columns with a header row. */
  table
}
