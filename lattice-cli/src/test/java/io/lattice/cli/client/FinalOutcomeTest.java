package io.lattice.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.lattice.cli.client.ClientException.Outcome;
import io.lattice.proto.v1.ErrorInfo;
import org.junit.jupiter.api.Test;

/** How a final refusal becomes an outcome: by the reason's effect in the one table of reasons. */
class FinalOutcomeTest {
  private static Outcome of(Status.Code code, ErrorInfo.Reason reason) {
    return Calls.outcomeOfFinal(new RpcError(code,
        ErrorInfo.newBuilder().setReason(reason).setMessage("m").build(), "m", false));
  }

  @Test
  void aReasonThatMayHaveAppliedIsNeverAFailure() {
    // a retry of a write that was applied but whose large result the session did not keep
    assertThat(of(Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.RESULT_NOT_RETAINED))
        .isEqualTo(Outcome.INDETERMINATE);
    assertThat(of(Status.Code.UNKNOWN, ErrorInfo.Reason.INDETERMINATE))
        .isEqualTo(Outcome.INDETERMINATE);
  }

  @Test
  void refusalsThatHadNoEffectAreFailuresOrNotFound() {
    assertThat(of(Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.RESULT_TOO_LARGE))
        .isEqualTo(Outcome.FAILED);
    assertThat(of(Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.TOO_MANY_TXN_OPS))
        .isEqualTo(Outcome.FAILED);
    assertThat(of(Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.INVALID_TRANSFER_TARGET))
        .isEqualTo(Outcome.FAILED);
    assertThat(of(Status.Code.NOT_FOUND, ErrorInfo.Reason.NOT_FOUND))
        .isEqualTo(Outcome.NOT_FOUND);
  }
}
