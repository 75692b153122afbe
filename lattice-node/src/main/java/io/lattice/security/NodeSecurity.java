package io.lattice.security;

import io.grpc.ChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node's {@link TlsSettings} build: the TLS of its client listener ({@link
 * #clientServerTls}), of its peer listener ({@link #peerServerTls}), and the credentials it dials
 * peers with ({@link #peerSecurity}: each member's accept only a certificate that names it). Certificates and CAs are re-read when their files
 * change. With --insecure everything is plaintext and nothing is checked.
 */
public final class NodeSecurity {
  private static final Logger log = LoggerFactory.getLogger(NodeSecurity.class);

  /** At most one log line per this interval per member whose dials are refused. */
  static final long DIAL_REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final boolean insecure;
  private final boolean clientCertAuth;
  private final ServerTls clientServerTls;
  private final ServerTls peerServerTls;
  private final PeerSecurity peerSecurity;
  private final ReloadingKeyManager clientKeys;
  private final CertificateRefusals refusals;

  private NodeSecurity(boolean insecure, boolean clientCertAuth, ServerTls clientServerTls,
      ServerTls peerServerTls, PeerSecurity peerSecurity, ReloadingKeyManager clientKeys,
      CertificateRefusals refusals) {
    this.insecure = insecure;
    this.clientCertAuth = clientCertAuth;
    this.clientServerTls = clientServerTls;
    this.peerServerTls = peerServerTls;
    this.peerSecurity = peerSecurity;
    this.clientKeys = clientKeys;
    this.refusals = refusals;
  }

  /** Plaintext, no checks: --insecure (and in-process tests that do not test security). */
  public static NodeSecurity insecure() {
    return new NodeSecurity(true, false, ServerTls.plaintext(), ServerTls.plaintext(),
        PeerSecurity.plaintext(), null, new CertificateRefusals());
  }

  /**
   * Builds the node's TLS from validated settings (with --insecure: {@link #insecure()}, and one
   * WARN line says so).
   *
   * @throws IllegalArgumentException if {@link TlsSettings#validate()} refuses the settings
   * @throws IOException if a file cannot be read or used (the message names it and why)
   */
  public static NodeSecurity create(String selfId, TlsSettings s) throws IOException {
    return create(selfId, s, System::nanoTime);
  }

  static NodeSecurity create(String selfId, TlsSettings s, LongSupplier nanoClock)
      throws IOException {
    Objects.requireNonNull(selfId, "selfId");
    String problem = s.validate();
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (s.insecure()) {
      log.warn("{}: --insecure: serving PLAINTEXT with no authentication: anyone who can reach "
          + "the port can read and write every key, change the membership, and send peer "
          + "messages as any member (peer identities are not checked)", selfId);
      return insecure();
    }
    ReloadingKeyManager clientKeys = new ReloadingKeyManager("--cert-file/--key-file",
        s.certFile(), s.keyFile(), nanoClock);
    ReloadingKeyManager peerKeys = new ReloadingKeyManager("--peer-cert-file/--peer-key-file",
        s.peerCertFile(), s.peerKeyFile(), nanoClock);
    ReloadingTrustManager peerCa = new ReloadingTrustManager("--peer-trusted-ca-file",
        s.peerTrustedCaFile(), nanoClock);
    ReloadingTrustManager clientCa = s.trustedCaFile() == null ? null
        : new ReloadingTrustManager("--trusted-ca-file", s.trustedCaFile(), nanoClock);
    ReloadingTrustManager clientAuthCa = s.clientCertAuth() ? clientCa : null;
    CertificateRefusals refusals = new CertificateRefusals();

    ServerTls client = new ServerTls(TlsContexts.server(clientKeys,
        clientCa == null ? null : new ListenerTrust(selfId + " client listener",
            List.of(clientCa), refusals),
        s.clientCertAuth() ? ClientAuth.REQUIRE : clientCa == null ? ClientAuth.NONE
            : ClientAuth.OPTIONAL),
        new AuthInterceptor(selfId, null, clientAuthCa));
    ServerTls peer = new ServerTls(TlsContexts.server(peerKeys,
        new ListenerTrust(selfId + " peer listener", List.of(peerCa), refusals),
        ClientAuth.REQUIRE), new AuthInterceptor(selfId, peerCa, null));
    ListenerTrust dialerTrust = new ListenerTrust(selfId + " peer dialer", List.of(peerCa),
        refusals);
    Map<String, DialedPeerTrust.RefusalLog> dialLogs = new ConcurrentHashMap<>();
    PeerSecurity dial = new PeerSecurity(member -> dialCredentials(selfId, member, peerKeys,
        dialerTrust, refusals, dialLogs.computeIfAbsent(member,
            m -> new DialedPeerTrust.RefusalLog(nanoClock, DIAL_REFUSAL_LOG_INTERVAL_NANOS))),
        true);
    dial.dialCredentials(selfId); // fails now, not at the first dial, if the context cannot build
    log.info("{}: TLS ({}) on; client certificates {}; peers use mutual TLS and are checked "
        + "against the member their certificate names, both on calls in and on dials out; certificate files are re-read when they "
        + "change", selfId, TlsContexts.provider(),
        s.clientCertAuth() ? "required (--client-cert-auth), admin calls need the admin role"
            : "not required");
    return new NodeSecurity(false, s.clientCertAuth(), client, peer, dial, clientKeys,
        refusals);
  }

  /**
   * TLS to {@code member}: the node's peer certificate, and a trust that accepts only a server
   * certificate from the peer CA naming {@code member} ({@link DialedPeerTrust}, at most one log
   * line per {@link #DIAL_REFUSAL_LOG_INTERVAL_NANOS} per member).
   */
  private static ChannelCredentials dialCredentials(String selfId, String member,
      ReloadingKeyManager keys, ListenerTrust trust, CertificateRefusals refusals,
      DialedPeerTrust.RefusalLog refusalLog) {
    try {
      return NettySslContextChannelCredentials.create(TlsContexts.client(keys,
          new DialedPeerTrust(selfId, member, trust, refusals, refusalLog)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot build the TLS context to dial " + member + ": "
          + e.getMessage(), e);
    }
  }

  /** Whether the node runs without TLS (--insecure). */
  public boolean isInsecure() {
    return insecure;
  }

  /** Whether every client call needs a certificate from the trusted CA (--client-cert-auth). */
  public boolean clientCertAuth() {
    return clientCertAuth;
  }

  /** The TLS of the client listener (KV, Cluster, health, reflection). */
  public ServerTls clientServerTls() {
    return clientServerTls;
  }

  /** The TLS of the peer listener (Raft): mutual TLS with the peer CA. */
  public ServerTls peerServerTls() {
    return peerServerTls;
  }

  /** How the transport dials peers, and whether it checks their identity. */
  public PeerSecurity peerSecurity() {
    return peerSecurity;
  }

  /** Certificates refused on this node's listeners and dials so far (tests, diagnostics). */
  public long refusedCertificates() {
    return refusals.count();
  }

  /** Why the latest certificate was refused ("" if none). */
  public String lastRefusal() {
    return refusals.last();
  }

  /** The certificate the client listener presents now (null with --insecure). */
  public java.security.cert.X509Certificate presentedCertificate() {
    return clientKeys == null ? null : clientKeys.certificate();
  }
}
