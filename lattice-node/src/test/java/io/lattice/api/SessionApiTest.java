package io.lattice.api;

import static io.lattice.api.KvServiceTest.b;
import static io.lattice.api.KvServiceTest.info;
import static io.lattice.api.KvServiceTest.retry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.CloseSessionRequest;
import io.lattice.proto.v1.CloseSessionResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.OpenSessionRequest;
import io.lattice.proto.v1.OpenSessionResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** OpenSession, CloseSession and writes in sessions against a real 3-node cluster. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SessionApiTest {
  ApiCluster cluster;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    cluster = new ApiCluster(tmp, KvServiceTest.MAX_REQUEST, "n1", "n2", "n3");
    cluster.awaitLeader();
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  KVGrpc.KVBlockingStub leaderKv() {
    return cluster.kv(cluster.awaitLeader());
  }

  private long open(KVGrpc.KVBlockingStub kv) {
    OpenSessionResponse r = retry(() -> kv.openSession(OpenSessionRequest.getDefaultInstance()));
    assertThat(r.getSessionId()).isPositive();
    assertThat(r.getHeader().getAppliedIndex()).isGreaterThanOrEqualTo(r.getSessionId());
    return r.getSessionId();
  }

  private static PutRequest put(String key, long session, long sequence) {
    return PutRequest.newBuilder().setKey(b(key)).setValue(b("v" + sequence))
        .setSession(ClientSession.newBuilder().setSessionId(session).setSequence(sequence))
        .build();
  }

  private static ErrorInfo.Reason refusal(Runnable call, Status.Code code) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    assertThat(e).as("refused").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    return info(e).getReason();
  }

  private long version(KVGrpc.KVBlockingStub kv, String key) {
    return kv.get(GetRequest.newBuilder().setKey(b(key)).build()).getKv().getVersion();
  }

  @Test
  void aSessionIdIsTheIndexOfItsRegistrationAndNeverGivenTwice() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    long first = open(kv);
    long second = open(kv);
    assertThat(second).isGreaterThan(first);
  }

  @Test
  void aRetryInAnOpenedSessionIsAppliedOnce() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    long s = open(kv);
    PutResponse first = retry(() -> kv.put(put("eo/k", s, 1)));
    PutResponse again = kv.put(put("eo/k", s, 1));
    assertThat(again.getModIndex()).isEqualTo(first.getModIndex());
    assertThat(again.getVersion()).isEqualTo(first.getVersion()).isEqualTo(1);
    assertThat(version(kv, "eo/k")).isEqualTo(1);
    assertThat(kv.put(put("eo/k", s, 2)).getVersion()).isEqualTo(2);
  }

  @Test
  void aWriteNamingASessionThatWasNeverOpenedIsRefusedAndNotApplied() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    long never = open(kv) + 1_000_000;
    assertThat(refusal(() -> retry(() -> kv.put(put("unknown/k", never, 1))),
        Status.Code.FAILED_PRECONDITION)).isEqualTo(ErrorInfo.Reason.SESSION_EXPIRED);
    assertThat(kv.get(GetRequest.newBuilder().setKey(b("unknown/k")).build()).hasKv()).isFalse();
  }

  @Test
  void aClosedSessionRefusesItsRetries() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    long s = open(kv);
    retry(() -> kv.put(put("closed/k", s, 1)));
    CloseSessionRequest close = CloseSessionRequest.newBuilder().setSessionId(s).build();
    CloseSessionResponse closed = kv.closeSession(close);
    assertThat(closed.getClosed()).isTrue();
    assertThat(closed.getIndex()).isGreaterThan(s);
    assertThat(refusal(() -> kv.put(put("closed/k", s, 1)), Status.Code.FAILED_PRECONDITION))
        .isEqualTo(ErrorInfo.Reason.SESSION_EXPIRED);
    assertThat(version(kv, "closed/k")).isEqualTo(1);
    assertThat(kv.closeSession(close).getClosed()).as("closing twice").isFalse();
  }

  @Test
  void openAndCloseAreServedByTheLeaderOnly() {
    String leader = cluster.awaitLeader();
    KVGrpc.KVBlockingStub follower = cluster.kv(cluster.follower(leader));
    assertThat(refusal(() -> follower.openSession(OpenSessionRequest.getDefaultInstance()),
        Status.Code.FAILED_PRECONDITION)).isEqualTo(ErrorInfo.Reason.NOT_LEADER);
    assertThat(refusal(() -> follower.closeSession(
        CloseSessionRequest.newBuilder().setSessionId(1).build()),
        Status.Code.FAILED_PRECONDITION)).isEqualTo(ErrorInfo.Reason.NOT_LEADER);
  }

  @Test
  void malformedSessionsAreInvalid() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    long s = open(kv);
    assertThat(refusal(() -> kv.closeSession(CloseSessionRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT)).isEqualTo(ErrorInfo.Reason.INVALID_ARGUMENT);
    assertThat(refusal(() -> kv.put(put("bad/k", s, 0)), Status.Code.INVALID_ARGUMENT))
        .isEqualTo(ErrorInfo.Reason.INVALID_ARGUMENT);
    assertThat(refusal(() -> kv.put(put("bad/k", 0, 3)), Status.Code.INVALID_ARGUMENT))
        .isEqualTo(ErrorInfo.Reason.INVALID_ARGUMENT);
    // a client built before sessions were opened sends its own string id in field 1
    ClientSession old = ClientSession.newBuilder().setSequence(1)
        .setUnknownFields(UnknownFieldSet.newBuilder().addField(1, UnknownFieldSet.Field
            .newBuilder().addLengthDelimited(ByteString.copyFromUtf8("client-1")).build()).build())
        .build();
    StatusRuntimeException e = catchThrowableOfType(() -> kv.put(PutRequest.newBuilder()
        .setKey(b("bad/k")).setValue(b("v")).setSession(old).build()),
        StatusRuntimeException.class);
    assertThat(info(e).getReason()).isEqualTo(ErrorInfo.Reason.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("client_id is no longer accepted");
    assertThat(kv.get(GetRequest.newBuilder().setKey(b("bad/k")).build()).hasKv()).isFalse();
  }
}
