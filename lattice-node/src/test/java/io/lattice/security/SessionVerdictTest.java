package io.lattice.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lattice.tls.Identities.Role;
import io.lattice.tls.IssuedCertificate;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection's certificate is read once per TLS session: the name, role and issuer decided on
 * its first call are what its later calls get, without the certificate being read again.
 */
class SessionVerdictTest {
  @TempDir Path dir;
  private TestPki pki;
  private ReloadingTrustManager clientCa;

  @BeforeEach
  void setUp() throws Exception {
    pki = new TestPki(Files.createDirectories(dir.resolve("pki")));
    clientCa = new ReloadingTrustManager("--trusted-ca-file", pki.caFile, System::nanoTime);
  }

  @Test
  void aSessionsCertificateIsReadOnceAndItsVerdictKept() {
    FakeSession s = new FakeSession(pki.client("alice", Role.ADMIN));
    SessionVerdict first = SessionVerdict.of(s.session, clientCa);
    assertEquals(new SessionVerdict("alice", true, false, Role.ADMIN), first);
    for (int i = 0; i < 5; i++) {
      assertSame(first, SessionVerdict.of(s.session, clientCa));
    }
    assertEquals(1, s.certificateReads.get(), "the certificate was read on every call");
  }

  @Test
  void eachCaBundleHasItsOwnVerdict() throws Exception {
    TestPki other = new TestPki(Files.createDirectories(dir.resolve("other")));
    ReloadingTrustManager peerCa = new ReloadingTrustManager("--peer-trusted-ca-file",
        other.caFile, System::nanoTime);
    FakeSession s = new FakeSession(pki.node("n2"));
    SessionVerdict asClient = SessionVerdict.of(s.session, clientCa);
    SessionVerdict asPeer = SessionVerdict.of(s.session, peerCa);
    assertEquals(new SessionVerdict("n2", true, true, Role.READWRITE), asClient);
    assertEquals(new SessionVerdict("n2", false, true, Role.READWRITE), asPeer);
    assertNotSame(asClient, asPeer);
    assertSame(asPeer, SessionVerdict.of(s.session, peerCa));
  }

  @Test
  void roles() {
    assertEquals(Role.READONLY, SessionVerdict.of(new FakeSession(pki.client("r",
        Role.READONLY)).session, clientCa).role());
    assertEquals(Role.READWRITE, SessionVerdict.of(new FakeSession(pki.client("w",
        Role.READWRITE)).session, clientCa).role());
  }

  @Test
  void noCertificateOrNoSessionHasNoVerdictAndNothingIsKept() {
    FakeSession s = new FakeSession(null);
    assertNull(SessionVerdict.of(s.session, clientCa));
    assertNull(SessionVerdict.of(s.session, clientCa));
    assertTrue(s.values.isEmpty());
    assertNull(SessionVerdict.of(null, clientCa));
  }

  @Test
  void aSessionThatKeepsNoValuesIsDecidedOnEveryCall() {
    FakeSession s = new FakeSession(pki.client("bob", Role.READWRITE));
    s.keepsValues = false;
    SessionVerdict v = SessionVerdict.of(s.session, clientCa);
    assertEquals(v, SessionVerdict.of(s.session, clientCa));
    assertFalse(v == null);
    assertEquals(2, s.certificateReads.get());
  }

  /** An SSLSession that holds one peer certificate (or none) and counts how often it is read. */
  private static final class FakeSession {
    final AtomicInteger certificateReads = new AtomicInteger();
    final Map<String, Object> values = new HashMap<>();
    boolean keepsValues = true;
    final SSLSession session;

    FakeSession(IssuedCertificate peer) {
      session = (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(),
          new Class<?>[] {SSLSession.class}, (proxy, method, args) -> {
            switch (method.getName()) {
              case "getPeerCertificates":
                certificateReads.incrementAndGet();
                if (peer == null) {
                  throw new SSLPeerUnverifiedException("none");
                }
                return new Certificate[] {peer.certificate()};
              case "getValue":
                if (!keepsValues) {
                  throw new UnsupportedOperationException();
                }
                return values.get((String) args[0]);
              case "putValue":
                if (!keepsValues) {
                  throw new UnsupportedOperationException();
                }
                values.put((String) args[0], args[1]);
                return null;
              case "hashCode":
                return System.identityHashCode(proxy);
              case "equals":
                return proxy == args[0];
              default:
                throw new UnsupportedOperationException(method.getName());
            }
          });
    }
  }
}
