package io.lattice.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A certificate and its private key, as issued by a {@link CertificateAuthority}. */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {
  public IssuedCertificate {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(privateKey, "privateKey");
  }

  /**
   * Writes the certificate and the key as PEM (the key as unencrypted PKCS#8, which gRPC's Netty
   * and the JDK read; readable by its owner only). Each file is written whole or not at all.
   */
  public void write(Path certFile, Path keyFile) throws IOException {
    Pem.writeCertificate(certFile, certificate);
    Pem.writePrivateKey(keyFile, privateKey);
  }
}
