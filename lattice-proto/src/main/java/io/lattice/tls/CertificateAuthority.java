package io.lattice.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority that issues the certificates a Lattice cluster needs (CockroachDB's
 * {@code cockroach cert} is the model): node certificates that name their member, and client
 * certificates that carry a role. Keys are ECDSA P-256, which every TLS stack Lattice meets
 * (BoringSSL in gRPC's Netty, the JDK's) supports and which is fast to generate.
 *
 * <p>The ASN.1 is BouncyCastle's (bcpkix); nothing here encodes certificates by hand.
 */
public final class CertificateAuthority {
  /** Validity of a CA made by {@link #create} without one: ten years, as CockroachDB's. */
  public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3653);

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey privateKey;

  private CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = certificate;
    this.privateKey = privateKey;
  }

  /** A new self-signed CA named {@code name}, valid from now (backdated a minute) for {@code validity}. */
  public static CertificateAuthority create(String name, Instant now, Duration validity) {
    Objects.requireNonNull(name, "name");
    KeyPair keys = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "Lattice").addRDN(BCStyle.CN, name).build();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(CertificateRequest.backdated(now)), Date.from(now.plus(validity)), subject,
          keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(b, keys.getPrivate()), keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not create a CA certificate: " + e.getMessage(), e);
    }
  }

  /** The CA whose certificate and private key are in these PEM files. */
  public static CertificateAuthority load(Path certFile, Path keyFile) throws IOException {
    X509Certificate cert = Pem.readCertificates(certFile).get(0);
    PrivateKey key = Pem.readPrivateKey(keyFile);
    if (cert.getBasicConstraints() < 0) {
      throw new IOException(certFile + " is not a CA certificate (no CA basic constraint)");
    }
    return new CertificateAuthority(cert, key);
  }

  /** The CA's own certificate (what nodes and clients trust). */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA's private key. */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /** Writes the CA certificate and key (the key readable by its owner only). */
  public void write(Path certFile, Path keyFile) throws IOException {
    new IssuedCertificate(certificate, privateKey).write(certFile, keyFile);
  }

  /** A certificate for {@code request}, with a new key, signed by this CA. */
  public IssuedCertificate issue(CertificateRequest request) {
    KeyPair keys = newKeyPair();
    X500Name issuer = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    return new IssuedCertificate(build(request, keys, issuer, privateKey), keys.getPrivate());
  }

  /** A certificate for {@code request} signed by its own key: trusted by nobody (tests use it). */
  public static IssuedCertificate selfSigned(CertificateRequest request) {
    KeyPair keys = newKeyPair();
    return new IssuedCertificate(build(request, keys, subjectOf(request), keys.getPrivate()),
        keys.getPrivate());
  }

  private static X509Certificate build(CertificateRequest request, KeyPair keys, X500Name issuer,
      PrivateKey signer) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(),
          Date.from(request.notBefore()), Date.from(request.notAfter()), subjectOf(request),
          keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      List<KeyPurposeId> purposes = new ArrayList<>();
      if (request.serverAuth()) {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
      }
      if (request.clientAuth()) {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
      }
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          ext.createSubjectKeyIdentifier(keys.getPublic()));
      if (!request.hosts().isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, altNames(request.hosts()));
      }
      return sign(b, signer);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("could not issue a certificate for "
          + request.commonName() + ": " + e.getMessage(), e);
    }
  }

  private static X500Name subjectOf(CertificateRequest request) {
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Lattice");
    for (String unit : request.organizationalUnits()) {
      name.addRDN(BCStyle.OU, unit);
    }
    return name.addRDN(BCStyle.CN, request.commonName()).build();
  }

  /** IP literals become iPAddress names (TLS clients match those for IP endpoints), the rest DNS names. */
  private static GeneralNames altNames(List<String> hosts) {
    List<GeneralName> names = new ArrayList<>();
    for (String host : hosts) {
      names.add(isIpLiteral(host)
          ? new GeneralName(GeneralName.iPAddress, host)
          : new GeneralName(GeneralName.dNSName, host));
    }
    return new GeneralNames(names.toArray(GeneralName[]::new));
  }

  static boolean isIpLiteral(String host) {
    if (host.contains(":")) {
      return true; // IPv6; a DNS name never contains ':'
    }
    if (!host.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).getHostAddress().equals(host); // no lookup for a literal
    } catch (IOException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer);
      return new JcaX509CertificateConverter().getCertificate(b.build(contentSigner));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make P-256 keys: " + e.getMessage(), e);
    }
  }

  /** A positive random 127-bit serial: unique with overwhelming probability, as RFC 5280 asks. */
  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}
