package io.lattice.cli.inspect;

/**
 * The input cannot be inspected at all (missing, not a log, unreadable). The message is one line
 * that names the path and says what to do; it is printed as is.
 */
final class InspectException extends Exception {
  private static final long serialVersionUID = 1L;

  InspectException(String message) {
    super(message);
  }

  InspectException(String message, Throwable cause) {
    super(message, cause);
  }
}
