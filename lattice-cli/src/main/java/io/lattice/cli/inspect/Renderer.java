package io.lattice.cli.inspect;

/**
 * Writes an inspection to standard output: {@link #begin} once, {@link #entry} for each printed
 * entry in index order, {@link #end} once. Problems for the operator go to standard error from
 * {@link LogInspector}, never through a renderer.
 */
interface Renderer {
  /** Called once before any entry, with the checked log. */
  void begin(LogReport report, LogInspector.Options options);

  void entry(EntryLine line);

  /** Called once after the last entry. */
  void end(LogReport report, WalkResult walk, LogInspector.Options options);
}
