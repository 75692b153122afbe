package io.lattice.security;

import io.lattice.tls.Identities;
import io.lattice.tls.Identities.Role;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a TLS session's peer certificate was found to be against one CA bundle: its common name,
 * whether the bundle issued it, whether it is a node certificate, and the client role it carries.
 *
 * <p>Decided on the first call of a session and kept in the session ({@link
 * SSLSession#putValue}), so that the later calls of the connection parse no certificate name and
 * check no chain: every key-value request is a call of its own, and reading the subject three
 * times per call (name, node or not, role) cost more than the encryption of the request. The
 * certificate of a session cannot change, and a reload of the CA bundle applies to the sessions
 * that start after it, as the handshake's own check does.
 *
 * @param name the subject's common name ("" if none)
 * @param trusted whether the CA bundle issued the chain
 * @param node whether it is a node certificate ({@link Identities#isNode})
 * @param role the role a client presenting it has: READWRITE for a node certificate
 */
record SessionVerdict(String name, boolean trusted, boolean node, Role role) {
  private static final String KEY_PREFIX = "lattice.verdict.";

  /**
   * The verdict on the session's peer certificate against {@code ca}, decided now or on an
   * earlier call of the same session; null when the session presented no certificate (or there
   * is no session: plaintext). A session that keeps no values is decided on every call.
   */
  static SessionVerdict of(SSLSession session, ReloadingTrustManager ca) {
    if (session == null) {
      return null;
    }
    String key = KEY_PREFIX + ca.flag();
    Object known = null;
    try {
      known = session.getValue(key);
    } catch (RuntimeException e) {
      // a session that keeps no values: decide every time
    }
    if (known instanceof SessionVerdict v) {
      return v;
    }
    X509Certificate[] chain = chainOf(session);
    if (chain == null) {
      return null;
    }
    SessionVerdict v = decide(chain, ca);
    try {
      session.putValue(key, v);
    } catch (RuntimeException e) {
      // as above
    }
    return v;
  }

  /** The verdict on {@code chain} (a presented one, leaf first) against {@code ca}. */
  static SessionVerdict decide(X509Certificate[] chain, ReloadingTrustManager ca) {
    X509Certificate leaf = chain[0];
    boolean node = Identities.isNode(leaf);
    return new SessionVerdict(Identities.commonName(leaf), ca.trustsClient(chain), node,
        node ? Role.READWRITE : Identities.roleOf(leaf));
  }

  /** The chain of the session's peer certificate, or null when it presented none. */
  private static X509Certificate[] chainOf(SSLSession session) {
    try {
      Certificate[] certs = session.getPeerCertificates();
      if (certs == null || certs.length == 0) {
        return null;
      }
      X509Certificate[] chain = new X509Certificate[certs.length];
      for (int i = 0; i < certs.length; i++) {
        if (!(certs[i] instanceof X509Certificate c)) {
          return null;
        }
        chain[i] = c;
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
