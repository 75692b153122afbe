package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.lattice.node.NodeStatus;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberRemoveRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.TransferLeaderRequest;
import io.lattice.testing.LoopbackPorts;
import io.lattice.tls.Identities.Role;
import io.lattice.tls.IssuedCertificate;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code --client-cert-auth}: membership changes and leadership transfer need an admin
 * certificate, read-only certificates may only read, and a client without a certificate gets
 * nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientAuthorizationTest {
  @TempDir Path tmp;
  private SecureClusterFixture cluster;
  private NodeServer leader;
  private String leaderAddress;

  @BeforeEach
  void start() throws Exception {
    cluster = new SecureClusterFixture(tmp, true);
    leader = cluster.awaitLeader();
    leaderAddress = leader.clientAddress();
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  private ClusterGrpc.ClusterBlockingStub admin(IssuedCertificate who) {
    return ClusterGrpc.newBlockingStub(cluster.track(cluster.pki.channel(leaderAddress, who)))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private KVGrpc.KVBlockingStub kv(IssuedCertificate who) {
    return KVGrpc.newBlockingStub(cluster.track(cluster.pki.channel(leaderAddress, who)))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void assertDenied(Runnable call, String... words) throws Exception {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(e).as("refused").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).contains(words);
    assertThat(ForgedPeerMessageTest.reasonOf(e)).isEqualTo(ErrorInfo.Reason.PERMISSION_DENIED);
  }

  @Test
  void membershipChangesAndTransferNeedTheAdminRole() throws Exception {
    IssuedCertificate alice = cluster.pki.client("alice", Role.READWRITE);
    IssuedCertificate node = cluster.pki.node("n7"); // a node certificate used as a client's
    String victim = cluster.servers.keySet().stream()
        .filter(id -> !id.equals(leader.node().id())).findFirst().orElseThrow();

    for (IssuedCertificate who : new IssuedCertificate[] {alice, node}) {
      String name = who == alice ? "alice" : "n7";
      assertDenied(() -> admin(who).memberRemove(MemberRemoveRequest.newBuilder().setId(victim)
          .build()), "MemberRemove", "ADMIN", "'" + name + "'", "READWRITE");
      assertDenied(() -> admin(who).memberAdd(MemberAddRequest.newBuilder().setId("n4")
          .setPeerAddress("127.0.0.1:1").build()), "MemberAdd", "ADMIN");
      assertDenied(() -> admin(who).transferLeader(TransferLeaderRequest.newBuilder()
          .setTargetId(victim).build()), "TransferLeader", "ADMIN");
    }
    assertThat(admin(alice).memberList(MemberListRequest.getDefaultInstance()).getMembersCount())
        .isEqualTo(3);

    IssuedCertificate root = cluster.pki.client("root", Role.ADMIN);
    admin(root).memberAdd(MemberAddRequest.newBuilder().setId("n4")
        .setPeerAddress("127.0.0.1:" + LoopbackPorts.free()).build());
    admin(root).memberRemove(MemberRemoveRequest.newBuilder().setId("n4").build());
    admin(root).transferLeader(TransferLeaderRequest.newBuilder().setTargetId(victim).build());
    NodeStatus st = SecureClusterFixture.status(cluster.servers.get(victim));
    assertThat(st.leaderId()).isEqualTo(victim);
  }

  /** A put at the current leader (a busy machine may move leadership meanwhile). */
  private void putAtTheLeader(IssuedCertificate who, PutRequest req) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        kv(who).put(req);
        return;
      } catch (StatusRuntimeException e) {
        if (attempt >= 5 || e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
          throw e;
        }
        leader = cluster.awaitLeader();
        leaderAddress = leader.clientAddress();
      }
    }
  }

  @Test
  void readOnlyCertificatesReadAndNothingElse() throws Exception {
    IssuedCertificate reader = cluster.pki.client("auditor", Role.READONLY);
    IssuedCertificate writer = cluster.pki.client("app", Role.READWRITE);
    ByteString k = ByteString.copyFromUtf8("k");
    putAtTheLeader(writer, PutRequest.newBuilder().setKey(k).setValue(k).build());
    assertThat(kv(reader).get(GetRequest.newBuilder().setKey(k).build()).getKv().getValue())
        .isEqualTo(k);
    assertThat(admin(reader).status(StatusRequest.getDefaultInstance()).getMemberId())
        .isEqualTo(leader.node().id());
    assertThat(HealthGrpc.newBlockingStub(cluster.track(cluster.pki.channel(leaderAddress,
        reader))).check(HealthCheckRequest.getDefaultInstance()).getStatusValue()).isEqualTo(1);
    assertDenied(() -> kv(reader).put(PutRequest.newBuilder().setKey(k).setValue(k).build()),
        "KV/Put", "READWRITE", "'auditor'", "READONLY");
  }

  @Test
  void withoutACertificateNoClientCallIsServed() {
    ManagedChannel none = cluster.track(cluster.pki.channel(leaderAddress, null));
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClusterGrpc.newBlockingStub(none).withDeadlineAfter(5, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance()));
    // the handshake itself is refused: the listener requires a client certificate
    assertThat(e.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE,
        Status.Code.UNAUTHENTICATED);
  }
}
