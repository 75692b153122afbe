package io.lattice.cli.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.tls.Identities;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * The one place where a call that failed for a reason of security becomes a message in plain
 * words: the cluster refused the credentials (PERMISSION_DENIED, UNAUTHENTICATED: the server's
 * message is relayed), or the TLS connection could not be made (untrusted or expired server
 * certificate, wrong host name, a server that wants a client certificate or refuses ours, our own
 * certificate expired, plaintext against TLS and the other way round). No retry can cure any of
 * them, so the call ends at once ({@link ClientException.Outcome#DENIED}).
 *
 * <p>The cause is found in the failed call's exception chain ({@link SSLException}, {@link
 * CertificateExpiredException}, {@link java.security.cert.CertPathValidatorException}, ...); the details a person
 * needs (when the certificate expired, which hosts it names) come from the certificates
 * themselves: ours from our files, the server's from a {@link TlsProbe} made after the failure.
 * gRPC's own wording never reaches the message (it is in the stack trace with {@code -v}).
 */
final class AccessErrors {
  /** What a call needs of the client's certificate, for the hint after PERMISSION_DENIED. */
  enum Need {
    /** Reads of keys and of the cluster's status. */
    READ,
    /** Writes of keys (and the session they need). */
    WRITE,
    /** Changes to the cluster: members, leadership, snapshots. */
    ADMIN
  }

  private final ClientTls tls;
  /** Probes of servers after failures that did not show whether they speak TLS, by address. */
  private final Map<String, TlsProbe.Seen> probed = new ConcurrentHashMap<>();

  /** For a client that dials with {@code tls} (null: plaintext). */
  AccessErrors(ClientTls tls) {
    this.tls = tls;
  }

  /**
   * The message for {@code e}, the failure of a call to {@code address} that needed {@code need},
   * if it failed for a reason of security; null otherwise (the caller goes on as before).
   */
  String explain(StatusRuntimeException e, String address, Need need) {
    Status.Code code = e.getStatus().getCode();
    if (code == Status.Code.PERMISSION_DENIED) {
      return "permission denied by " + RpcError.of(e).describe(address) + hint(need);
    }
    if (code == Status.Code.UNAUTHENTICATED) {
      String why = tls == null ? " (it wants TLS and a client certificate: give --cacert, "
          + "--cert and --key, or --certs-dir DIR)"
          : tls.certFile() == null ? " (it wants a client certificate: give --cert FILE and "
              + "--key FILE, or --certs-dir DIR holding client.root.crt)" : "";
      return "not authenticated by " + RpcError.of(e).describe(address) + why;
    }
    if (has(e, ConnectException.class) || RpcError.of(e).info() != null) {
      return null; // nothing listens there, or a node answered: not a question of security
    }
    boolean tlsFailed = has(e, SSLException.class);
    if (!tlsFailed && code != Status.Code.UNAVAILABLE) {
      return null;
    }
    String host = Endpoints.host(address);
    if (tls == null) {
      TlsProbe.Seen seen = probed.computeIfAbsent(address,
          a -> TlsProbe.probe(host, Endpoints.port(a)));
      return seen.speaksTls() ? "the server at " + address + " speaks TLS and this client "
          + "dialled plaintext: give the CA that signed its certificate with --cacert FILE (or "
          + "--certs-dir DIR holding ca.crt)" : null;
    }
    Instant now = Instant.now();
    if (tls.certFile() != null) {
      X509Certificate ours = firstOf(tls.certFile());
      if (ours != null && ours.getNotAfter().toInstant().isBefore(now)) {
        return "our certificate " + tls.certFile() + " expired at "
            + ours.getNotAfter().toInstant() + ": make a new one (lattice cert create-client "
            + "NAME)";
      }
    }
    TlsProbe.Seen seen = tlsFailed ? TlsProbe.probe(host, Endpoints.port(address))
        : probed.computeIfAbsent(address, a -> TlsProbe.probe(host, Endpoints.port(a)));
    if (!seen.connected()) {
      return null;
    }
    if (!seen.speaksTls()) {
      return "the server at " + address + " does not speak TLS: leave out --cacert, --cert, "
          + "--key and --certs-dir (and LATTICE_CACERT, LATTICE_CERT, LATTICE_KEY, "
          + "LATTICE_CERTS_DIR) to connect in plaintext";
    }
    if (!tlsFailed) {
      return null; // a TLS server, and a failure that is not the handshake's
    }
    X509Certificate leaf = seen.chain()[0];
    if (has(e, CertificateExpiredException.class) || leaf.getNotAfter().toInstant().isBefore(now)) {
      return "the server's certificate at " + address + " expired at "
          + leaf.getNotAfter().toInstant();
    }
    if (has(e, CertificateNotYetValidException.class)
        || leaf.getNotBefore().toInstant().isAfter(now)) {
      return "the server's certificate at " + address + " is not valid before "
          + leaf.getNotBefore().toInstant() + " (is a clock wrong?)";
    }
    if (!signedByCa(seen.chain())) { // what CertPathValidatorException/-BuilderException say
      return "the server's certificate at " + address + " is not signed by the CA in "
          + tls.caFile();
    }
    List<String> hosts = Identities.hosts(leaf);
    if (!matches(hosts, host)) {
      return "the server's certificate is for " + (hosts.isEmpty() ? "no host"
          : String.join(", ", hosts)) + ", not " + host;
    }
    if (seen.clientCertificateRequested() && tls.certFile() == null) {
      return "the server at " + address + " wants a client certificate: give --cert FILE and "
          + "--key FILE (or --certs-dir DIR holding client.root.crt and client.root.key)";
    }
    if (seen.clientCertificateRequested()) {
      return "the server at " + address + " refused our certificate " + tls.certFile()
          + " (is it signed by the CA the server trusts?): " + rootMessage(e);
    }
    return "the TLS handshake with " + address + " failed: " + rootMessage(e);
  }

  private static String hint(Need need) {
    return switch (need) {
      case ADMIN -> " (this needs an admin certificate: lattice cert create-client NAME --admin)";
      case WRITE -> " (writes need a read-write or admin certificate, not a --readonly one)";
      case READ -> "";
    };
  }

  private boolean signedByCa(X509Certificate[] chain) {
    List<X509Certificate> cas = certificates(tls.caFile());
    for (X509Certificate c : chain) {
      for (X509Certificate ca : cas) {
        if (Identities.signedBy(c, ca)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether {@code host} is one of {@code names} (an IP by value; a DNS name, "*." for one label). */
  static boolean matches(List<String> names, String host) {
    boolean ip = host.contains(":") || host.matches("[0-9.]+");
    for (String n : names) {
      if (ip) {
        try {
          if ((n.contains(":") || n.matches("[0-9.]+"))
              && InetAddress.getByName(n).equals(InetAddress.getByName(host))) {
            return true;
          }
        } catch (UnknownHostException e) {
          // not an address
        }
      } else {
        String h = host.toLowerCase(Locale.ROOT);
        String d = n.toLowerCase(Locale.ROOT);
        if (d.equals(h) || (d.startsWith("*.") && h.indexOf('.') > 0
            && h.substring(h.indexOf('.')).equals(d.substring(1)))) {
          return true;
        }
      }
    }
    return false;
  }

  private static X509Certificate firstOf(Path file) {
    List<X509Certificate> certs = certificates(file);
    return certs.isEmpty() ? null : certs.get(0);
  }

  private static List<X509Certificate> certificates(Path file) {
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    } catch (IOException | CertificateException e) {
      // unreadable: nothing to compare with
    }
    return out;
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
