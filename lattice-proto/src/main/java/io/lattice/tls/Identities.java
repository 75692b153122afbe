package io.lattice.tls;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * How Lattice reads who a certificate speaks for. One place, so that the certificates {@code
 * lattice cert} writes and the checks a node makes cannot drift apart.
 *
 * <ul>
 *   <li>A <b>node</b> certificate has the organizational unit {@value #NODE_UNIT}; its common name
 *       is the member id it speaks for.
 *   <li>A <b>client</b> certificate's common name is the user; its organizational unit is its role:
 *       {@value #ADMIN_UNIT} (everything, including membership changes), {@value #READONLY_UNIT}
 *       (reads only), none of those: read and write keys, no cluster changes.
 * </ul>
 */
public final class Identities {
  /** The OU of node (peer) certificates. */
  public static final String NODE_UNIT = "node";
  /** The OU of client certificates allowed to change the cluster. */
  public static final String ADMIN_UNIT = "admin";
  /** The OU of client certificates allowed only to read. */
  public static final String READONLY_UNIT = "readonly";

  /** What a client certificate allows. */
  public enum Role {
    /** Reads, writes and cluster administration. */
    ADMIN(ADMIN_UNIT),
    /** Reads and writes of keys; cluster status, but no change to the cluster. */
    READWRITE(null),
    /** Reads of keys and cluster status only. */
    READONLY(READONLY_UNIT);

    private final String unit;

    Role(String unit) {
      this.unit = unit;
    }

    /** The OU that marks this role, or null for the role a certificate has without one. */
    public String unit() {
      return unit;
    }
  }

  private Identities() {}

  /** The subject's common name, or "" if it has none. */
  public static String commonName(X509Certificate cert) {
    List<String> cns = attribute(cert, "CN");
    return cns.isEmpty() ? "" : cns.get(0);
  }

  /** The subject's organizational units, in order. */
  public static List<String> organizationalUnits(X509Certificate cert) {
    return attribute(cert, "OU");
  }

  /** Whether the certificate is a node's (OU {@value #NODE_UNIT}). */
  public static boolean isNode(X509Certificate cert) {
    return organizationalUnits(cert).contains(NODE_UNIT);
  }

  /**
   * The role of a client certificate: ADMIN if any OU is {@value #ADMIN_UNIT}, else READONLY if
   * any is {@value #READONLY_UNIT}, else READWRITE.
   */
  public static Role roleOf(X509Certificate cert) {
    List<String> units = organizationalUnits(cert);
    if (units.contains(ADMIN_UNIT)) {
      return Role.ADMIN;
    }
    return units.contains(READONLY_UNIT) ? Role.READONLY : Role.READWRITE;
  }

  /** The DNS names and IP addresses of the certificate's subjectAltName, in order. */
  public static List<String> hosts(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      java.util.Collection<List<?>> names = cert.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> n : names) {
          int type = (Integer) n.get(0);
          if (type == 2 || type == 7) { // dNSName, iPAddress
            out.add(String.valueOf(n.get(1)));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      // an unreadable extension lists no hosts
    }
    return out;
  }

  /** Whether {@code ca} issued {@code cert}: its name is the issuer and its key verifies the signature. */
  public static boolean signedBy(X509Certificate cert, X509Certificate ca) {
    if (!cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      return false;
    }
    try {
      cert.verify(ca.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException e) {
      return false; // another CA of the same name, or a forged signature
    }
  }

  private static List<String> attribute(X509Certificate cert, String type) {
    List<String> values = new ArrayList<>();
    try {
      LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
      for (Rdn rdn : name.getRdns()) { // LdapName lists RDNs right to left; order within is kept
        if (rdn.getType().equalsIgnoreCase(type)) {
          values.add(0, String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      throw new IllegalArgumentException("unreadable certificate subject: " + e.getMessage(), e);
    }
    return values;
  }
}
