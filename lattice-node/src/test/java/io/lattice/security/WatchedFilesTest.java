package io.lattice.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.tls.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate files are looked at no more than once a second; a changed pair is used from then
 * on; a half-written or mismatched one keeps the old pair.
 */
class WatchedFilesTest {
  @TempDir Path tmp;
  private final AtomicLong clock = new AtomicLong();

  private void tick() {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1001));
  }

  @Test
  void aRotatedPairIsUsedAfterTheNextCheckAndABrokenOneKeepsTheOld() throws Exception {
    TestPki pki = new TestPki(tmp);
    IssuedCertificate first = pki.node("n1");
    ReloadingKeyManager km = new ReloadingKeyManager("--cert-file/--key-file", pki.cert("n1"),
        pki.key("n1"), clock::get);
    assertThat(km.certificate()).isEqualTo(first.certificate());

    IssuedCertificate second = pki.node("n1");
    assertThat(km.certificate()).as("not looked at within the second")
        .isEqualTo(first.certificate());
    tick();
    assertThat(km.certificate()).isEqualTo(second.certificate());

    // a key file still being written (the first half of a key made now), then a key that is not
    // the certificate's
    IssuedCertificate other = pki.ca.issue(io.lattice.tls.CertificateRequest.node("n1",
        TestPki.HOSTS, java.time.Instant.now(), java.time.Duration.ofDays(1)));
    io.lattice.tls.Pem.writePrivateKey(pki.key("n1"), other.privateKey());
    String whole = Files.readString(pki.key("n1"));
    Files.writeString(pki.key("n1"), whole.substring(0, whole.length() / 2));
    tick();
    assertThat(km.certificate()).isEqualTo(second.certificate());
    io.lattice.tls.Pem.writePrivateKey(pki.key("n1"), other.privateKey());
    tick();
    assertThat(km.certificate()).isEqualTo(second.certificate());
    String alias = km.chooseEngineServerAlias("EC", null, null);
    assertThat(km.getPrivateKey(alias)).isEqualTo(second.privateKey());

    // the matching certificate arrives: the pair is whole again
    io.lattice.tls.Pem.writeCertificate(pki.cert("n1"), other.certificate());
    tick();
    assertThat(km.certificate()).isEqualTo(other.certificate());
    assertThat(km.getPrivateKey(alias)).as("a handshake that chose the old alias")
        .isEqualTo(second.privateKey());
  }
}
