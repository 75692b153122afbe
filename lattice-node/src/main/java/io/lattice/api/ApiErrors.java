package io.lattice.api;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.kv.KvResult;
import io.lattice.node.NodeException;
import io.lattice.node.RaftNode;
import io.lattice.proto.v1.ErrorInfo;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where failures become gRPC errors (DESIGN §5): every error carries exactly one
 * {@link ErrorInfo} detail with a machine-readable reason, sent with the status code errors.proto
 * fixes for it, plus the answering member's id and term and the leader it knows of.
 *
 * <pre>
 * NodeException NOT_LEADER                    FAILED_PRECONDITION  NOT_LEADER (leader id + address)
 * NodeException INDETERMINATE                 UNKNOWN              INDETERMINATE
 * NodeException UNAVAILABLE                   UNAVAILABLE          UNAVAILABLE
 * NodeException STOPPED                       UNAVAILABLE          SHUTTING_DOWN
 * NodeException TIMEOUT                       DEADLINE_EXCEEDED    TIMEOUT
 * NodeException TRANSFER_IN_PROGRESS          UNAVAILABLE          TRANSFER_IN_PROGRESS
 * NodeException MEMBERSHIP_CHANGE_IN_PROGRESS UNAVAILABLE          MEMBERSHIP_CHANGE_IN_PROGRESS
 * NodeException INVALID_ARGUMENT              INVALID_ARGUMENT     INVALID_ARGUMENT
 *   (for membership changes and transfers)    FAILED_PRECONDITION  INVALID_MEMBERSHIP_CHANGE
 * KvResult.Error SESSION_EXPIRED              FAILED_PRECONDITION  SESSION_EXPIRED
 * KvResult.Error INVALID_ARGUMENT             INVALID_ARGUMENT     INVALID_ARGUMENT
 * KvResult.Error MALFORMED_COMMAND            INTERNAL             INTERNAL
 * a StatusRuntimeException / StatusException  passed through unchanged
 * anything else                               INTERNAL             INTERNAL
 * </pre>
 */
public final class ApiErrors {
  private ApiErrors() {}

  /** The gRPC status code errors.proto fixes for {@code reason}. */
  public static Status.Code codeOf(ErrorInfo.Reason reason) {
    switch (reason) {
      case NOT_LEADER:
      case CLUSTER_ID_MISMATCH:
      case MEMBER_ID_MISMATCH:
      case INVALID_MEMBERSHIP_CHANGE:
      case SESSION_EXPIRED:
      case NOT_A_VOTER:
        return Status.Code.FAILED_PRECONDITION;
      case INDETERMINATE:
        return Status.Code.UNKNOWN;
      case KEY_TOO_LARGE:
      case VALUE_TOO_LARGE:
      case EMPTY_KEY:
      case INVALID_ARGUMENT:
      case REQUEST_TOO_LARGE:
        return Status.Code.INVALID_ARGUMENT;
      case OVERLOADED:
        return Status.Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE:
      case MEMBERSHIP_CHANGE_IN_PROGRESS:
      case TRANSFER_IN_PROGRESS:
      case SNAPSHOT_IN_PROGRESS:
      case SHUTTING_DOWN:
        return Status.Code.UNAVAILABLE;
      case TIMEOUT:
        return Status.Code.DEADLINE_EXCEEDED;
      case NOT_FOUND:
        return Status.Code.NOT_FOUND;
      case ALREADY_EXISTS:
        return Status.Code.ALREADY_EXISTS;
      default:
        return Status.Code.INTERNAL;
    }
  }

  /**
   * An error with {@code reason} (and its fixed status code), describing the answering member from
   * {@code header}; {@code leaderId}/{@code leaderAddress} override the header's leader if non-null.
   */
  public static StatusRuntimeException error(ErrorInfo.Reason reason, String message,
      RaftNode.Header header, String leaderId, String leaderAddress) {
    Status.Code code = codeOf(reason);
    String msg = message == null ? reason.name() : message;
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(reason).setMessage(msg);
    String lid = leaderId;
    String laddr = leaderAddress;
    if (header != null) {
      info.setMemberId(nz(header.id())).setTerm(header.term());
      if (lid == null) {
        lid = header.leaderId();
        laddr = laddr != null ? laddr : header.leaderAddress();
      } else if (laddr == null && lid.equals(header.leaderId())) {
        laddr = header.leaderAddress();
      }
    }
    info.setLeaderId(nz(lid)).setLeaderAddress(nz(laddr));
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder().setCode(code.value())
        .setMessage(msg).addDetails(Any.pack(info.build())).build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** An error with {@code reason}, describing the answering member from {@code header}. */
  public static StatusRuntimeException error(ErrorInfo.Reason reason, String message,
      RaftNode.Header header) {
    return error(reason, message, header, null, null);
  }

  /** Maps any failure of a KV request. */
  public static StatusRuntimeException toStatus(Throwable t, RaftNode.Header header) {
    return toStatus(t, header, false);
  }

  /**
   * Maps any failure; with {@code membership}, an INVALID_ARGUMENT from the node (a refused
   * membership change or transfer target) becomes FAILED_PRECONDITION INVALID_MEMBERSHIP_CHANGE.
   */
  public static StatusRuntimeException toStatus(Throwable t, RaftNode.Header header,
      boolean membership) {
    Throwable c = unwrap(t);
    if (c instanceof StatusRuntimeException) {
      return (StatusRuntimeException) c;
    }
    if (c instanceof StatusException) {
      StatusException se = (StatusException) c;
      return new StatusRuntimeException(se.getStatus(), se.getTrailers());
    }
    if (c instanceof NodeException) {
      NodeException e = (NodeException) c;
      return error(reasonOf(e.reason(), membership), e.getMessage(), header, e.leaderId(),
          e.leaderAddress());
    }
    return error(ErrorInfo.Reason.INTERNAL, "internal error: " + c, header);
  }

  /** Maps an error result of the state machine. */
  public static StatusRuntimeException fromResult(KvResult.Error e, RaftNode.Header header) {
    ErrorInfo.Reason reason;
    switch (e.kind()) {
      case SESSION_EXPIRED:
        reason = ErrorInfo.Reason.SESSION_EXPIRED;
        break;
      case INVALID_ARGUMENT:
        reason = ErrorInfo.Reason.INVALID_ARGUMENT;
        break;
      default:
        reason = ErrorInfo.Reason.INTERNAL;
        break;
    }
    return error(reason, e.message(), header);
  }

  static ErrorInfo.Reason reasonOf(NodeException.Reason r, boolean membership) {
    switch (r) {
      case NOT_LEADER:
        return ErrorInfo.Reason.NOT_LEADER;
      case INDETERMINATE:
        return ErrorInfo.Reason.INDETERMINATE;
      case TRANSFER_IN_PROGRESS:
        return ErrorInfo.Reason.TRANSFER_IN_PROGRESS;
      case MEMBERSHIP_CHANGE_IN_PROGRESS:
        return ErrorInfo.Reason.MEMBERSHIP_CHANGE_IN_PROGRESS;
      case INVALID_ARGUMENT:
        return membership ? ErrorInfo.Reason.INVALID_MEMBERSHIP_CHANGE
            : ErrorInfo.Reason.INVALID_ARGUMENT;
      case UNAVAILABLE:
        return ErrorInfo.Reason.UNAVAILABLE;
      case TIMEOUT:
        return ErrorInfo.Reason.TIMEOUT;
      case STOPPED:
        return ErrorInfo.Reason.SHUTTING_DOWN;
      default:
        return ErrorInfo.Reason.INTERNAL;
    }
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
