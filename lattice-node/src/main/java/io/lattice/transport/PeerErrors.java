package io.lattice.transport;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.proto.v1.ErrorInfo;

/** Builds the gRPC errors of the peer service, each with one {@link ErrorInfo} detail. */
final class PeerErrors {
  private PeerErrors() {}

  static StatusRuntimeException error(Status.Code code, ErrorInfo.Reason reason, String memberId,
      String message) {
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(code.value())
        .setMessage(message).addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason)
            .setMessage(message).setMemberId(memberId).build()))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  static StatusRuntimeException clusterMismatch(String self, String expected, String got,
      String from) {
    return error(Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.CLUSTER_ID_MISMATCH, self,
        "peer message from '" + from + "' is for cluster '" + got + "', this member belongs to '"
            + expected + "'");
  }

  static StatusRuntimeException memberMismatch(String self, String got, String from) {
    return error(Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.MEMBER_ID_MISMATCH, self,
        "peer message from '" + from + "' is addressed to member '" + got + "', this member is '"
            + self + "'");
  }

  static StatusRuntimeException invalid(String self, String message) {
    return error(Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.INVALID_ARGUMENT, self, message);
  }

  static StatusRuntimeException shuttingDown(String self) {
    return error(Status.Code.UNAVAILABLE, ErrorInfo.Reason.SHUTTING_DOWN, self,
        "member is shutting down");
  }
}
