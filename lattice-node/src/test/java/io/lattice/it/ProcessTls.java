package io.lattice.it;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.lattice.security.TestPki;
import io.lattice.tls.Identities.Role;
import io.lattice.tls.IssuedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the nodes of a multi-process test are secured: either {@code --insecure}, or TLS with a CA
 * and node certificates made at run time in the test's temp directory, {@code --client-cert-auth},
 * and test clients that present an admin certificate. Every node a test starts gets one or the
 * other (a node with neither refuses to start).
 */
final class ProcessTls {
  private final TestPki pki;
  private final IssuedCertificate admin;

  private ProcessTls(TestPki pki) {
    this.pki = pki;
    this.admin = pki == null ? null : pki.client("it-admin", Role.ADMIN);
  }

  /** Plaintext nodes (--insecure) and plaintext clients. */
  static ProcessTls insecure() {
    return new ProcessTls(null);
  }

  /** TLS nodes with client certificate auth; certificates under {@code dir}. */
  static ProcessTls tls(Path dir) {
    try {
      return new ProcessTls(new TestPki(Files.createDirectories(dir)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** TLS when {@code -Dlattice.it.tls=true}, else insecure. */
  static ProcessTls fromProperty(Path dir) {
    return ItProperties.boolValue("lattice.it.tls", false) ? tls(dir) : insecure();
  }

  boolean isTls() {
    return pki != null;
  }

  /** The security flags of node {@code id}. */
  List<String> nodeFlags(String id) {
    return pki == null ? List.of("--insecure") : pki.nodeFlags(id, true);
  }

  /** A client channel to {@code address} (with TLS: an admin certificate). */
  ManagedChannel channel(String address) {
    return pki == null ? ManagedChannelBuilder.forTarget(address).usePlaintext().build()
        : pki.channel(address, admin);
  }
}
