package io.lattice.cli.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.proto.v1.ErrorInfo;
import java.net.ConnectException;

/**
 * A failed call as the node encoded it: the gRPC status and, when the node sent one, the {@link
 * ErrorInfo} detail from the {@code grpc-status-details-bin} trailer (errors.proto). Decisions are
 * made on the reason, never on message text.
 */
record RpcError(Status.Code code, ErrorInfo info, String message, boolean neverSent) {

  static RpcError of(StatusRuntimeException e) {
    ErrorInfo info = null;
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    if (s != null) {
      for (Any any : s.getDetailsList()) {
        if (any.is(ErrorInfo.class)) {
          try {
            info = any.unpack(ErrorInfo.class);
          } catch (InvalidProtocolBufferException ignored) {
            // a malformed detail is treated like a status without one
          }
          break;
        }
      }
    }
    Status st = e.getStatus();
    String msg;
    if (info != null && !info.getMessage().isEmpty()) {
      msg = info.getMessage();
    } else if (st.getCode() == Status.Code.UNAVAILABLE) {
      msg = "unreachable (" + transportFailure(e) + ")";
    } else if (st.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      // gRPC's own text (CallOptions deadline exceeded after ..., name resolution delay ...) says
      // nothing to an operator; it stays in the cause, shown with -v
      msg = "no answer in time";
    } else {
      msg = st.getCode() + (st.getDescription() != null ? ": " + st.getDescription() : "");
    }
    return new RpcError(st.getCode(), info, msg, connectFailed(st.getCause()));
  }

  /** The reason, or REASON_UNSPECIFIED if the node sent no ErrorInfo (a transport failure). */
  ErrorInfo.Reason reason() {
    return info == null ? ErrorInfo.Reason.REASON_UNSPECIFIED : info.getReason();
  }

  /** The leader the answering member named, or "" if none. */
  String leaderAddress() {
    return info == null ? "" : info.getLeaderAddress();
  }

  /** The message, prefixed with the member that produced it when known. */
  String describe(String address) {
    String who = info != null && !info.getMemberId().isEmpty() ? info.getMemberId()
        : address;
    return who + ": " + msg();
  }

  private String msg() {
    return message;
  }

  /** How a connection failed, in plain words where the cause is a common one. */
  private static String transportFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return "connection refused";
      }
      if (c instanceof java.net.UnknownHostException) {
        return "unknown host";
      }
      if (c instanceof java.net.NoRouteToHostException) {
        return "no route to host";
      }
    }
    return rootMessage(t);
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : m;
  }

  /** A connection that was refused carried no request: the call certainly had no effect. */
  private static boolean connectFailed(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }
}
