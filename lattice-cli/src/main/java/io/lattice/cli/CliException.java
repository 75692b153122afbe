package io.lattice.cli;

/**
 * A failure a command reports with a one-line message and a specific exit code (see {@link
 * ExitCodes}); {@link ErrorHandler} prints it as {@code lattice: <message>}.
 */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CliException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  public static CliException failure(String message) {
    return new CliException(ExitCodes.FAILURE, message);
  }

  public static CliException notFound(String message) {
    return new CliException(ExitCodes.NOT_FOUND, message);
  }
}
