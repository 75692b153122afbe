package io.lattice.api;

import com.google.protobuf.Any;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.errors.Reason;
import io.lattice.errors.GrpcReasons;
import io.lattice.errors.Reason;
import io.lattice.kv.KvResult;
import io.lattice.node.NodeException;
import io.lattice.node.RaftNode;
import io.lattice.proto.v1.ErrorInfo;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where failures become gRPC errors (DESIGN §5): every error carries exactly one
 * {@link ErrorInfo} detail whose reason is the failure's {@link Reason}, unchanged, sent with the
 * status code {@link GrpcReasons} fixes for it, plus the answering member's id and term and the
 * leader it knows of.
 *
 * <pre>
 * NodeException (from the node or the core)   its reason
 * KvResult.Error (a state machine result)     its kind's reason (SESSION_EXPIRED, INVALID_ARGUMENT,
 *                                             INTERNAL for an undecodable command)
 * a StatusRuntimeException / StatusException  passed through unchanged
 * anything else                               INTERNAL
 * </pre>
 */
public final class ApiErrors {
  private ApiErrors() {}

  /**
   * An error with {@code reason} (and its fixed status code), describing the answering member from
   * {@code header}; {@code leaderId}/{@code leaderAddress} override the header's leader if non-null.
   */
  public static StatusRuntimeException error(Reason reason, String message,
      RaftNode.Header header, String leaderId, String leaderAddress) {
    Status.Code code = GrpcReasons.codeOf(reason);
    String msg = message == null ? reason.name() : message;
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(GrpcReasons.toWire(reason))
        .setMessage(msg);
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
  public static StatusRuntimeException error(Reason reason, String message,
      RaftNode.Header header) {
    return error(reason, message, header, null, null);
  }

  /** Maps any failure of a request. */
  public static StatusRuntimeException toStatus(Throwable t, RaftNode.Header header) {
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
      return error(e.reason(), e.getMessage(), header, e.leaderId(), e.leaderAddress());
    }
    return error(Reason.INTERNAL, "internal error: " + c, header);
  }

  /** Maps an error result of the state machine. */
  public static StatusRuntimeException fromResult(KvResult.Error e, RaftNode.Header header) {
    return error(e.kind().reason(), e.message(), header);
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
