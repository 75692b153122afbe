package io.lattice.cli;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the libraries' logging (gRPC and Netty log through java.util.logging, stack traces
 * included, e.g. for a host name that does not resolve) off the terminal unless {@code -v}: the
 * command's own one-line error says what went wrong, and {@code -v} shows the rest. Set for every
 * command run (one-shot or in the shell), so {@code -v} on one shell command does not stay on.
 */
final class LibraryLogging {
  /** Held so that the level set on it is not lost when the logger is garbage collected. */
  private static final Logger ROOT = Logger.getLogger("");
  /** The root level as the JVM configured it, restored with {@code -v}. */
  private static final Level CONFIGURED = ROOT.getLevel();

  private LibraryLogging() {}

  /** Library log records reach the console only if {@code verbose}. */
  static synchronized void configure(boolean verbose) {
    ROOT.setLevel(verbose ? CONFIGURED : Level.OFF);
  }
}
