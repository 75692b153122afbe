package io.lattice.api;

import static io.lattice.api.KvServiceTest.info;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.errors.GrpcReasons;
import io.lattice.errors.Reason;
import io.lattice.kv.KvResult;
import io.lattice.node.NodeException;
import io.lattice.node.RaftNode;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.raft.Role;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ApiErrorsTest {
  private static final RaftNode.Header HEADER =
      new RaftNode.Header("n2", Role.FOLLOWER, 7, "n1", "h1:1", 10, 9, null);

  private static StatusRuntimeException map(Reason r) {
    return ApiErrors.toStatus(new CompletionException(new NodeException(r, "boom")), HEADER);
  }

  private static void check(StatusRuntimeException e, Status.Code code, ErrorInfo.Reason reason) {
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    ErrorInfo info = info(e);
    assertThat(info.getReason()).isEqualTo(reason);
    assertThat(info.getMemberId()).isEqualTo("n2");
    assertThat(info.getTerm()).isEqualTo(7);
  }

  @Test
  void nodeExceptions() {
    check(map(Reason.INDETERMINATE), Status.Code.UNKNOWN,
        ErrorInfo.Reason.INDETERMINATE);
    check(map(Reason.UNAVAILABLE), Status.Code.UNAVAILABLE,
        ErrorInfo.Reason.UNAVAILABLE);
    check(map(Reason.SHUTTING_DOWN), Status.Code.UNAVAILABLE,
        ErrorInfo.Reason.SHUTTING_DOWN);
    check(map(Reason.TIMEOUT), Status.Code.DEADLINE_EXCEEDED,
        ErrorInfo.Reason.TIMEOUT);
    check(map(Reason.TRANSFER_IN_PROGRESS), Status.Code.UNAVAILABLE,
        ErrorInfo.Reason.TRANSFER_IN_PROGRESS);
    check(map(Reason.MEMBERSHIP_CHANGE_IN_PROGRESS), Status.Code.UNAVAILABLE,
        ErrorInfo.Reason.MEMBERSHIP_CHANGE_IN_PROGRESS);
    check(map(Reason.INVALID_ARGUMENT), Status.Code.INVALID_ARGUMENT,
        ErrorInfo.Reason.INVALID_ARGUMENT);
    check(map(Reason.INVALID_MEMBERSHIP_CHANGE), Status.Code.FAILED_PRECONDITION,
        ErrorInfo.Reason.INVALID_MEMBERSHIP_CHANGE);
    assertThat(info(map(Reason.INDETERMINATE)).getLeaderAddress())
        .isEqualTo("h1:1");
  }

  @Test
  void notLeaderNamesTheLeaderFromTheException() {
    StatusRuntimeException e = ApiErrors.toStatus(new NodeException(
        Reason.NOT_LEADER, "not leader", "n3", "h3:3"), HEADER);
    check(e, Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.NOT_LEADER);
    assertThat(info(e).getLeaderId()).isEqualTo("n3");
    assertThat(info(e).getLeaderAddress()).isEqualTo("h3:3");
    assertThat(e.getStatus().getDescription()).isEqualTo("not leader");
  }

  @Test
  void resultErrorsAndUnexpectedFailures() {
    check(ApiErrors.fromResult(new KvResult.Error(5, KvResult.ErrorKind.SESSION_EXPIRED, "gone"),
        HEADER), Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.SESSION_EXPIRED);
    check(ApiErrors.fromResult(new KvResult.Error(5, KvResult.ErrorKind.INVALID_ARGUMENT, "bad"),
        HEADER), Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.INVALID_ARGUMENT);
    check(ApiErrors.fromResult(new KvResult.Error(5, KvResult.ErrorKind.MALFORMED_COMMAND, "?"),
        HEADER), Status.Code.INTERNAL, ErrorInfo.Reason.INTERNAL);
    check(ApiErrors.toStatus(new IllegalStateException("bug"), HEADER), Status.Code.INTERNAL,
        ErrorInfo.Reason.INTERNAL);
  }

  /**
   * A reason reaches the client unchanged, whichever path it takes: the core's refusal of a
   * transfer target used to pass through the node as INVALID_ARGUMENT and reach the client as
   * INVALID_MEMBERSHIP_CHANGE.
   */
  @Test
  void everyReasonReachesTheClientUnchanged() {
    for (Reason r : Reason.values()) {
      StatusRuntimeException e = map(r);
      assertThat(info(e).getReason().name()).isEqualTo(r.name());
      assertThat(e.getStatus().getCode()).isEqualTo(GrpcReasons.codeOf(r));
    }
    check(ApiErrors.toStatus(new NodeException(Reason.INVALID_TRANSFER_TARGET, "n2 is a learner"),
        HEADER), Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.INVALID_TRANSFER_TARGET);
  }
}
