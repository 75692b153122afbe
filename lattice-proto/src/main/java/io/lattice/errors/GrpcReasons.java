package io.lattice.errors;

import io.grpc.Status;
import io.lattice.proto.v1.ErrorInfo;

/**
 * The one mapping of {@link Reason} to the wire: the gRPC status code each reason is always sent
 * with (errors.proto documents it next to each value), and the {@link ErrorInfo.Reason} of the same
 * name.
 */
public final class GrpcReasons {
  private GrpcReasons() {}

  /** The gRPC status code {@code reason} is always sent with. */
  public static Status.Code codeOf(Reason reason) {
    return switch (reason) {
      case NOT_LEADER, CLUSTER_ID_MISMATCH, MEMBER_ID_MISMATCH, INVALID_MEMBERSHIP_CHANGE,
          SESSION_EXPIRED, NOT_A_VOTER, INVALID_TRANSFER_TARGET, RESULT_TOO_LARGE, RESULT_NOT_RETAINED,
          MEMBER_REMOVED -> Status.Code.FAILED_PRECONDITION;
      case INDETERMINATE -> Status.Code.UNKNOWN;
      case KEY_TOO_LARGE, VALUE_TOO_LARGE, REQUEST_TOO_LARGE, EMPTY_KEY, INVALID_ARGUMENT,
          TOO_MANY_TXN_OPS ->
          Status.Code.INVALID_ARGUMENT;
      case OVERLOADED, NO_SPACE -> Status.Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE, MEMBERSHIP_CHANGE_IN_PROGRESS, TRANSFER_IN_PROGRESS, SNAPSHOT_IN_PROGRESS,
          SHUTTING_DOWN -> Status.Code.UNAVAILABLE;
      case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case INTERNAL -> Status.Code.INTERNAL;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
    };
  }

  /** The wire value of {@code reason}: the {@link ErrorInfo.Reason} of the same name. */
  public static ErrorInfo.Reason toWire(Reason reason) {
    return ErrorInfo.Reason.valueOf(reason.name());
  }

  /**
   * The reason a wire value stands for, or null for REASON_UNSPECIFIED and for a value this build
   * does not know (a newer node): decide those by the gRPC status code.
   */
  public static Reason fromWire(ErrorInfo.Reason wire) {
    if (wire == null || wire == ErrorInfo.Reason.REASON_UNSPECIFIED
        || wire == ErrorInfo.Reason.UNRECOGNIZED) {
      return null;
    }
    try {
      return Reason.valueOf(wire.name());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
