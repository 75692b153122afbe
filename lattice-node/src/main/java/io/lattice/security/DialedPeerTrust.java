package io.lattice.security;

import io.lattice.tls.Identities;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust of the node's dials to one member: the server's certificate must pass the dialer's
 * trust (the peer CA, validity, host name: {@code delegate}) and then name that member, by the
 * rule the receiving side applies to {@code from_id} ({@link PeerIdentity}): a node certificate
 * (organizational unit {@value Identities#NODE_UNIT}) whose common name is the member id.
 * Otherwise the handshake fails with a {@link PeerIdentityMismatch}, before any request is sent:
 * a node that holds some other member's certificate and sits at (or is routed to) this member's
 * address gets nothing, and nothing it says is delivered.
 *
 * <p>Checked on every full handshake. The CA comes from {@code delegate}, which re-reads its file
 * when it changes, so rotation needs nothing here. Each refusal is counted; at most one line per
 * interval and member is logged ({@link RefusalLog}, with how many refusals it stands for), since
 * a refused peer is redialed every few hundred milliseconds.
 *
 * <p>Thread-safe (handshakes of one peer may overlap when its channel is replaced).
 */
final class DialedPeerTrust extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(DialedPeerTrust.class);

  private final String selfId;
  private final String expected;
  private final X509ExtendedTrustManager delegate;
  private final CertificateRefusals refusals;
  private final RefusalLog refusalLog;

  /**
   * @param refusalLog the log limit of dials to {@code expected}: shared by every trust of that
   *     member, so that new channels (an address change, a diagnostic dial) do not log more
   */
  DialedPeerTrust(String selfId, String expected, X509ExtendedTrustManager delegate,
      CertificateRefusals refusals, RefusalLog refusalLog) {
    this.selfId = Objects.requireNonNull(selfId);
    this.expected = Objects.requireNonNull(expected);
    if (expected.isEmpty()) {
      // "" is what a certificate that is not a node's presents: it must never match
      throw new IllegalArgumentException("a dial needs the member id it expects");
    }
    this.delegate = Objects.requireNonNull(delegate);
    this.refusals = Objects.requireNonNull(refusals);
    this.refusalLog = Objects.requireNonNull(refusalLog);
  }

  /**
   * At most one line per interval about the dials to one member: the first refusal is logged,
   * the ones within the interval after it are counted, and the next line says how many.
   * Thread-safe.
   */
  static final class RefusalLog {
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private boolean loggedOnce;
    private long lastLogNanos;
    private long unlogged;

    RefusalLog(LongSupplier nanoClock, long intervalNanos) {
      this.nanoClock = Objects.requireNonNull(nanoClock);
      this.intervalNanos = intervalNanos;
    }

    /** -1 if this refusal is not to be logged, else how many were left out before it. */
    synchronized long admit() {
      long now = nanoClock.getAsLong();
      if (loggedOnce && now - lastLogNanos < intervalNanos) {
        unlogged++;
        return -1;
      }
      loggedOnce = true;
      lastLogNanos = now;
      long skipped = unlogged;
      unlogged = 0;
      return skipped;
    }
  }

  /** The member id this trust accepts. */
  String expected() {
    return expected;
  }

  /** Accepts {@code chain} only if its leaf is a node certificate naming {@link #expected}. */
  void checkNames(X509Certificate[] chain, String address) throws PeerIdentityMismatch {
    X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
    String presented = leaf != null && Identities.isNode(leaf) ? Identities.commonName(leaf) : "";
    if (presented.equals(expected)) {
      return;
    }
    PeerIdentityMismatch m = new PeerIdentityMismatch(expected, presented, address);
    refusals.counted(m.getMessage());
    long skipped = refusalLog.admit();
    if (skipped >= 0) {
      log.warn("{}: {}{}", selfId, m.getMessage(),
          skipped == 0 ? "" : " (" + skipped + " more refusals of this member not logged)");
    }
    throw m;
  }

  private static String addressOf(SSLEngine engine) {
    return engine == null || engine.getPeerHost() == null ? ""
        : engine.getPeerHost() + ":" + engine.getPeerPort();
  }

  private static String addressOf(Socket socket) {
    return socket == null || socket.getInetAddress() == null ? ""
        : socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
    checkNames(chain, "");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, socket);
    checkNames(chain, addressOf(socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, engine);
    checkNames(chain, addressOf(engine));
  }

  /** A dialer is never a server: refused. */
  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("the peer dialer does not accept clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
