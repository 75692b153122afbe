package io.lattice.security;

import java.security.cert.CertificateException;

/**
 * The refusal of a peer dial whose server certificate, although issued by the peer CA, does not
 * name the member that was dialed: {@link #expected} is the member id the dialer wanted, {@link
 * #presented} the member id the certificate names ("" when it is not a node certificate at all).
 * Thrown in the TLS handshake, so no request is ever sent on such a connection; found again in a
 * failed call's cause chain with {@link #in}.
 */
public final class PeerIdentityMismatch extends CertificateException {
  private static final long serialVersionUID = 1L;

  private final String expected;
  private final String presented;

  PeerIdentityMismatch(String expected, String presented, String address) {
    super(message(expected, presented, address));
    this.expected = expected;
    this.presented = presented;
  }

  private static String message(String expected, String presented, String address) {
    String at = address == null || address.isEmpty() ? "" : " at " + address;
    return presented.isEmpty()
        ? "dialed member '" + expected + "'" + at + ", but the server presented a certificate "
            + "that is not a node certificate: refused"
        : "dialed member '" + expected + "'" + at + ", but the server's certificate names member '"
            + presented + "': refused";
  }

  /** The member id that was dialed. */
  public String expected() {
    return expected;
  }

  /** The member id the server's certificate names, "" if it is not a node certificate. */
  public String presented() {
    return presented;
  }

  /** The mismatch somewhere in {@code t}'s cause chain (suppressed ones included), or null. */
  public static PeerIdentityMismatch in(Throwable t) {
    for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
      if (t instanceof PeerIdentityMismatch m) {
        return m;
      }
      for (Throwable s : t.getSuppressed()) {
        if (s instanceof PeerIdentityMismatch m) {
          return m;
        }
      }
    }
    return null;
  }
}
