package io.lattice.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CAs of one PEM bundle ({@code --trusted-ca-file} or {@code --peer-trusted-ca-file}), re-read
 * when the file changes ({@link WatchedFiles}). Verification is the JDK's PKIX (with the engine,
 * so a client's host-name check applies); this class only adds the reload and, for a refusal, a
 * reason in plain words ({@link CertificateRefusals#describe}).
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
  private record Material(X509ExtendedTrustManager delegate, List<X509Certificate> cas) {}

  private final String flag;
  private final Path file;
  private final WatchedFiles<Material> files;

  /** @throws IOException if the bundle cannot be read now (the message names the file) */
  ReloadingTrustManager(String flag, Path file, LongSupplier nanoClock) throws IOException {
    this.flag = flag;
    this.file = file;
    this.files = new WatchedFiles<>(flag, List.of(file), () -> load(file), nanoClock);
  }

  private static Material load(Path file) throws IOException {
    List<X509Certificate> cas = PemFiles.certificates(file);
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
      f.init(store);
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return new Material(x, cas);
        }
      }
      throw new IOException(file + ": the JDK offers no X509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IOException(file + ": cannot use these CA certificates: " + e.getMessage(), e);
    }
  }

  /** The flag this bundle came from, for messages. */
  String flag() {
    return flag;
  }

  /** Whether {@code chain} (a client's) leads to a CA of this bundle. Never throws, never logs. */
  boolean trustsClient(X509Certificate[] chain) {
    try {
      files.current().delegate.checkClientTrusted(chain, "UNKNOWN");
      return true;
    } catch (CertificateException | RuntimeException e) {
      return false;
    }
  }

  /** Why {@code chain} is refused, in plain words. */
  String refusal(X509Certificate[] chain, Exception e) {
    return CertificateRefusals.describe(chain, files.current().cas, flag + " " + file, e);
  }

  private CertificateException refused(X509Certificate[] chain, CertificateException e) {
    return new CertificateException(refusal(chain, e), e);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      files.current().delegate.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      files.current().delegate.checkClientTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      files.current().delegate.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    try {
      files.current().delegate.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    try {
      files.current().delegate.checkServerTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    try {
      files.current().delegate.checkServerTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw refused(chain, e);
    }
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return files.current().delegate.getAcceptedIssuers();
  }
}
