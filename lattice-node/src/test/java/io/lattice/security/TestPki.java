package io.lattice.security;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.lattice.tls.CertificateAuthority;
import io.lattice.tls.CertificateRequest;
import io.lattice.tls.Identities.Role;
import io.lattice.tls.IssuedCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * A CA and certificates made at run time in a test's temp directory (no key is ever committed):
 * node certificates valid for 127.0.0.1 and localhost, client certificates of each role, and
 * channels that present them.
 */
public final class TestPki {
  public static final List<String> HOSTS = List.of("127.0.0.1", "localhost");

  public final Path dir;
  public final CertificateAuthority ca;
  public final Path caFile;

  public TestPki(Path dir) {
    this.dir = dir;
    this.ca = CertificateAuthority.create("test CA", Instant.now(), Duration.ofDays(2));
    this.caFile = dir.resolve("ca.crt");
    try {
      io.lattice.tls.Pem.writeCertificate(caFile, ca.certificate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A node certificate for {@code id}, written to {@code id.crt} / {@code id.key}. */
  public IssuedCertificate node(String id) {
    return write(id, ca.issue(CertificateRequest.node(id, HOSTS, Instant.now(),
        Duration.ofDays(1))));
  }

  /** A client certificate of {@code role}, written to {@code name.crt} / {@code name.key}. */
  public IssuedCertificate client(String name, Role role) {
    return write(name, ca.issue(CertificateRequest.client(name, role, Instant.now(),
        Duration.ofDays(1))));
  }

  public IssuedCertificate write(String name, IssuedCertificate c) {
    try {
      c.write(cert(name), key(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return c;
  }

  public Path cert(String name) {
    return dir.resolve(name + ".crt");
  }

  public Path key(String name) {
    return dir.resolve(name + ".key");
  }

  /** The flags of a TLS node {@code id} (its node certificate written first if missing). */
  public List<String> nodeFlags(String id, boolean clientCertAuth) {
    if (!cert(id).toFile().exists()) {
      node(id);
    }
    List<String> f = new ArrayList<>(List.of("--cert-file", cert(id).toString(),
        "--key-file", key(id).toString(), "--trusted-ca-file", caFile.toString(),
        "--peer-cert-file", cert(id).toString(), "--peer-key-file", key(id).toString(),
        "--peer-trusted-ca-file", caFile.toString()));
    if (clientCertAuth) {
      f.add("--client-cert-auth");
    }
    return f;
  }

  /** The settings of a TLS node {@code id}. */
  public TlsSettings settings(String id, boolean clientCertAuth) {
    if (!cert(id).toFile().exists()) {
      node(id);
    }
    return new TlsSettings(cert(id), key(id), caFile, clientCertAuth, cert(id), key(id), caFile,
        false);
  }

  /** A TLS channel that trusts this CA and presents {@code identity} (null: no certificate). */
  public ManagedChannel channel(String address, IssuedCertificate identity) {
    return NettyChannelBuilder.forTarget(address).sslContext(clientContext(identity)).build();
  }

  /** The client TLS context of {@link #channel}. */
  public SslContext clientContext(IssuedCertificate identity) {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.certificate());
      if (identity != null) {
        b.keyManager(identity.privateKey(), identity.certificate());
      }
      return b.build();
    } catch (SSLException e) {
      throw new UncheckedIOException(e);
    }
  }

}
