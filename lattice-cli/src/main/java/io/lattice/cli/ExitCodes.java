package io.lattice.cli;

/**
 * The exit codes of every {@code lattice} command (DESIGN §6). {@link ErrorHandler} is the one
 * place that maps failures to them.
 */
public final class ExitCodes {
  private ExitCodes() {}

  /** Success. */
  public static final int OK = 0;
  /** Any failure not covered below (refused request, failed comparison, I/O error, ...). */
  public static final int FAILURE = 1;
  /** The command line is wrong (unknown option, bad value, missing argument). */
  public static final int USAGE = 2;
  /** The key (or member id) does not exist. */
  public static final int NOT_FOUND = 3;
  /** No endpoint could be reached, or the cluster has no leader within the timeout. */
  public static final int UNAVAILABLE = 4;
  /** A write may or may not have been applied (its outcome is unknown). */
  public static final int INDETERMINATE = 5;
  /**
   * Refused for a reason of security: the cluster refused our credentials (PERMISSION_DENIED,
   * UNAUTHENTICATED), or no TLS connection could be made (untrusted, expired or wrong-host
   * certificate, a client certificate wanted or refused, TLS against plaintext).
   */
  public static final int DENIED = 6;

  /** The table shown in {@code --help} and the README, as picocli's {@code exitCodeList}. */
  static final String[] HELP_LIST = {
    "0:ok",
    "1:failure (refused request, failed comparison, ...)",
    "2:usage error",
    "3:key (or member id) not found",
    "4:cluster unavailable (no endpoint reachable, or no leader in time)",
    "5:indeterminate: the write may or may not have happened",
    "6:denied: permission denied, not authenticated, or the TLS connection failed",
  };
}
