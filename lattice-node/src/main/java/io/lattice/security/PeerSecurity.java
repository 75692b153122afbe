package io.lattice.security;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.util.Objects;

/**
 * What the peer transport needs from the node's security: the credentials it dials peers with,
 * and whether every inbound peer message must come from the member its certificate names ({@link
 * PeerIdentity}).
 *
 * @param dialCredentials TLS with the node's peer certificate, or plaintext with --insecure
 * @param verifyPeerIdentity true with TLS; false only with --insecure (no identity to check)
 */
public record PeerSecurity(ChannelCredentials dialCredentials, boolean verifyPeerIdentity) {
  public PeerSecurity {
    Objects.requireNonNull(dialCredentials, "dialCredentials");
  }

  /** Plaintext and no identity check: --insecure, and tests of the transport alone. */
  public static PeerSecurity plaintext() {
    return new PeerSecurity(InsecureChannelCredentials.create(), false);
  }
}
