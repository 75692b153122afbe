package io.lattice.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The TLS flags of a node, with etcd's names (the same keys in the config file), validated as a
 * whole by {@link #validate()}.
 *
 * <ul>
 *   <li>Client listener: {@code --cert-file}, {@code --key-file} (what the node presents to
 *       clients), {@code --trusted-ca-file} (the CA of client certificates), {@code
 *       --client-cert-auth} (every client call needs a certificate from that CA, and a role).
 *   <li>Peers, always mutual TLS: {@code --peer-cert-file}, {@code --peer-key-file} (a node
 *       certificate: OU node, CN = this member's id), {@code --peer-trusted-ca-file}.
 *   <li>{@code --insecure}: plaintext, no checks; excludes every flag above.
 * </ul>
 *
 * @param certFile null when not given
 */
public record TlsSettings(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth,
    Path peerCertFile, Path peerKeyFile, Path peerTrustedCaFile, boolean insecure) {

  /** The flags that configure TLS, for messages. */
  static final String TLS_FLAGS = "--cert-file and --key-file (the certificate clients see), "
      + "--peer-cert-file, --peer-key-file and --peer-trusted-ca-file (mutual TLS between members)";

  /** Plaintext on request. */
  public static TlsSettings insecureSettings() {
    return new TlsSettings(null, null, null, false, null, null, null, true);
  }

  /**
   * Null if the settings are complete and consistent, else a message naming what is missing or
   * conflicting (a usage error: the node does not start).
   */
  public String validate() {
    List<String> given = given();
    if (insecure) {
      return given.isEmpty() ? null
          : "--insecure excludes the TLS flags, but " + String.join(", ", given)
              + (given.size() == 1 ? " was" : " were") + " given: choose one";
    }
    if (given.isEmpty()) {
      return "this node has no certificates: give " + TLS_FLAGS + ", or --insecure to serve "
          + "plaintext without any authentication (anyone who can reach the port then controls "
          + "the cluster)";
    }
    List<String> problems = new ArrayList<>();
    if (certFile == null || keyFile == null) {
      problems.add(certFile == null && keyFile == null
          ? "--cert-file and --key-file are missing (the certificate this node presents to "
              + "clients)"
          : certFile == null ? "--key-file needs --cert-file" : "--cert-file needs --key-file");
    }
    if (clientCertAuth && trustedCaFile == null) {
      problems.add("--client-cert-auth needs --trusted-ca-file (the CA whose client "
          + "certificates are accepted)");
    }
    List<String> peerMissing = new ArrayList<>();
    if (peerCertFile == null) {
      peerMissing.add("--peer-cert-file");
    }
    if (peerKeyFile == null) {
      peerMissing.add("--peer-key-file");
    }
    if (peerTrustedCaFile == null) {
      peerMissing.add("--peer-trusted-ca-file");
    }
    if (!peerMissing.isEmpty()) {
      problems.add("peers always use mutual TLS: " + String.join(", ", peerMissing)
          + (peerMissing.size() == 1 ? " is" : " are") + " missing");
    }
    for (Path p : files()) {
      if (!Files.isReadable(p)) {
        problems.add(p + ": no such readable file");
      }
    }
    return problems.isEmpty() ? null : String.join("; ", problems);
  }

  private List<Path> files() {
    List<Path> out = new ArrayList<>();
    for (Path p : new Path[] {certFile, keyFile, trustedCaFile, peerCertFile, peerKeyFile,
        peerTrustedCaFile}) {
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  private List<String> given() {
    List<String> g = new ArrayList<>();
    add(g, certFile, "--cert-file");
    add(g, keyFile, "--key-file");
    add(g, trustedCaFile, "--trusted-ca-file");
    if (clientCertAuth) {
      g.add("--client-cert-auth");
    }
    add(g, peerCertFile, "--peer-cert-file");
    add(g, peerKeyFile, "--peer-key-file");
    add(g, peerTrustedCaFile, "--peer-trusted-ca-file");
    return g;
  }

  private static void add(List<String> g, Path p, String flag) {
    if (p != null) {
      g.add(flag);
    }
  }
}
