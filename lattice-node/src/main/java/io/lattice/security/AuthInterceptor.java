package io.lattice.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.lattice.security.MethodAccess.Need;
import io.lattice.tls.Identities;
import io.lattice.tls.Identities.Role;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Checks every call on a TLS listener against {@link MethodAccess}, before any service sees it.
 *
 * <ul>
 *   <li>Peer calls ({@code lattice.v1.Raft}) need a certificate from the peer CA with the
 *       organizational unit {@value Identities#NODE_UNIT} (UNAUTHENTICATED without one from that
 *       CA, PERMISSION_DENIED for one that is not a node's); the member id it names goes into the
 *       call's {@link Context} ({@link PeerIdentity}), where the peer service compares it with
 *       each message's {@code from_id}.
 *   <li>Client calls, with {@code --client-cert-auth}: a certificate from the trusted CA
 *       (UNAUTHENTICATED otherwise) whose role allows the method (PERMISSION_DENIED, naming the
 *       role needed and the certificate's name). A node certificate presented by a client counts
 *       as READWRITE: it may read and write keys, never change the cluster. Without {@code
 *       --client-cert-auth} client calls are not checked.
 *   <li>A method without a decision in the table is refused (PERMISSION_DENIED).
 * </ul>
 *
 * <p>Which CA issued the connection's certificate is decided once per TLS session and kept in the
 * session, so a call costs no signature check.
 */
final class AuthInterceptor implements ServerInterceptor {
  private static final ServerCall.Listener<?> NOTHING = new ServerCall.Listener<>() {};

  private final String selfId;
  /** The peer CA, or null when peer calls are not served here. */
  private final ReloadingTrustManager peerCa;
  /** The client CA with --client-cert-auth, or null: client calls unchecked. */
  private final ReloadingTrustManager clientCa;

  AuthInterceptor(String selfId, ReloadingTrustManager peerCa, ReloadingTrustManager clientCa) {
    this.selfId = selfId;
    this.peerCa = peerCa;
    this.clientCa = clientCa;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Need need = MethodAccess.of(method);
    if (need == null) {
      return refuse(call, AuthErrors.permissionDenied(selfId, method
          + " has no access decision on this member: refused"));
    }
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    X509Certificate[] chain = chainOf(session);
    if (need == Need.PEER) {
      if (peerCa == null) {
        return refuse(call, AuthErrors.permissionDenied(selfId,
            "peer calls are not served on this listener"));
      }
      if (chain == null) {
        return refuse(call, AuthErrors.unauthenticated(selfId, method + " needs "
            + need.roleNeeded() + " (" + peerCa.flag() + "): the connection presented none"));
      }
      String name = Identities.commonName(chain[0]);
      if (!trusts(session, peerCa, chain)) {
        return refuse(call, AuthErrors.unauthenticated(selfId, method + " needs "
            + need.roleNeeded() + " (" + peerCa.flag() + "); certificate '" + name
            + "' is not from it"));
      }
      if (!Identities.isNode(chain[0])) {
        return refuse(call, AuthErrors.permissionDenied(selfId, method + " needs "
            + need.roleNeeded() + "; certificate '" + name + "' is not a node certificate "
            + "(organizational unit '" + Identities.NODE_UNIT + "')"));
      }
      Context ctx = Context.current().withValue(PeerIdentity.MEMBER, name);
      return Contexts.interceptCall(ctx, call, headers, next);
    }
    if (clientCa == null) {
      return next.startCall(call, headers);
    }
    if (chain == null) {
      return refuse(call, AuthErrors.unauthenticated(selfId, method + " refused: this member "
          + "requires a client certificate (--client-cert-auth) and the connection presented "
          + "none"));
    }
    String name = Identities.commonName(chain[0]);
    if (!trusts(session, clientCa, chain)) {
      return refuse(call, AuthErrors.unauthenticated(selfId, method + " refused: certificate '"
          + name + "' is not from the client CA (" + clientCa.flag() + ")"));
    }
    Role role = roleOf(chain[0]);
    if (!need.allows(role)) {
      return refuse(call, AuthErrors.permissionDenied(selfId, method + " needs "
          + need.roleNeeded() + "; certificate '" + name + "' has role " + role));
    }
    return next.startCall(call, headers);
  }

  /** A client's role: a node certificate is READWRITE, others as {@link Identities#roleOf}. */
  static Role roleOf(X509Certificate cert) {
    return Identities.isNode(cert) ? Role.READWRITE : Identities.roleOf(cert);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call,
      StatusRuntimeException e) {
    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
    @SuppressWarnings("unchecked")
    ServerCall.Listener<Q> nothing = (ServerCall.Listener<Q>) NOTHING;
    return nothing;
  }

  /** The verified chain of the connection's client certificate, or null (none, or plaintext). */
  private static X509Certificate[] chainOf(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] certs = session.getPeerCertificates();
      if (certs == null || certs.length == 0 || !(certs[0] instanceof X509Certificate)) {
        return null;
      }
      X509Certificate[] chain = new X509Certificate[certs.length];
      for (int i = 0; i < certs.length; i++) {
        chain[i] = (X509Certificate) certs[i];
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** Whether {@code ca} issued the chain; decided once per session. */
  private static boolean trusts(SSLSession session, ReloadingTrustManager ca,
      X509Certificate[] chain) {
    String key = "lattice.trusted-by." + ca.flag();
    Object known = null;
    try {
      known = session.getValue(key);
    } catch (RuntimeException e) {
      // a session that keeps no values: decide every time
    }
    if (known instanceof Boolean b) {
      return b;
    }
    boolean trusted = ca.trustsClient(chain);
    try {
      session.putValue(key, trusted);
    } catch (RuntimeException e) {
      // as above
    }
    return trusted;
  }
}
