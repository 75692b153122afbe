package io.lattice.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a certificate issued by a {@link CertificateAuthority} says: its subject, the host names and
 * addresses it is valid for, its validity and whether it may serve TLS, open TLS connections, or
 * both.
 *
 * <p>Lattice reads identities from the subject: the common name is the member id of a node, or the
 * user name of a client; the organizational units carry roles ({@link Identities}).
 *
 * @param commonName the subject's CN: a member id or a client name (non-empty)
 * @param organizationalUnits the subject's OUs, in order (roles; may be empty)
 * @param hosts DNS names and IP addresses put in the subjectAltName (a server certificate needs the
 *     names clients dial it by; TLS clients check them)
 * @param notBefore start of validity
 * @param notAfter end of validity (after {@code notBefore})
 * @param serverAuth whether the certificate may authenticate a TLS server
 * @param clientAuth whether it may authenticate a TLS client
 */
public record CertificateRequest(String commonName, List<String> organizationalUnits,
    List<String> hosts, Instant notBefore, Instant notAfter, boolean serverAuth,
    boolean clientAuth) {

  /** Validity when none is given: one year for leaves (etcd's and CockroachDB's tools differ). */
  public static final Duration DEFAULT_LEAF_VALIDITY = Duration.ofDays(366);

  public CertificateRequest {
    Objects.requireNonNull(commonName, "commonName");
    if (commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate needs a non-empty common name");
    }
    organizationalUnits = List.copyOf(organizationalUnits);
    hosts = List.copyOf(hosts);
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
    }
    if (!serverAuth && !clientAuth) {
      throw new IllegalArgumentException("a certificate must allow server or client authentication");
    }
  }

  /**
   * A node's certificate: CN = member id, OU = {@value Identities#NODE_UNIT}, valid for {@code
   * hosts}, usable both to serve (client and peer listeners) and to dial peers (mutual TLS).
   */
  public static CertificateRequest node(String memberId, List<String> hosts, Instant now,
      Duration validity) {
    return new CertificateRequest(memberId, List.of(Identities.NODE_UNIT), hosts,
        backdated(now), now.plus(validity), true, true);
  }

  /**
   * A client's certificate: CN = {@code name}, OU = the role's unit (none for a read-write
   * client).
   */
  public static CertificateRequest client(String name, Identities.Role role, Instant now,
      Duration validity) {
    List<String> units = role.unit() == null ? List.of() : List.of(role.unit());
    return new CertificateRequest(name, units, List.of(), backdated(now), now.plus(validity),
        false, true);
  }

  /** This request with another validity window (tests use it for expired certificates). */
  public CertificateRequest withValidity(Instant from, Instant to) {
    return new CertificateRequest(commonName, organizationalUnits, hosts, from, to, serverAuth,
        clientAuth);
  }

  /** This request valid for other hosts (tests use it for wrong-host certificates). */
  public CertificateRequest withHosts(List<String> otherHosts) {
    return new CertificateRequest(commonName, organizationalUnits, otherHosts, notBefore, notAfter,
        serverAuth, clientAuth);
  }

  /** Start validity a minute early, so that a peer whose clock is slightly behind accepts it. */
  static Instant backdated(Instant now) {
    return now.minus(Duration.ofMinutes(1));
  }
}
