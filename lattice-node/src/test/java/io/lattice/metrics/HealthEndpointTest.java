package io.lattice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeStatus;
import io.lattice.raft.Role;
import io.lattice.server.NodeServer;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics listener's health checks ({@code /livez}, {@code /readyz}, {@code /health}) and the
 * gauges read at scrape time, on three real nodes in one JVM.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HealthEndpointTest {
  private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(20);
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path tmp;
  private final Map<String, NodeServer> servers = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    Map<String, String> cluster = new LinkedHashMap<>();
    for (String id : List.of("n1", "n2", "n3")) {
      cluster.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    for (String id : cluster.keySet()) {
      servers.put(id, NodeServer.start(NodeConfig.of(id, tmp.resolve(id), cluster),
          node -> List.of(), GrpcPeerTransport.Options.defaults(), "127.0.0.1:" + LoopbackPorts.free()));
    }
  }

  @AfterEach
  void close() {
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }

  @Test
  void aHealthyClusterAnswers200OnEveryMemberAndUnknownPaths404() throws Exception {
    NodeServer leader = awaitLeader();
    for (NodeServer s : servers.values()) {
      HttpResponse<String> h = get(s, "/health");
      assertThat(h.statusCode()).as(h.body()).isEqualTo(200);
      assertThat(h.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(h.body()).startsWith("{\"health\":\"true\",\"reason\":\"\"")
          .contains("\"member\":\"" + s.node().id() + "\"")
          .contains("\"leader\":\"" + leader.node().id() + "\"")
          .contains("\"has_leader\":true", "\"has_quorum\":true", "\"alarms\":[]",
              "\"reasons\":[]");
      assertThat(get(s, "/readyz").statusCode()).isEqualTo(200);
      HttpResponse<String> live = get(s, "/livez");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.body()).contains("\"has_quorum\":null"); // livez does not test the quorum
    }
    for (String wrong : List.of("/nope", "/healthz", "/health/x", "/metrics/x", "/-/healthy")) {
      HttpResponse<String> r = get(leader, wrong);
      assertThat(r.statusCode()).as(wrong).isEqualTo(404);
      assertThat(r.body()).contains("not found: " + wrong);
    }
    assertThat(get(leader, "/").statusCode()).isEqualTo(200);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(leader, "/health"))
        .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void theLeaderExportsEachPeersReplicationAndFollowersExportNone() throws Exception {
    NodeServer leader = awaitLeader();
    NodeStatus st = leader.node().status().get(5, TimeUnit.SECONDS);
    String body = scrape(leader);
    assertThat(value(body, "lattice_has_leader")).isEqualTo(1);
    for (NodeServer s : servers.values()) {
      String id = s.node().id();
      if (s == leader) {
        assertThat(body).doesNotContain("lattice_peer_match_index{peer=\"" + id + "\"}");
        continue;
      }
      assertThat(value(body, "lattice_peer_match_index{peer=\"" + id + "\"}"))
          .isGreaterThanOrEqualTo(1).isLessThanOrEqualTo(st.logLastIndex() + 10);
      assertThat(value(body, "lattice_peer_lag_entries{peer=\"" + id + "\"}"))
          .isGreaterThanOrEqualTo(0);
      assertThat(value(body, "lattice_peer_last_contact_seconds{peer=\"" + id + "\"}"))
          .isGreaterThanOrEqualTo(0).isLessThan(5);
      String follower = scrape(s);
      assertThat(value(follower, "lattice_has_leader")).isEqualTo(1);
      assertThat(follower).doesNotContain("lattice_peer_match_index{");
    }
  }

  @Test
  void clientGrpcCallsAreCountedByMethodAndCode() throws Exception {
    NodeServer n1 = servers.get("n1");
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", n1.clientPort())
        .usePlaintext().build();
    try {
      for (int i = 0; i < 3; i++) {
        HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
      }
    } finally {
      ch.shutdownNow();
    }
    String body = scrape(n1);
    assertThat(value(body, "lattice_grpc_requests_total{code=\"OK\","
        + "method=\"grpc.health.v1.Health/Check\"}")).isEqualTo(3);
    assertThat(value(body, "lattice_grpc_request_duration_seconds_count{"
        + "method=\"grpc.health.v1.Health/Check\"}")).isEqualTo(3);
  }

  @Test
  void aMemberWithoutQuorumIsLiveButNotReadyNorHealthyAndSaysWhy() throws Exception {
    NodeServer leader = awaitLeader();
    NodeServer left = null;
    for (NodeServer s : List.copyOf(servers.values())) {
      if (s != leader && left == null) {
        left = s;
      } else {
        s.close();
        servers.remove(s.node().id());
      }
    }
    long deadline = System.nanoTime() + WAIT_NANOS;
    HttpResponse<String> h = get(left, "/health");
    while (h.statusCode() != 503 || !h.body().contains("no leader known")) {
      assertThat(System.nanoTime() - deadline).as("waiting for 503 without a leader: %s",
          h.body()).isNegative();
      Thread.sleep(100);
      h = get(left, "/health");
    }
    assertThat(h.body()).startsWith("{\"health\":\"false\",\"reason\":\"no leader known")
        .contains("\"has_leader\":false");
    assertThat(get(left, "/readyz").statusCode()).isEqualTo(503);
    assertThat(get(left, "/livez").statusCode()).isEqualTo(200);
    assertThat(value(scrape(left), "lattice_has_leader")).isEqualTo(0);
  }

  private NodeServer awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + WAIT_NANOS;
    while (true) {
      for (NodeServer s : servers.values()) {
        if (s.node().header() != null && s.node().header().role() == Role.LEADER) {
          boolean all = true;
          for (NodeServer o : servers.values()) {
            all &= o.node().header() != null
                && s.node().id().equals(o.node().header().leaderId());
          }
          if (all) {
            return s;
          }
        }
      }
      assertThat(System.nanoTime() - deadline).as("waiting for a leader").isNegative();
      Thread.sleep(20);
    }
  }

  private URI uri(NodeServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.metricsPort() + path);
  }

  private HttpResponse<String> get(NodeServer s, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String scrape(NodeServer s) throws Exception {
    HttpResponse<String> r = get(s, "/metrics");
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
