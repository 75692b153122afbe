package io.lattice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.node.NodeConfig;
import io.lattice.server.NodeServer;
import io.lattice.raft.Role;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node started with a metrics address serves its Prometheus metrics over HTTP. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MetricsEndpointTest {
  @TempDir Path tmp;
  private NodeServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void termRoleIndexesProposalsLatenciesElectionsAndSnapshotsAreExported() throws Exception {
    String address = "127.0.0.1:" + LoopbackPorts.free();
    NodeConfig config = NodeConfig.of("n1", tmp.resolve("n1"), Map.of("n1", address))
        .withTiming(10, 10, 2, 2);
    server = NodeServer.start(config, node -> List.of(), GrpcPeerTransport.Options.defaults(),
        "127.0.0.1:" + LoopbackPorts.free());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.node().header().role() != Role.LEADER) {
      assertThat(System.nanoTime() - deadline).as("waiting for n1 to lead").isNegative();
      Thread.sleep(10);
    }
    for (int i = 0; i < 25; i++) {
      server.node().propose(KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 1000 + i,
          ("k" + i).getBytes(StandardCharsets.UTF_8), new byte[] {1}, false)))
          .get(5, TimeUnit.SECONDS);
    }
    long snapshotIndex = server.node().snapshotNow().get(5, TimeUnit.SECONDS).index();

    String body = scrape(server.metricsPort());
    assertThat(value(body, "lattice_term")).isGreaterThanOrEqualTo(1);
    assertThat(value(body, "lattice_role{role=\"leader\"}")).isEqualTo(1);
    assertThat(value(body, "lattice_role{role=\"follower\"}")).isEqualTo(0);
    assertThat(value(body, "lattice_commit_index")).isGreaterThanOrEqualTo(26);
    assertThat(value(body, "lattice_applied_index")).isGreaterThanOrEqualTo(26);
    assertThat(value(body, "lattice_snapshot_index")).isEqualTo(snapshotIndex);
    assertThat(value(body, "lattice_log_size_bytes")).isPositive();
    assertThat(value(body, "lattice_proposals_total{outcome=\"succeeded\"}")).isEqualTo(25);
    assertThat(value(body, "lattice_proposals_total{outcome=\"failed\"}")).isEqualTo(0);
    assertThat(value(body, "lattice_log_append_seconds_count")).isGreaterThanOrEqualTo(1);
    assertThat(value(body, "lattice_log_fsync_seconds_count")).isGreaterThanOrEqualTo(1);
    assertThat(body).contains("lattice_log_fsync_seconds_bucket{le=\"0.001\"}");
    assertThat(value(body, "lattice_elections_total")).isGreaterThanOrEqualTo(1);
    assertThat(value(body, "lattice_leader_changes_total")).isGreaterThanOrEqualTo(1);
    assertThat(value(body, "lattice_snapshots_taken_total")).isEqualTo(1);
    assertThat(value(body, "lattice_snapshot_write_seconds_count")).isEqualTo(1);
    assertThat(value(body, "lattice_snapshot_capture_seconds_count")).isEqualTo(1);
    assertThat(value(body, "lattice_snapshots_installed_total")).isEqualTo(0);
    assertThat(value(body, "lattice_disk_free_bytes")).isPositive();
    assertThat(body).contains("lattice_alarm{type=\"NO_SPACE\"}");
    assertThat(value(body, "lattice_alarm{type=\"SNAPSHOT_FAILED\"}")).isEqualTo(0);
    assertThat(value(body, "lattice_snapshot_failures_total")).isEqualTo(0);
  }

  @Test
  void aMetricsAddressInUseFailsTheStartAndLeavesNothingRunning() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1,
        java.net.InetAddress.getByName("127.0.0.1"))) {
      String address = "127.0.0.1:" + LoopbackPorts.free();
      NodeConfig config = NodeConfig.of("n1", tmp.resolve("n1"), Map.of("n1", address));
      try {
        NodeServer.start(config, node -> List.of(), GrpcPeerTransport.Options.defaults(),
            "127.0.0.1:" + taken.getLocalPort()).close();
        throw new AssertionError("started although the metrics port is taken");
      } catch (IOException e) {
        assertThat(e).hasMessageContaining("(metrics)");
      }
      // the node released its data directory and port: it can start again at once
      server = NodeServer.start(config, node -> List.of());
    }
  }

  private static String scrape(int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** The value of the sample named exactly {@code sample} (name plus labels). */
  private static double value(String body, String sample) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)").matcher(body);
    assertThat(m.find()).as("sample %s in:%n%s", sample, body).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
