/**
 * Certificates for Lattice's TLS: a small certificate authority ({@link
 * io.lattice.tls.CertificateAuthority}) that issues node and client certificates, PEM files, and
 * {@link io.lattice.tls.Identities}, the one place that says how a certificate names a member or
 * a client's role. Needs BouncyCastle's bcpkix on the class path (an optional dependency of this
 * module: the CLI and the tests carry it).
 */
package io.lattice.tls;
