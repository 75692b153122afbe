package io.lattice.cli.client;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * How the CLI dials TLS: the CA that must have signed the server's certificate and, for servers
 * that ask for one (mutual TLS), the client's certificate and key (PEM files, as {@code lattice
 * cert} writes them). A client without a {@code ClientTls} dials plaintext.
 *
 * @param caFile the trusted CA certificate(s) (required)
 * @param certFile the client certificate, or null to present none
 * @param keyFile its private key; null exactly when {@code certFile} is
 */
public record ClientTls(Path caFile, Path certFile, Path keyFile) {
  public ClientTls {
    Objects.requireNonNull(caFile, "caFile");
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("a client certificate needs its key, and a key its "
          + "certificate");
    }
  }

  /**
   * gRPC's client TLS context for these files (BoringSSL when grpc-netty-shaded carries it for
   * this platform, else the JDK's TLS); the server's host name is checked against its
   * certificate.
   *
   * @throws ClientException FAILED naming the file that could not be read
   */
  SslContext sslContext() {
    SslContextBuilder b = GrpcSslContexts.forClient();
    try {
      b.trustManager(caFile.toFile());
    } catch (IllegalArgumentException e) {
      throw unreadable("--cacert " + caFile, e);
    }
    if (certFile != null) {
      try {
        b.keyManager(certFile.toFile(), keyFile.toFile());
      } catch (IllegalArgumentException e) {
        throw unreadable("--cert " + certFile + " / --key " + keyFile, e);
      }
    }
    try {
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw unreadable("the TLS files (" + caFile + (certFile == null ? "" : ", " + certFile
          + ", " + keyFile) + ")", e);
    }
  }

  private static ClientException unreadable(String what, Exception e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return new ClientException(ClientException.Outcome.FAILED, "cannot use " + what + ": "
        + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()), e);
  }
}
