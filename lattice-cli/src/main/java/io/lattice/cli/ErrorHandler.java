package io.lattice.cli;

import io.lattice.cli.client.ClientException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The one place where failures become exit codes and messages. Every error is one line on stderr,
 * {@code lattice: <message>}; the stack trace follows only with {@code --verbose}. Usage errors add
 * a hint to the command's help.
 */
final class ErrorHandler
    implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

  /** The exit code for a failure (see {@link ExitCodes}). */
  static int exitCodeOf(Throwable t) {
    if (t instanceof CliException e) {
      return e.exitCode();
    }
    if (t instanceof CommandLine.ParameterException) {
      return ExitCodes.USAGE;
    }
    if (t instanceof ClientException e) {
      return switch (e.outcome()) {
        case NOT_FOUND -> ExitCodes.NOT_FOUND;
        case UNAVAILABLE -> ExitCodes.UNAVAILABLE;
        case INDETERMINATE -> ExitCodes.INDETERMINATE;
        case DENIED -> ExitCodes.DENIED;
        case FAILED, CANCELLED -> ExitCodes.FAILURE;
      };
    }
    return ExitCodes.FAILURE;
  }

  /** The one-line message for a failure. */
  static String messageOf(Throwable t) {
    if (t instanceof CliException || t instanceof ClientException
        || t instanceof CommandLine.ParameterException) {
      return t.getMessage();
    }
    if (t instanceof java.io.IOException) {
      return t.getMessage() == null ? t.toString() : t.getMessage();
    }
    return "unexpected error: " + t;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl,
      CommandLine.ParseResult parseResult) {
    if (ex instanceof CommandLine.ParameterException pe) {
      return handleParseException(pe, new String[0]);
    }
    PrintWriter err = cl.getErr();
    cl.getOut().flush();
    err.println("lattice: " + messageOf(ex));
    if (verbose(cl)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return exitCodeOf(ex);
  }

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    String suggested = Suggestions.messageFor(ex);
    String message = suggested != null ? suggested : ex.getMessage();
    // picocli starts some messages with "Error: "; the "lattice: " prefix already says it
    err.println("lattice: " + (message.startsWith("Error: ") ? message.substring(7) : message));
    String path = cl.getCommandSpec().qualifiedName();
    if (interactive(cl)) {
      // in the shell, commands are typed without "lattice"
      path = path.equals("lattice") ? "help" : path.substring("lattice ".length()) + " --help";
      err.println("Type '" + path + "' for usage.");
    } else {
      err.println("Try '" + path + " --help' for usage.");
    }
    err.flush();
    return ExitCodes.USAGE;
  }

  private static boolean interactive(CommandLine cl) {
    Object root = cl.getCommandSpec().root().userObject();
    return root instanceof LatticeCommand lc && lc.ctx.interactive();
  }

  private static boolean verbose(CommandLine cl) {
    Object root = cl.getCommandSpec().root().userObject();
    return root instanceof LatticeCommand lc && lc.globals.verbose();
  }
}
