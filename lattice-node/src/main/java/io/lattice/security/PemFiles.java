package io.lattice.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM certificates and keys with the JDK alone (a node does not carry BouncyCastle). Keys
 * must be unencrypted PKCS#8 (PEM label {@value #KEY_LABEL}), which {@code lattice cert} writes and
 * {@code openssl pkcs8 -topk8 -nocrypt} converts to. Every failure is an IOException whose message
 * names the file and what is wrong with it.
 */
final class PemFiles {
  /** The PEM label of an unencrypted PKCS#8 key (RFC 7468 section 10). */
  static final String KEY_LABEL = "PRIVATE KEY";
  private static final String KEY_BEGIN = boundary("BEGIN", KEY_LABEL);
  private static final String KEY_END = boundary("END", KEY_LABEL);

  private PemFiles() {}

  /** A PEM boundary line: {@code -----BEGIN label-----} or {@code -----END label-----}. */
  static String boundary(String which, String label) {
    return "-----" + which + " " + label + "-----";
  }

  /** The certificates of a PEM file, in order (at least one). */
  static List<X509Certificate> certificates(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IOException(file + ": not a PEM certificate file (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new IOException(file + " holds no PEM certificate");
    }
    return out;
  }

  /** The unencrypted PKCS#8 private key (EC or RSA) of a PEM file. */
  static PrivateKey privateKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    int begin = text.indexOf(KEY_BEGIN);
    int end = text.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      if (text.contains(boundary("BEGIN", "ENCRYPTED " + KEY_LABEL))) {
        throw new IOException(file + " holds an encrypted key; the node needs it unencrypted "
            + "(readable by the node's user only)");
      }
      if (text.contains(boundary("BEGIN", "EC " + KEY_LABEL))
          || text.contains(boundary("BEGIN", "RSA " + KEY_LABEL))) {
        throw new IOException(file + " holds a key in OpenSSL's traditional format; convert it "
            + "to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY.pem");
      }
      throw new IOException(file + " holds no PEM private key (" + KEY_BEGIN + ")");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": the private key is not valid base64", e);
    }
    for (String alg : List.of("EC", "RSA")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException(file + ": the private key is neither an EC nor an RSA PKCS#8 key");
  }

  /**
   * Checks that {@code key} is the private key of {@code cert} by signing with one and verifying
   * with the other: a certificate whose key file is still being replaced is never used.
   */
  static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile)
      throws IOException {
    String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "lattice key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      if (v.verify(sig)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another algorithm than the certificate's: not a pair
    }
    throw new IOException(keyFile + " is not the private key of the certificate in " + certFile);
  }
}
