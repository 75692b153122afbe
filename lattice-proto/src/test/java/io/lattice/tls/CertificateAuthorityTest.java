package io.lattice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
  private static final Instant NOW = Instant.now();

  @TempDir Path dir;

  @Test
  void nodeCertificateNamesItsMemberAndHostsAndChainsToTheCa() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test CA", NOW, Duration.ofDays(30));
    IssuedCertificate node = ca.issue(CertificateRequest.node("n1",
        List.of("localhost", "127.0.0.1", "::1"), NOW, Duration.ofDays(1)));
    X509Certificate cert = node.certificate();

    assertThat(Identities.commonName(cert)).isEqualTo("n1");
    assertThat(Identities.isNode(cert)).isTrue();
    assertThat(cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))))
        .containsExactly("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");
    assertThat(cert.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"); // serverAuth, clientAuth
    cert.verify(ca.certificate().getPublicKey());
    trusting(ca.certificate()).checkServerTrusted(new X509Certificate[] {cert}, "ECDHE_ECDSA");
    trusting(ca.certificate()).checkClientTrusted(new X509Certificate[] {cert}, "ECDHE_ECDSA");
  }

  @Test
  void clientRolesAreReadFromTheOrganizationalUnit() {
    CertificateAuthority ca = CertificateAuthority.create("ca", NOW, Duration.ofDays(1));
    for (Identities.Role role : Identities.Role.values()) {
      X509Certificate cert = ca.issue(
          CertificateRequest.client("alice", role, NOW, Duration.ofDays(1))).certificate();
      assertThat(Identities.roleOf(cert)).isEqualTo(role);
      assertThat(Identities.commonName(cert)).isEqualTo("alice");
      assertThat(Identities.isNode(cert)).isFalse();
    }
  }

  @Test
  void filesRoundTripAndTheKeyIsPrivate() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("ca", NOW, Duration.ofDays(1));
    ca.write(dir.resolve("ca.crt"), dir.resolve("ca.key"));
    CertificateAuthority loaded = CertificateAuthority.load(dir.resolve("ca.crt"), dir.resolve("ca.key"));
    assertThat(loaded.certificate()).isEqualTo(ca.certificate());

    IssuedCertificate client = loaded.issue(
        CertificateRequest.client("bob", Identities.Role.ADMIN, NOW, Duration.ofDays(1)));
    client.write(dir.resolve("bob.crt"), dir.resolve("bob.key"));
    String pkcs8Label = "PRIVATE" + " KEY"; // unencrypted PKCS#8, RFC 7468 section 10
    assertThat(Files.readAllLines(dir.resolve("bob.key")).get(0))
        .isEqualTo("-----BEGIN " + pkcs8Label + "-----");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("bob.key"))))
        .isEqualTo("rw-------");
    X509Certificate read = Pem.readCertificates(dir.resolve("bob.crt")).get(0);
    read.verify(ca.certificate().getPublicKey());

    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(Pem.readPrivateKey(dir.resolve("bob.key")));
    s.update(new byte[] {1, 2, 3});
    byte[] sig = s.sign();
    s.initVerify(read.getPublicKey());
    s.update(new byte[] {1, 2, 3});
    assertThat(s.verify(sig)).isTrue();
  }

  @Test
  void aLeafIsNotAcceptedAsACa() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("ca", NOW, Duration.ofDays(1));
    ca.issue(CertificateRequest.client("c", Identities.Role.READWRITE, NOW, Duration.ofDays(1)))
        .write(dir.resolve("c.crt"), dir.resolve("c.key"));
    assertThatThrownBy(() -> CertificateAuthority.load(dir.resolve("c.crt"), dir.resolve("c.key")))
        .hasMessageContaining("not a CA certificate");
  }

  @Test
  void expiredAndSelfSignedCertificatesAreRefusedByATrustManager() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("ca", NOW, Duration.ofDays(1));
    CertificateRequest node = CertificateRequest.node("n1", List.of("127.0.0.1"), NOW, Duration.ofDays(1));
    X509Certificate expired = ca.issue(node.withValidity(NOW.minus(Duration.ofDays(3)),
        NOW.minus(Duration.ofDays(2)))).certificate();
    assertThatThrownBy(expired::checkValidity).isInstanceOf(CertificateExpiredException.class);
    assertThatThrownBy(() -> trusting(ca.certificate())
        .checkServerTrusted(new X509Certificate[] {expired}, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);

    X509Certificate self = CertificateAuthority.selfSigned(node).certificate();
    assertThatThrownBy(() -> trusting(ca.certificate())
        .checkServerTrusted(new X509Certificate[] {self}, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void requestsAreChecked() {
    assertThatThrownBy(() -> CertificateRequest.node(" ", List.of(), NOW, Duration.ofDays(1)))
        .hasMessageContaining("common name");
    assertThatThrownBy(() -> CertificateRequest.node("n1", List.of(), NOW, Duration.ofDays(-1)))
        .hasMessageContaining("not after");
    assertThat(CertificateAuthority.isIpLiteral("10.0.0.1")).isTrue();
    assertThat(CertificateAuthority.isIpLiteral("node1.example")).isFalse();
    assertThat(CertificateAuthority.isIpLiteral("999.1.1.1")).isFalse();
  }

  private static X509TrustManager trusting(X509Certificate ca) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return (X509TrustManager) tmf.getTrustManagers()[0];
  }
}
