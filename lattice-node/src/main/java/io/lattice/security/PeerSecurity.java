package io.lattice.security;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.InsecureChannelCredentials;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the peer transport needs from the node's security: the credentials it dials each member
 * with, and whether every inbound peer message must come from the member its certificate names
 * ({@link PeerIdentity}).
 *
 * <p>With TLS, the credentials of member X accept only a server certificate from the peer CA that
 * names X ({@link DialedPeerTrust}): the dialing side checks who it reached as the receiving side
 * checks who called. Calls on such a refused connection fail with PERMISSION_DENIED once the
 * transport applies {@link #dialInterceptor}.
 */
public final class PeerSecurity {
  private final Function<String, ChannelCredentials> dialCredentials;
  private final boolean verifyPeerIdentity;

  /**
   * @param dialCredentials member id → TLS with the node's peer certificate that accepts only that
   *     member's server certificate, or plaintext with --insecure
   * @param verifyPeerIdentity true with TLS; false only with --insecure (no identity to check)
   */
  public PeerSecurity(Function<String, ChannelCredentials> dialCredentials,
      boolean verifyPeerIdentity) {
    this.dialCredentials = Objects.requireNonNull(dialCredentials, "dialCredentials");
    this.verifyPeerIdentity = verifyPeerIdentity;
  }

  /** Plaintext and no identity check: --insecure, and tests of the transport alone. */
  public static PeerSecurity plaintext() {
    ChannelCredentials plain = InsecureChannelCredentials.create();
    return new PeerSecurity(id -> plain, false);
  }

  /**
   * The credentials to dial {@code memberId} with (a new TLS context per call: the transport asks
   * once per peer and keeps them).
   */
  public ChannelCredentials dialCredentials(String memberId) {
    return dialCredentials.apply(Objects.requireNonNull(memberId, "memberId"));
  }

  /** Whether inbound messages must come from the member their certificate names. */
  public boolean verifyPeerIdentity() {
    return verifyPeerIdentity;
  }

  /**
   * The interceptor of the node's peer channels: a call that failed because the server was not
   * the member dialed ({@link PeerIdentityMismatch}) ends PERMISSION_DENIED, with the reason and a
   * message naming both ids, instead of gRPC's UNAVAILABLE "ssl exception".
   *
   * @param selfId this member, named in the error's details as the one that refused
   */
  public static ClientInterceptor dialInterceptor(String selfId) {
    return new DialRefusals(selfId);
  }
}
