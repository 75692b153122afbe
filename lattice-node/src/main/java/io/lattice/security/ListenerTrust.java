package io.lattice.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust of one TLS endpoint (a listener, or the node's peer dialer): a certificate is accepted
 * if any of the bundles trusts it (one listener serving clients and peers trusts both CAs; {@link
 * AuthInterceptor} then checks, per service, which CA issued it). Every refusal is counted and
 * logged in plain words ({@link CertificateRefusals}).
 */
final class ListenerTrust extends X509ExtendedTrustManager {
  private final String name;
  private final List<ReloadingTrustManager> bundles;
  private final CertificateRefusals refusals;

  ListenerTrust(String name, List<ReloadingTrustManager> bundles, CertificateRefusals refusals) {
    if (bundles.isEmpty()) {
      throw new IllegalArgumentException("a listener's trust needs at least one CA bundle");
    }
    this.name = name;
    this.bundles = List.copyOf(bundles);
    this.refusals = refusals;
  }

  private void checkClient(X509Certificate[] chain, Check first) throws CertificateException {
    for (int i = 1; i < bundles.size(); i++) {
      if (bundles.get(i).trustsClient(chain)) {
        return;
      }
    }
    try {
      first.run();
    } catch (CertificateException e) {
      refusals.refused(name, "client " + e.getMessage());
      throw e;
    }
  }

  private void checkServer(Check check) throws CertificateException {
    try {
      check.run();
    } catch (CertificateException e) {
      refusals.refused(name, "server " + e.getMessage());
      throw e;
    }
  }

  private interface Check {
    void run() throws CertificateException;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    checkClient(chain, () -> bundles.get(0).checkClientTrusted(chain, authType));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClient(chain, () -> bundles.get(0).checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClient(chain, () -> bundles.get(0).checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    checkServer(() -> bundles.get(0).checkServerTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServer(() -> bundles.get(0).checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServer(() -> bundles.get(0).checkServerTrusted(chain, authType, engine));
  }

  /**
   * None: the listener names no CA in its certificate request, so that a client holding a
   * certificate of another CA (or a self-signed one) still presents it and is refused with a
   * reason that says so, instead of presenting nothing.
   */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
