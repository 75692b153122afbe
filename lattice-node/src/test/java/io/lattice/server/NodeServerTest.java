package io.lattice.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeStatus;
import io.lattice.node.ReadConsistency;
import io.lattice.raft.Role;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three {@link NodeServer}s in one JVM over real gRPC on 127.0.0.1. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeServerTest {
  private static final long WAIT_MILLIS = 10_000;

  @TempDir Path tmp;
  private final Map<String, String> cluster = new LinkedHashMap<>();
  private final Map<String, NodeServer> servers = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startCluster() throws Exception {
    for (String id : List.of("n1", "n2", "n3")) {
      cluster.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    for (String id : cluster.keySet()) {
      NodeConfig c = NodeConfig.of(id, tmp.resolve(id), cluster);
      servers.put(id, NodeServer.start(c, node -> List.of()));
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
      ch.awaitTermination(2, TimeUnit.SECONDS);
    }
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }

  private ManagedChannel channel(NodeServer s) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.clientPort()).usePlaintext()
        .build();
    channels.add(ch);
    return ch;
  }

  /** Polls {@code probe} until it returns non-null, failing with {@code what} after the deadline. */
  private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT_MILLIS + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static NodeStatus status(NodeServer s) {
    try {
      return s.node().status().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** A leader that every running node agrees on (by asking each node's status). */
  private NodeServer awaitLeader() throws InterruptedException {
    return await("a leader all running nodes agree on", () -> {
      String leader = null;
      for (NodeServer s : servers.values()) {
        NodeStatus st = status(s);
        if (st == null || st.leaderId() == null || st.leaderId().isEmpty()) {
          return null;
        }
        if (leader != null && !leader.equals(st.leaderId())) {
          return null;
        }
        leader = st.leaderId();
      }
      NodeServer l = servers.get(leader);
      NodeStatus ls = l == null ? null : status(l);
      return ls != null && ls.role() == Role.LEADER ? l : null;
    });
  }

  private static byte[] put(String key, String value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, System.currentTimeMillis(),
        key.getBytes(UTF_8), value.getBytes(UTF_8), false));
  }

  private static String staleValue(NodeServer s, String key) {
    try {
      Optional<KvEntry> e = s.node().read(ReadConsistency.STALE,
          sm -> sm.get(key.getBytes(UTF_8))).get(2, TimeUnit.SECONDS);
      return e.map(kv -> new String(kv.value(), UTF_8)).orElse(null);
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void electsALeaderAndReplicatesOverGrpc() throws Exception {
    NodeServer leader = awaitLeader();
    leader.node().propose(put("greeting", "hello")).get(5, TimeUnit.SECONDS);
    for (NodeServer s : servers.values()) {
      await(s.node().id() + " to apply greeting=hello",
          () -> "hello".equals(staleValue(s, "greeting")) ? Boolean.TRUE : null);
    }
  }

  @Test
  void healthReportsServing() throws Exception {
    for (NodeServer s : servers.values()) {
      HealthCheckResponse r = HealthGrpc.newBlockingStub(channel(s))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }

  @Test
  void reflectionListsTheClientListenersServices() throws Exception {
    NodeServer s = servers.get("n1");
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel(s))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            names.complete(r.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).collect(Collectors.toList()));
          }

          @Override
          public void onError(Throwable t) {
            names.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> got = names.get(5, TimeUnit.SECONDS);
    req.onCompleted();
    assertThat(got).as("the client listener: the peer service is on the peer listener only")
        .contains("grpc.health.v1.Health").doesNotContain("lattice.v1.Raft");
  }

  /** Older tools (grpcurl before 1.8.8, Evans, Postman) speak reflection v1alpha only. */
  @Test
  @SuppressWarnings("deprecation")
  void reflectionIsServedInV1alphaToo() throws Exception {
    NodeServer s = servers.get("n1");
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> req =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel(s))
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(new StreamObserver<>() {
              @Override
              public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse r) {
                names.complete(r.getListServicesResponse().getServiceList().stream()
                    .map(io.grpc.reflection.v1alpha.ServiceResponse::getName)
                    .collect(Collectors.toList()));
              }

              @Override
              public void onError(Throwable t) {
                names.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
    req.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
        .setListServices("").build());
    List<String> got = names.get(5, TimeUnit.SECONDS);
    req.onCompleted();
    assertThat(got).contains("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection").doesNotContain("lattice.v1.Raft");
  }

  @Test
  void closingTheLeaderHandsLeadershipToAnotherNode() throws Exception {
    NodeServer leader = awaitLeader();
    String oldId = leader.node().id();
    leader.node().propose(put("k", "v")).get(5, TimeUnit.SECONDS);
    long started = System.nanoTime();
    leader.close();
    long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    servers.remove(oldId);
    // close() waits for the hand-off; a failed hand-off would have taken the whole transfer
    // timeout, and an election (instead of a transfer) would take at least the election timeout.
    assertThat(closeMillis).isLessThan(NodeConfig.DEFAULT_TRANSFER_TIMEOUT_MILLIS);
    NodeServer next = awaitLeader();
    assertThat(next.node().id()).isNotEqualTo(oldId);
    next.node().propose(put("k", "after")).get(5, TimeUnit.SECONDS);
    assertThat(leader.node().terminated()).isDone();
  }
}
