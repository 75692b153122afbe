package io.lattice.cli.client;

/**
 * A request that did not succeed, classified by what the caller can conclude from it. The message
 * is one line meant for a person (it names the member that refused, when known).
 */
public final class ClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What the failure means for the caller. */
  public enum Outcome {
    /** Refused or failed; for a write, it had no effect. */
    FAILED,
    /** A named object (a member id) does not exist. */
    NOT_FOUND,
    /** No endpoint answered, or the cluster had no leader, within the timeout; no effect. */
    UNAVAILABLE,
    /** A write may or may not have been applied. */
    INDETERMINATE,
    /**
     * Refused for a reason of security: the cluster refused our credentials (PERMISSION_DENIED,
     * UNAUTHENTICATED), or no TLS connection could be made (untrusted, expired or wrong-host
     * certificate, TLS against plaintext). No retry can help; the request had no effect.
     */
    DENIED,
    /** The caller cancelled the request (interrupt); a write may or may not have been applied. */
    CANCELLED
  }

  private final Outcome outcome;

  public ClientException(Outcome outcome, String message, Throwable cause) {
    super(message, cause);
    this.outcome = outcome;
  }

  public Outcome outcome() {
    return outcome;
  }
}
