package io.lattice.cli.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A look at what a server says in a TLS handshake, made only after a call has failed, to explain
 * the failure: whether it speaks TLS at all, the certificate it presents, and whether it asks for
 * a client certificate. The probe trusts anything and presents nothing, sends no data, and never
 * takes longer than {@link #TIMEOUT_MILLIS} to connect and as long again to read.
 */
final class TlsProbe {
  static final int TIMEOUT_MILLIS = 1000;

  /**
   * What the probe saw.
   *
   * @param connected whether a TCP connection was made (if not, nothing else is known)
   * @param chain the server's certificate chain, leaf first; null if it did not speak TLS
   * @param clientCertificateRequested whether the server asked for a client certificate
   */
  record Seen(boolean connected, X509Certificate[] chain, boolean clientCertificateRequested) {
    boolean speaksTls() {
      return chain != null && chain.length > 0;
    }
  }

  private TlsProbe() {}

  static Seen probe(String host, int port) {
    Recorder recorder = new Recorder();
    try (Socket raw = new Socket()) {
      try {
        raw.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
      } catch (IOException e) {
        return new Seen(false, null, false);
      }
      raw.setSoTimeout(TIMEOUT_MILLIS);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(new javax.net.ssl.KeyManager[] {new NoKey(recorder)},
          new javax.net.ssl.TrustManager[] {new TrustAll(recorder)}, null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, false)) {
        s.startHandshake();
      } catch (IOException e) {
        // the chain (if any) was recorded before the handshake failed
      }
    } catch (IOException | GeneralSecurityException e) {
      // fall through with what was recorded
    }
    return new Seen(true, recorder.chain, recorder.asked);
  }

  /** What the handshake showed, filled in by the two managers below. */
  private static final class Recorder {
    volatile X509Certificate[] chain;
    volatile boolean asked;
  }

  /** Trusts every server and records its chain. */
  private static final class TrustAll extends X509ExtendedTrustManager {
    private final Recorder r;

    TrustAll(Recorder r) {
      this.r = r;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
      r.chain = chain;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      r.chain = chain;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      r.chain = chain;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  /** Presents no certificate, and records that the server asked for one. */
  private static final class NoKey extends X509ExtendedKeyManager {
    private final Recorder r;

    NoKey(Recorder r) {
      this.r = r;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      r.asked = true;
      return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine e) {
      r.asked = true;
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return null;
    }
  }
}
