package io.lattice.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The node's own certificate chain and private key, from PEM files that are re-read when they
 * change ({@link WatchedFiles}): a rotated certificate is presented on the next handshake, and
 * connections already open keep theirs.
 *
 * <p>Each loaded pair has its own alias, so a handshake that chose an alias before a reload still
 * gets the chain and the key of that same pair.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private record Material(String alias, X509Certificate[] chain, PrivateKey key) {}

  private final WatchedFiles<Material> files;
  private Material latest;
  private volatile Material previous;

  /**
   * @throws IOException if the files cannot be read now, or the key is not the certificate's
   */
  ReloadingKeyManager(String flags, Path certFile, Path keyFile, LongSupplier nanoClock)
      throws IOException {
    long[] loads = {0};
    this.files = new WatchedFiles<>(flags, List.of(certFile, keyFile), () -> {
      List<X509Certificate> chain = PemFiles.certificates(certFile);
      PrivateKey key = PemFiles.privateKey(keyFile);
      PemFiles.checkPair(chain.get(0), key, certFile, keyFile);
      return new Material("lattice-" + (loads[0]++), chain.toArray(X509Certificate[]::new), key);
    }, nanoClock);
  }

  /** The certificate presented on the next handshake. */
  X509Certificate certificate() {
    return material().chain[0];
  }

  /** The current pair; the one before a reload is kept for handshakes that chose it. */
  private Material material() {
    Material m = files.current();
    synchronized (this) {
      if (m != latest) {
        previous = latest;
        latest = m;
      }
    }
    return m;
  }

  private Material byAlias(String alias) {
    Material m = material();
    if (m.alias.equals(alias)) {
      return m;
    }
    Material p = previous;
    return p != null && p.alias.equals(alias) ? p : null;
  }

  private String aliasFor(String keyType) {
    Material m = material();
    return fits(m.key, keyType) ? m.alias : null;
  }

  /** Whether a key may serve a TLS key type ("EC", "EC_EC", "RSA", "RSASSA-PSS"; null: any). */
  static boolean fits(PrivateKey key, String keyType) {
    if (keyType == null) {
      return true;
    }
    String alg = key.getAlgorithm();
    return keyType.equals(alg) || (alg.equals("EC") && keyType.equals("EC_EC"))
        || (alg.equals("RSA") && keyType.equals("RSASSA-PSS"));
  }

  private String clientAlias(String[] keyTypes) {
    if (keyTypes == null) {
      return aliasFor(null);
    }
    for (String t : keyTypes) {
      String a = aliasFor(t);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return aliasFor(keyType);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return clientAlias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine e) {
    return clientAlias(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = aliasFor(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return getServerAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Material m = byAlias(alias);
    return m == null ? null : m.chain.clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Material m = byAlias(alias);
    return m == null ? null : m.key;
  }
}
