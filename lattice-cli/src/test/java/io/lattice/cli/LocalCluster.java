package io.lattice.cli;

import static org.assertj.core.api.Assertions.fail;

import io.grpc.BindableService;
import io.lattice.api.ClusterService;
import io.lattice.api.KvService;
import io.lattice.node.NodeConfig;
import io.lattice.server.NodeCommandLines;
import io.lattice.server.NodeServer;
import io.lattice.node.RaftNode;
import io.lattice.raft.Role;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Real Lattice nodes in this JVM, each serving the KV and Cluster APIs over gRPC on its own client
 * port of 127.0.0.1 (and Raft on its own peer port), with short Raft timing (20 ms ticks) so
 * elections take a few hundred ms.
 */
public final class LocalCluster implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(15);

  final Path dir;
  /** Client addresses (what the CLI is pointed at). */
  final Map<String, String> addresses = new LinkedHashMap<>();
  /** Peer addresses (the initial cluster). */
  final Map<String, String> peerAddresses = new LinkedHashMap<>();
  final Map<String, NodeServer> servers = new LinkedHashMap<>();

  private LocalCluster(Path dir) {
    this.dir = dir;
  }

  /** Starts nodes n1..n{size} of a new cluster and waits for a leader. */
  public static LocalCluster start(Path dir, int size) {
    return startWithout(dir, size, null);
  }

  /**
   * Starts the nodes n1..n{size} of a new cluster but {@code absent} (a member of the initial
   * cluster that never runs; null: none) and waits for a leader.
   */
  static LocalCluster startWithout(Path dir, int size, String absent) {
    LocalCluster c = new LocalCluster(dir);
    try {
      for (int i = 1; i <= size; i++) {
        c.peerAddresses.put("n" + i, "127.0.0.1:" + LoopbackPorts.free());
      }
      for (String id : c.peerAddresses.keySet()) {
        if (id.equals(absent)) {
          continue;
        }
        NodeServer s = NodeServer.start(timing(NodeConfig.of(id, dir.resolve(id),
            c.peerAddresses)), LocalCluster::services);
        c.servers.put(id, s);
        c.addresses.put(id, s.clientAddress());
      }
      c.awaitLeader();
      c.awaitClientAddresses();
      return c;
    } catch (IOException | RuntimeException | Error e) {
      c.close();
      throw e instanceof IOException io ? new UncheckedIOException(io) : sneaky(e);
    }
  }

  /** The test timing: 20 ms ticks, elections after 200-400 ms, heartbeats every 40 ms. */
  static NodeConfig timing(NodeConfig config) {
    return config.withTiming(20, 10, 2, 2).withTimeouts(3_000, 3_000);
  }

  static List<BindableService> services(RaftNode node) {
    return List.of(new KvService(node), new ClusterService(node));
  }

  /** Starts one more node (not yet a member) with {@code config} and keeps it for close(). */
  NodeServer startExtra(String id, NodeConfig config) throws IOException {
    NodeServer s = NodeServer.start(config, LocalCluster::services);
    servers.put(id, s);
    addresses.put(id, s.clientAddress());
    peerAddresses.put(id, config.peerAddress());
    return s;
  }

  /** Waits until every running node knows every running node's client address. */
  void awaitClientAddresses() {
    await("every client address recorded on every member", () -> {
      for (NodeServer s : servers.values()) {
        for (NodeServer other : servers.values()) {
          var m = s.node().header().membership().member(other.node().id());
          if (m == null || !m.clientAddress().equals(other.clientAddress())) {
            return null;
          }
        }
      }
      return true;
    });
  }

  String peerAddress(String id) {
    return peerAddresses.get(id);
  }

  /** Every address, comma-separated (for --endpoints). */
  public String endpoints() {
    return String.join(",", addresses.values());
  }

  String address(String id) {
    return addresses.get(id);
  }

  /** The leader every running node agrees on. */
  public String awaitLeader() {
    return await("a leader all running nodes agree on", () -> {
      String leader = null;
      for (NodeServer s : servers.values()) {
        if (s.node().header().role() == Role.LEADER) {
          leader = s.node().id();
        }
      }
      if (leader == null) {
        return null;
      }
      for (NodeServer s : servers.values()) {
        if (!leader.equals(s.node().header().leaderId())) {
          return null;
        }
      }
      return leader;
    });
  }

  /** Some running node that is not the leader. */
  String follower() {
    String leader = awaitLeader();
    return servers.keySet().stream().filter(id -> !id.equals(leader)).findFirst()
        .orElseThrow();
  }

  /**
   * Adds member {@code id} as a learner that stays one ({@code lattice member add --learner}, then
   * the node started from the line it prints) and waits until it follows the leader. A learner
   * never campaigns: once the leader is gone it goes on naming it.
   */
  public void addLearner(String id) throws IOException {
    String client = "127.0.0.1:" + LoopbackPorts.free();
    String peer = "127.0.0.1:" + LoopbackPorts.free();
    Cli.Result added = Cli.run("--endpoints", endpoints(), "member", "add", id, "--peer-address",
        peer, "--client-address", client, "--learner", "--data-dir", dir.resolve(id).toString());
    if (added.code() != 0) {
      fail("member add " + id + " failed: " + added);
    }
    String line = added.out().lines().toList().get(2).trim();
    NodeConfig config = NodeCommandLines.configOf(
        List.of(line.substring("lattice-node ".length()).split(" ")));
    NodeServer s = startExtra(id, timing(config));
    String leader = awaitLeader();
    await(id + " following " + leader, () -> leader.equals(s.node().header().leaderId())
        ? true : null);
    awaitClientAddresses();
  }

  /** Stops a node (graceful) and forgets it. */
  public void stop(String id) {
    NodeServer s = servers.remove(id);
    if (s != null) {
      s.close();
    }
  }

  static <T> T await(String what, Supplier<T> probe) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + WAIT + " waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }

  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (NodeServer s : servers.values()) {
      try {
        s.close();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    servers.clear();
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
    throw (E) e;
  }
}
