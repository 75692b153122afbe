package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lattice.kv.KvLimits;
import io.lattice.node.NodeConfig;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.Security;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.security.NodeSecurity;
import io.lattice.testing.LoopbackPorts;
import io.lattice.tls.Identities.Role;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Status says how the member is secured (what {@code lattice member add} prints a start line
 * from): TLS with or without client certificate auth, or --insecure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusSecurityTest {
  @TempDir Path tmp;

  @Test
  void aTlsMemberReportsTlsAndWhetherItRequiresClientCertificates() throws Exception {
    for (boolean clientCertAuth : new boolean[] {true, false}) {
      try (SecureClusterFixture cluster = new SecureClusterFixture(
          tmp.resolve("auth-" + clientCertAuth), clientCertAuth)) {
        NodeServer n1 = cluster.servers.get("n1");
        ManagedChannel ch = cluster.track(cluster.pki.channel(n1.clientAddress(),
            cluster.pki.client("auditor", Role.READONLY)));
        Security s = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance()).getSecurity();
        assertThat(s).isEqualTo(Security.newBuilder().setClientTls(true).setPeerTls(true)
            .setClientCertAuth(clientCertAuth).build());
      }
    }
  }

  @Test
  void anInsecureMemberReportsPlaintext() throws Exception {
    String address = "127.0.0.1:" + LoopbackPorts.free();
    NodeSecurity insecure = NodeSecurity.insecure();
    try (NodeServer n1 = NodeServer.start(NodeConfig.of("n1", tmp.resolve("n1"),
        Map.of("n1", address)), node -> LatticeNodeCommand.clientServices(node,
            KvLimits.DEFAULT_MAX_TXN_OPS, insecure))) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(n1.clientAddress()).usePlaintext()
          .build();
      try {
        var r = ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
        assertThat(r.hasSecurity()).isTrue();
        assertThat(r.getSecurity()).isEqualTo(Security.getDefaultInstance());
      } finally {
        ch.shutdownNow();
        ch.awaitTermination(2, TimeUnit.SECONDS);
      }
    }
  }
}
