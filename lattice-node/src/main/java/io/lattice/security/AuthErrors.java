package io.lattice.security;

import com.google.protobuf.Any;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.errors.GrpcReasons;
import io.lattice.errors.Reason;
import io.lattice.proto.v1.ErrorInfo;

/** The refusals of authentication and authorization, each with its one {@link ErrorInfo}. */
final class AuthErrors {
  private AuthErrors() {}

  static StatusRuntimeException unauthenticated(String self, String message) {
    return error(Reason.UNAUTHENTICATED, self, message);
  }

  static StatusRuntimeException permissionDenied(String self, String message) {
    return error(Reason.PERMISSION_DENIED, self, message);
  }

  private static StatusRuntimeException error(Reason reason, String self, String message) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(GrpcReasons.codeOf(reason).value()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(GrpcReasons.toWire(reason))
            .setMessage(message).setMemberId(self).build()))
        .build());
  }
}
