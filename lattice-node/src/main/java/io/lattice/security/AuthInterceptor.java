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
 * <p>What the connection's certificate is (its name, role, and which CA issued it) is decided once
 * per TLS session and kept in the session ({@link SessionVerdict}), so a call parses no
 * certificate and checks no signature.
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
    if (need == Need.PEER) {
      if (peerCa == null) {
        return refuse(call, AuthErrors.permissionDenied(selfId,
            "peer calls are not served on this listener"));
      }
      SessionVerdict v = SessionVerdict.of(session, peerCa);
      if (v == null) {
        return refuse(call, AuthErrors.unauthenticated(selfId, method + " needs "
            + need.roleNeeded() + " (" + peerCa.flag() + "): the connection presented none"));
      }
      if (!v.trusted()) {
        return refuse(call, AuthErrors.unauthenticated(selfId, method + " needs "
            + need.roleNeeded() + " (" + peerCa.flag() + "); certificate '" + v.name()
            + "' is not from it"));
      }
      if (!v.node()) {
        return refuse(call, AuthErrors.permissionDenied(selfId, method + " needs "
            + need.roleNeeded() + "; certificate '" + v.name() + "' is not a node certificate "
            + "(organizational unit '" + Identities.NODE_UNIT + "')"));
      }
      Context ctx = Context.current().withValue(PeerIdentity.MEMBER, v.name());
      return Contexts.interceptCall(ctx, call, headers, next);
    }
    if (clientCa == null) {
      return next.startCall(call, headers);
    }
    SessionVerdict v = SessionVerdict.of(session, clientCa);
    if (v == null) {
      return refuse(call, AuthErrors.unauthenticated(selfId, method + " refused: this member "
          + "requires a client certificate (--client-cert-auth) and the connection presented "
          + "none"));
    }
    if (!v.trusted()) {
      return refuse(call, AuthErrors.unauthenticated(selfId, method + " refused: certificate '"
          + v.name() + "' is not from the client CA (" + clientCa.flag() + ")"));
    }
    if (!need.allows(v.role())) {
      return refuse(call, AuthErrors.permissionDenied(selfId, method + " needs "
          + need.roleNeeded() + "; certificate '" + v.name() + "' has role " + v.role()));
    }
    return next.startCall(call, headers);
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call,
      StatusRuntimeException e) {
    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
    @SuppressWarnings("unchecked")
    ServerCall.Listener<Q> nothing = (ServerCall.Listener<Q>) NOTHING;
    return nothing;
  }
}
