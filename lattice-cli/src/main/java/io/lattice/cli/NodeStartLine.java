package io.lattice.cli;

import io.lattice.cli.client.Endpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code lattice-node} command line that starts a member added with {@code lattice member add}:
 * it joins the running cluster (the node learns the membership from the leader, so it needs no
 * peer list) under the cluster's id, secured as the cluster is: on a TLS cluster with the TLS
 * flags, naming the files {@code lattice cert create-node ID} writes ({@link CertsDir}), and the
 * client CA with {@code --client-cert-auth} when the cluster requires client certificates; on a
 * plaintext cluster with {@code --insecure}. Without one or the other the node refuses to start.
 */
final class NodeStartLine {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

  /**
   * How the cluster is secured.
   *
   * @param tls TLS on the client and the peer listeners (else --insecure)
   * @param clientCertAuth client calls need a certificate from the trusted CA
   */
  record Security(boolean tls, boolean clientCertAuth) {
    static final Security INSECURE = new Security(false, false);

    Security {
      if (clientCertAuth && !tls) {
        throw new IllegalArgumentException("client certificate auth needs TLS");
      }
    }
  }

  private NodeStartLine() {}

  /**
   * The arguments after {@code lattice-node}.
   *
   * @param certsDir where {@code lattice cert create-node} wrote the member's certificate and key
   *     and the CA certificate (on the new member's machine)
   */
  static List<String> args(String id, String peerAddress, String clientAddress, String dataDir,
      String clusterId, Security security, Path certsDir) {
    List<String> a = new ArrayList<>(List.of("--id", id, "--listen-client", clientAddress,
        "--listen-peer", peerAddress, "--data-dir", dataDir, "--join", "--cluster-id",
        clusterId));
    if (!security.tls()) {
      a.add("--insecure");
      return a;
    }
    String cert = CertsDir.nodeCert(certsDir, id).toString();
    String key = CertsDir.nodeKey(certsDir, id).toString();
    String ca = CertsDir.caCert(certsDir).toString();
    a.addAll(List.of("--cert-file", cert, "--key-file", key));
    if (security.clientCertAuth()) {
      a.addAll(List.of("--trusted-ca-file", ca, "--client-cert-auth"));
    }
    a.addAll(List.of("--peer-cert-file", cert, "--peer-key-file", key,
        "--peer-trusted-ca-file", ca));
    return a;
  }

  /**
   * The arguments after {@code lattice} that make the member's certificate and key: {@code cert
   * create-node ID}, a {@code --host} for each host of its two addresses (the names it is dialed
   * by), and {@code --certs-dir} unless it is the default.
   */
  static List<String> certificateArgs(String id, String peerAddress, String clientAddress,
      Path certsDir) {
    List<String> a = new ArrayList<>(List.of("cert", "create-node", id));
    Set<String> hosts = new LinkedHashSet<>(List.of(Endpoints.host(peerAddress),
        Endpoints.host(clientAddress)));
    for (String h : hosts) {
      a.addAll(List.of("--host", h));
    }
    if (!certsDir.equals(CertsDir.DEFAULT)) {
      a.addAll(List.of("--certs-dir", certsDir.toString()));
    }
    return a;
  }

  /** The whole command line, with arguments quoted for a POSIX shell where needed. */
  static String line(List<String> args) {
    return line("lattice-node", args);
  }

  /** {@code command} and {@code args}, the arguments quoted for a POSIX shell where needed. */
  static String line(String command, List<String> args) {
    StringBuilder b = new StringBuilder(command);
    for (String a : args) {
      b.append(' ').append(PLAIN.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }
}
