package io.lattice.security;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;

/**
 * The member a peer call's verified certificate names, as {@link AuthInterceptor} put it in the
 * gRPC {@link Context} of the call, and the check the peer service makes with it where it reads a
 * message's {@code from_id}: a message whose sender is not that member never reaches the core.
 */
public final class PeerIdentity {
  /** The member id of the call's verified node certificate (absent: none was verified). */
  static final Context.Key<String> MEMBER = Context.key("lattice-peer-member");

  private PeerIdentity() {}

  /** The member id the current call's certificate names, or null. */
  public static String currentMember() {
    return MEMBER.get();
  }

  /**
   * Null if a message from {@code fromId} may be accepted on the current call, else the refusal
   * to answer with: UNAUTHENTICATED without a verified node certificate, PERMISSION_DENIED when
   * the certificate names another member. Call it in the call's context (gRPC runs the request
   * observer's callbacks there).
   */
  public static StatusRuntimeException refusal(String selfId, String fromId) {
    String member = MEMBER.get();
    if (member == null) {
      return AuthErrors.unauthenticated(selfId, "peer message from '" + fromId
          + "' refused: the connection presented no verified node certificate");
    }
    if (!member.equals(fromId)) {
      return AuthErrors.permissionDenied(selfId, "peer message refused: it claims to be from "
          + "member '" + fromId + "', but its certificate names member '" + member + "'");
    }
    return null;
  }
}
