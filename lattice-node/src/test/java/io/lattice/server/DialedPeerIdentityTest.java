package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeStatus;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.raft.Role;
import io.lattice.security.NodeSecurity;
import io.lattice.security.PeerSecurity;
import io.lattice.security.TestPki;
import io.lattice.security.TlsSettings;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The dialing side checks who it reached: n1 and n3 are real members; at n2's peer address sits
 * a node that calls itself n2 but holds n3's peer certificate (issued by the cluster's CA, valid
 * for the host). Every dial to "n2" is refused in the handshake: the impostor receives nothing
 * (its log does not grow, it never learns a leader), a call on such a channel fails
 * PERMISSION_DENIED naming both ids, and the refusals, repeated at every reconnect, are logged
 * once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DialedPeerIdentityTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @Test
  void aServerWithAnotherMembersCertificateAtAPeersAddressIsRefused() throws Exception {
    TestPki pki = new TestPki(tmp);
    Map<String, String> addresses = new LinkedHashMap<>();
    for (String id : List.of("n1", "n2", "n3")) {
      addresses.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    captured.start();
    root.addAppender(captured);
    closing.add(() -> root.detachAppender(captured));

    Map<String, NodeSecurity> security = new LinkedHashMap<>();
    Map<String, NodeServer> members = new LinkedHashMap<>();
    for (String id : List.of("n1", "n3")) {
      security.put(id, NodeSecurity.create(id, pki.settings(id, false)));
    }
    // the impostor: member id n2, n3's certificate and key
    NodeSecurity impostorTls = NodeSecurity.create("n2", new TlsSettings(pki.cert("n3"),
        pki.key("n3"), pki.caFile, false, pki.cert("n3"), pki.key("n3"), pki.caFile, false));
    NodeServer impostor = start("n2", tmp.resolve("impostor"), addresses, impostorTls);
    NodeStatus impostorBefore = SecureClusterFixture.status(impostor);
    for (String id : List.of("n1", "n3")) {
      members.put(id, start(id, tmp.resolve(id), addresses, security.get(id)));
    }

    NodeServer leader = awaitLeader(members);
    String leaderId = leader.node().id();
    NodeSecurity leaderTls = security.get(leaderId);
    // The leader redials "n2" every few hundred milliseconds: wait for several refusals.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (leaderTls.refusedCertificates() < 6) {
      assertThat(System.nanoTime() - deadline).as("six refused dials within 30 s").isNegative();
      Thread.sleep(20);
    }
    assertThat(leaderTls.lastRefusal()).contains("dialed member 'n2'")
        .contains("names member 'n3'");

    // nothing reached the impostor
    NodeStatus impostorAfter = SecureClusterFixture.status(impostor);
    assertThat(impostorAfter.logLastIndex()).isEqualTo(impostorBefore.logLastIndex());
    assertThat(impostorAfter.commitIndex()).isEqualTo(impostorBefore.commitIndex());
    assertThat(impostorAfter.leaderId()).isNullOrEmpty();
    // while n1 and n3 commit without it
    assertThat(SecureClusterFixture.status(leader).commitIndex()).isPositive();

    // a call on a dial to "n2": PERMISSION_DENIED with its reason, naming both ids
    PeerSecurity dial = leaderTls.peerSecurity();
    ManagedChannel ch = Grpc.newChannelBuilder(addresses.get("n2"), dial.dialCredentials("n2"))
        .intercept(PeerSecurity.dialInterceptor(leaderId)).build();
    closing.add(() -> {
      ch.shutdownNow();
      ch.awaitTermination(2, TimeUnit.SECONDS);
    });
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
        () -> HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()));
    assertThat(e).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).contains("'n2'").contains("'n3'");
    ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    assertThat(info.getReason()).isEqualTo(ErrorInfo.Reason.PERMISSION_DENIED);
    assertThat(info.getMemberId()).isEqualTo(leaderId);

    // one line, however many refusals (the diagnostic dial above included)
    List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith(leaderId + ": dialed member 'n2'")).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("names member 'n3'").contains(addresses.get("n2"));

    // and the same credentials reach the real n3
    ManagedChannel ok = Grpc.newChannelBuilder(addresses.get("n3"), dial.dialCredentials("n3"))
        .intercept(PeerSecurity.dialInterceptor(leaderId)).build();
    closing.add(() -> {
      ok.shutdownNow();
      ok.awaitTermination(2, TimeUnit.SECONDS);
    });
    StatusRuntimeException unimplemented = catchThrowableOfType(StatusRuntimeException.class,
        () -> HealthGrpc.newBlockingStub(ok).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()));
    // the peer listener serves only Raft: the handshake passed and the call got an answer
    assertThat(unimplemented.getStatus().getCode()).isIn(Status.Code.UNIMPLEMENTED,
        Status.Code.PERMISSION_DENIED);
    assertThat(unimplemented.getStatus().getDescription()).doesNotContain("dialed member");
  }

  private NodeServer start(String id, Path dir, Map<String, String> addresses, NodeSecurity s)
      throws Exception {
    NodeServer server = NodeServer.start(NodeConfig.of(id, dir, addresses),
        LatticeNodeCommand::clientServices, GrpcPeerTransport.Options.defaults(), null,
        ListenerLimits.defaults(), s);
    closing.add(server);
    return server;
  }

  private static NodeServer awaitLeader(Map<String, NodeServer> members) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (NodeServer s : members.values()) {
        NodeStatus st = SecureClusterFixture.status(s);
        if (st != null && st.role() == Role.LEADER && st.commitIndex() > 0) {
          return s;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader among n1 and n3 within 20 s");
  }
}
