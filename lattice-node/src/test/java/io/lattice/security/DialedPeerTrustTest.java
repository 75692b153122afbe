package io.lattice.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lattice.tls.Identities.Role;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dialer's check that the server it reached is the member it dialed, and its log limit. */
class DialedPeerTrustTest {
  @TempDir Path tmp;

  @Test
  void acceptsOnlyANodeCertificateNamingTheDialedMember() throws Exception {
    TestPki pki = new TestPki(tmp);
    CertificateRefusals refusals = new CertificateRefusals();
    DialedPeerTrust trust = new DialedPeerTrust("n1", "n2", new AcceptAll(), refusals,
        new DialedPeerTrust.RefusalLog(() -> 0, 1));

    assertThatCode(() -> trust.checkServerTrusted(chain(pki.node("n2").certificate()), "RSA"))
        .doesNotThrowAnyException();
    assertThat(refusals.count()).isZero();

    PeerIdentityMismatch other = catchThrowableOfType(PeerIdentityMismatch.class,
        () -> trust.checkServerTrusted(chain(pki.node("n3").certificate()), "RSA"));
    assertThat(other.expected()).isEqualTo("n2");
    assertThat(other.presented()).isEqualTo("n3");
    assertThat(other).hasMessageContaining("dialed member 'n2'")
        .hasMessageContaining("names member 'n3'");

    // a client certificate whose common name is "n2" is still not a node certificate
    PeerIdentityMismatch client = catchThrowableOfType(PeerIdentityMismatch.class,
        () -> trust.checkServerTrusted(chain(pki.client("n2", Role.ADMIN).certificate()),
            "RSA"));
    assertThat(client.presented()).isEmpty();
    assertThat(client).hasMessageContaining("not a node certificate");
    assertThat(refusals.count()).isEqualTo(2);
    assertThat(refusals.last()).contains("not a node certificate");
  }

  @Test
  void noTrustExpectsTheEmptyIdThatANonNodeCertificatePresents() {
    assertThatThrownBy(() -> new DialedPeerTrust("n1", "", new AcceptAll(),
        new CertificateRefusals(), new DialedPeerTrust.RefusalLog(() -> 0, 1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theCaCheckComesFirstAndItsReasonIsKept() {
    TestPki pki = new TestPki(tmp);
    CertificateException fromCa = new CertificateException("not from the peer CA");
    DialedPeerTrust trust = new DialedPeerTrust("n1", "n2", new AcceptAll() {
      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        throw fromCa;
      }
    }, new CertificateRefusals(), new DialedPeerTrust.RefusalLog(() -> 0, 1));
    CertificateException e = catchThrowableOfType(CertificateException.class,
        () -> trust.checkServerTrusted(chain(pki.node("n3").certificate()), "RSA"));
    assertThat(e).isSameAs(fromCa);
  }

  @Test
  void logsOneLinePerIntervalAndCountsTheRest() {
    AtomicLong now = new AtomicLong(1_000);
    DialedPeerTrust.RefusalLog log = new DialedPeerTrust.RefusalLog(now::get, 100);
    assertThat(log.admit()).isZero();
    now.addAndGet(10);
    assertThat(log.admit()).isEqualTo(-1);
    now.addAndGet(89);
    assertThat(log.admit()).isEqualTo(-1);
    now.addAndGet(1);
    assertThat(log.admit()).as("after the interval: logged, with the two left out").isEqualTo(2);
    assertThat(log.admit()).isEqualTo(-1);
  }

  @Test
  void theMismatchIsFoundInACauseChain() {
    PeerIdentityMismatch m = new PeerIdentityMismatch("n2", "n3", "127.0.0.1:1");
    assertThat(PeerIdentityMismatch.in(new RuntimeException(new IllegalStateException(m))))
        .isSameAs(m);
    RuntimeException suppressing = new RuntimeException("handshake");
    suppressing.addSuppressed(m);
    assertThat(PeerIdentityMismatch.in(suppressing)).isSameAs(m);
    assertThat(PeerIdentityMismatch.in(new RuntimeException("other"))).isNull();
    assertThat(PeerIdentityMismatch.in(null)).isNull();
    assertThat(m).hasMessageContaining("at 127.0.0.1:1");
  }

  private static X509Certificate[] chain(X509Certificate leaf) {
    return new X509Certificate[] {leaf};
  }

  /** A CA check that accepts everything: these tests are about the names. */
  private static class AcceptAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] c, String a) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, Socket s)
        throws CertificateException {
      checkServerTrusted(c, a);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e)
        throws CertificateException {
      checkServerTrusted(c, a);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
