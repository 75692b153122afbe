package io.lattice.transport;

import com.google.protobuf.Any;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.errors.GrpcReasons;
import io.lattice.errors.Reason;
import io.lattice.proto.v1.ErrorInfo;

/** Builds the gRPC errors of the peer service, each with one {@link ErrorInfo} detail. */
final class PeerErrors {
  private PeerErrors() {}

  /** An error with {@code reason}, sent with the status code {@link GrpcReasons} fixes for it. */
  static StatusRuntimeException error(Reason reason, String memberId, String message) {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(GrpcReasons.codeOf(reason).value()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(GrpcReasons.toWire(reason))
            .setMessage(message).setMemberId(memberId).build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  static StatusRuntimeException clusterMismatch(String self, String expected, String got,
      String from) {
    return error(Reason.CLUSTER_ID_MISMATCH, self,
        "peer message from '" + from + "' is for cluster '" + got + "', this member belongs to '"
            + expected + "'");
  }

  static StatusRuntimeException memberMismatch(String self, String got, String from) {
    return error(Reason.MEMBER_ID_MISMATCH, self,
        "peer message from '" + from + "' is addressed to member '" + got + "', this member is '"
            + self + "'");
  }

  static StatusRuntimeException invalid(String self, String message) {
    return error(Reason.INVALID_ARGUMENT, self, message);
  }

  static StatusRuntimeException removed(String self, String clusterId, String from) {
    return error(Reason.MEMBER_REMOVED, self, "member '" + from + "' is not in cluster '"
        + clusterId + "': its removal is committed (or it never was a member); this leader ("
        + self + ") takes no more messages from it");
  }

  /**
   * The message of a MEMBER_REMOVED refusal carried by {@code e} (a failed peer call), or null
   * when {@code e} is anything else.
   */
  static String removedMessage(Throwable e) {
    if (e == null) {
      return null;
    }
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    if (s == null) {
      return null;
    }
    for (Any d : s.getDetailsList()) {
      if (d.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = d.unpack(ErrorInfo.class);
          if (info.getReason() == ErrorInfo.Reason.MEMBER_REMOVED) {
            return info.getMessage();
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
          return null;
        }
      }
    }
    return null;
  }

  static StatusRuntimeException shuttingDown(String self) {
    return error(Reason.SHUTTING_DOWN, self,
        "member is shutting down");
  }
}
