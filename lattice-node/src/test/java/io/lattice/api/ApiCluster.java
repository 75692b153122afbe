package io.lattice.api;


import io.lattice.kv.KvStateMachine;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.lattice.node.InMemoryTransport;
import io.lattice.node.NodeConfig;
import io.lattice.raft.Member;
import io.lattice.node.RaftNode;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.raft.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real cluster of RaftNodes in one JVM over {@link InMemoryTransport}, each serving {@link
 * KvService} and {@link ClusterService} on an in-process gRPC server named after its address.
 */
final class ApiCluster implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(10);

  private final InMemoryTransport.Network network = new InMemoryTransport.Network();
  final Map<String, RaftNode<KvStateMachine>> nodes = new LinkedHashMap<>();
  /** Client addresses (what NOT_LEADER hints and leader_address carry). */
  final Map<String, String> addresses = new LinkedHashMap<>();
  /** Peer addresses (the initial cluster). */
  final Map<String, String> peerAddresses = new LinkedHashMap<>();
  private final List<Server> servers = new ArrayList<>();
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
  private final String prefix = "lattice-api-test-" + System.nanoTime() + "-";

  ApiCluster(Path dir, int maxRequestBytes, String... ids) throws Exception {
    for (String id : ids) {
      addresses.put(id, "127.0.0.1:" + (7001 + addresses.size()));
      peerAddresses.put(id, "127.0.0.1:" + (7101 + peerAddresses.size()));
    }
    for (String id : ids) {
      NodeConfig config = NodeConfig.of(id, dir.resolve(id), peerAddresses)
          .withClientAddress(addresses.get(id))
          .withTiming(10, 30, 3, 2).withTimeouts(3_000, 2_000).withMaxRequestBytes(maxRequestBytes);
      RaftNode<KvStateMachine> node = RaftNode.start(config, new KvStateMachine(), inbox -> network.transportFor(id, inbox));
      nodes.put(id, node);
      String name = prefix + addresses.get(id);
      servers.add(InProcessServerBuilder.forName(name).directExecutor()
          .addService(new KvService(node)).addService(new ClusterService(node)).build().start());
      channels.put(id, InProcessChannelBuilder.forName(name).directExecutor().build());
    }
  }

  KVGrpc.KVBlockingStub kv(String id) {
    return KVGrpc.newBlockingStub(channels.get(id)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  ClusterGrpc.ClusterBlockingStub admin(String id) {
    return ClusterGrpc.newBlockingStub(channels.get(id)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /**
   * Waits until one node leads and every node agrees, and the leader has recorded every member's
   * client address (what a NodeServer's publisher does in a real server); returns its id.
   */
  String awaitLeader() {
    String leader = awaitAgreedLeader();
    RaftNode<KvStateMachine> l = nodes.get(leader);
    for (String id : nodes.keySet()) {
      await(id + "'s client address recorded", () -> {
        Member m = l.header().membership().member(id);
        if (m == null || addresses.get(id).equals(m.clientAddress())) {
          return true;
        }
        try {
          l.setClientAddress(id, addresses.get(id)).get(2, TimeUnit.SECONDS);
          return true;
        } catch (Exception e) {
          return null; // the term's first entry or another change not committed yet: retry
        }
      });
    }
    return await("every node to know every client address", () -> {
      for (RaftNode<KvStateMachine> n : nodes.values()) {
        for (String id : nodes.keySet()) {
          Member m = n.header().membership().member(id);
          if (m != null && !addresses.get(id).equals(m.clientAddress())) {
            return null;
          }
        }
      }
      return awaitAgreedLeader();
    });
  }

  private String awaitAgreedLeader() {
    return await("a leader all nodes agree on", () -> {
      String leader = null;
      for (RaftNode<KvStateMachine> n : nodes.values()) {
        if (n.header().role() == Role.LEADER) {
          leader = n.id();
        }
      }
      if (leader == null) {
        return null;
      }
      for (RaftNode<KvStateMachine> n : nodes.values()) {
        if (!leader.equals(n.header().leaderId())) {
          return null;
        }
      }
      return leader;
    });
  }

  /** Like {@link #awaitLeader} among the nodes other than {@code stopped}. */
  String awaitLeaderAmong(String stopped) {
    return await("a leader among the running nodes", () -> {
      for (RaftNode<KvStateMachine> n : nodes.values()) {
        if (!n.id().equals(stopped) && n.header().role() == Role.LEADER) {
          return n.id();
        }
      }
      return null;
    });
  }

  String follower(String leader) {
    for (String id : nodes.keySet()) {
      if (!id.equals(leader)) {
        return id;
      }
    }
    throw new IllegalStateException("no follower");
  }

  static <T> T await(String what, Supplier<T> probe) {
    return io.lattice.node.Await.until(what, probe);
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    for (Server s : servers) {
      s.shutdownNow();
    }
    for (RaftNode<KvStateMachine> n : nodes.values()) {
      n.close();
    }
  }
}
