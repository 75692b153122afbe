package io.lattice.cli.inspect;

/**
 * The log changed between checking it and reading its entries (a running node truncated a
 * conflicting suffix, rolled or compacted a segment): what was printed may not match the header.
 */
final class LogChangedException extends Exception {
  private static final long serialVersionUID = 1L;

  LogChangedException(String message) {
    super(message);
  }
}
