package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.security.NodeSecurity;
import io.lattice.security.TlsSettings;
import io.lattice.tls.CertificateAuthority;
import io.lattice.tls.CertificateRequest;
import io.lattice.tls.Identities.Role;
import io.lattice.tls.IssuedCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expired, self-signed, wrong-CA and wrong-host certificates are refused, with a reason in plain
 * words, both where the node checks a caller's certificate (its listener) and where it checks a
 * server's (dialing a peer); a plaintext client gets nothing from a TLS node.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CertificateRefusalTest {
  @TempDir Path tmp;
  private SecureClusterFixture cluster;
  private NodeSecurity n1;
  private String n1Address;

  @BeforeEach
  void start() throws Exception {
    cluster = new SecureClusterFixture(tmp, true);
    n1 = cluster.security.get("n1");
    n1Address = cluster.servers.get("n1").clientAddress();
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  private Status statusCall(ManagedChannel ch) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> ClusterGrpc.newBlockingStub(cluster.track(ch)).withDeadlineAfter(5,
            TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()));
    return e == null ? Status.OK : e.getStatus();
  }

  private void assertRefusedOnTheListener(IssuedCertificate who, String why) {
    long before = n1.refusedCertificates();
    ManagedChannel ch = cluster.pki.channel(n1Address, who);
    assertThat(statusCall(ch).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    awaitRefusal(before, why);
    ch.shutdownNow(); // no reconnects that would be refused again
  }

  /** Waits (bounded) for a refusal after the {@code before}-th whose reason contains {@code why}. */
  private void awaitRefusal(long before, String why) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while ((n1.refusedCertificates() <= before || !n1.lastRefusal().contains(why))
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(n1.refusedCertificates()).isGreaterThan(before);
    assertThat(n1.lastRefusal()).contains(why);
  }

  @Test
  void theListenerRefusesExpiredSelfSignedAndForeignCertificates() {
    Instant longAgo = Instant.now().minus(Duration.ofDays(30));
    assertRefusedOnTheListener(cluster.pki.ca.issue(CertificateRequest.client("old",
        Role.ADMIN, longAgo, Duration.ofDays(1))), "expired");
    assertRefusedOnTheListener(cluster.pki.ca.issue(CertificateRequest.node("n2",
        List.of("127.0.0.1"), longAgo, Duration.ofDays(1))), "expired");
    assertRefusedOnTheListener(CertificateAuthority.selfSigned(CertificateRequest.client("me",
        Role.ADMIN, Instant.now(), Duration.ofDays(1))), "self-signed");
    CertificateAuthority other = CertificateAuthority.create("other CA", Instant.now(),
        Duration.ofDays(1));
    assertRefusedOnTheListener(other.issue(CertificateRequest.node("n2", List.of("127.0.0.1"),
        Instant.now(), Duration.ofDays(1))), "not a CA in");

    // and a good one is served
    assertThat(statusCall(cluster.pki.channel(n1Address,
        cluster.pki.client("ok", Role.READONLY))).getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void aPlaintextClientGetsNothingFromATlsNode() {
    Status s = statusCall(NettyChannelBuilder.forTarget(n1Address).usePlaintext().build());
    assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void dialingAPeerRefusesAWrongHostOrExpiredServerCertificate() throws Exception {
    IssuedCertificate wrongHost = cluster.pki.write("n5", cluster.pki.ca.issue(
        CertificateRequest.node("n5", List.of("wrong.example"), Instant.now(),
            Duration.ofDays(1))));
    assertDialRefused(wrongHost, "n5", "not valid for the host");
    IssuedCertificate expired = cluster.pki.write("n6", cluster.pki.ca.issue(
        CertificateRequest.node("n6", List.of("127.0.0.1"),
            Instant.now().minus(Duration.ofDays(30)), Duration.ofDays(1))));
    assertDialRefused(expired, "n6", "expired");
  }

  /** n1's peer dialer against a server presenting {@code cert}: refused, with {@code why}. */
  private void assertDialRefused(IssuedCertificate cert, String id, String why) throws Exception {
    Path c = cluster.pki.cert(id);
    Path k = cluster.pki.key(id);
    // the server's own settings are not validated against the clock: it serves what it is given
    NodeSecurity peer = NodeSecurity.create(id, new TlsSettings(c, k, null, false, c, k,
        cluster.pki.caFile, false));
    Server server = peer.peerServerTls().applyTo(NettyServerBuilder.forAddress(
        new InetSocketAddress("127.0.0.1", 0))).addService(new HealthStatusManager()
        .getHealthService()).build().start();
    try {
      long before = n1.refusedCertificates();
      ManagedChannel ch = cluster.track(Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(),
          n1.peerSecurity().dialCredentials(id)).build());
      StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
          () -> HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()));
      assertThat(e).isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      awaitRefusal(before, why);
    } finally {
      server.shutdownNow();
    }
  }
}
