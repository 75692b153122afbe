/**
 * TLS and authorization of a node's listeners and of its connections to peers (a services-layer
 * package: {@code io.lattice.server} and {@code io.lattice.transport} use it; it uses neither).
 *
 * <ul>
 *   <li>{@link io.lattice.security.TlsSettings}: the etcd-named flags, validated as a whole (no
 *       certificates and no {@code --insecure}, or a partial configuration, is refused with a
 *       message that names what is missing).
 *   <li>{@link io.lattice.security.NodeSecurity}: what the settings build: the TLS of the client
 *       listener, of the peer listener, and of the connections the node dials to its peers.
 *   <li>{@link io.lattice.security.ReloadingKeyManager} and {@link
 *       io.lattice.security.ReloadingTrustManager}: certificates and CAs re-read from their files
 *       when the files change, without a restart.
 *   <li>{@link io.lattice.security.MethodAccess}: the one table of what each RPC needs, and {@link
 *       io.lattice.security.AuthInterceptor}, which enforces it and tells the peer service which
 *       member a call's certificate names ({@link io.lattice.security.PeerIdentity}).
 *   <li>{@link io.lattice.security.DialedPeerTrust}: the same rule on the dialing side, in the
 *       handshake: a dial to member X accepts only a certificate that names X ({@link
 *       io.lattice.security.PeerIdentityMismatch} otherwise, turned into PERMISSION_DENIED by the
 *       peer channels' {@link io.lattice.security.PeerSecurity#dialInterceptor}).
 * </ul>
 *
 * <p>How a certificate names a member or a role is decided in one place only: {@link
 * io.lattice.tls.Identities}.
 */
package io.lattice.security;
