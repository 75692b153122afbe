package io.lattice.server;

import io.grpc.ManagedChannel;
import io.lattice.kv.KvLimits;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeStatus;
import io.lattice.raft.Role;
import io.lattice.security.NodeSecurity;
import io.lattice.security.TestPki;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Three in-process {@link NodeServer}s with TLS and mutual TLS between them (test fixture). */
final class SecureClusterFixture implements AutoCloseable {
  final TestPki pki;
  final Map<String, String> addresses = new LinkedHashMap<>();
  final Map<String, NodeServer> servers = new LinkedHashMap<>();
  final Map<String, NodeSecurity> security = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  SecureClusterFixture(Path dir, boolean clientCertAuth) throws IOException {
    pki = new TestPki(dir);
    for (String id : List.of("n1", "n2", "n3")) {
      addresses.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    for (String id : addresses.keySet()) {
      NodeSecurity s = NodeSecurity.create(id, pki.settings(id, clientCertAuth));
      security.put(id, s);
      servers.put(id, NodeServer.start(NodeConfig.of(id, dir.resolve(id), addresses),
          node -> LatticeNodeCommand.clientServices(node, KvLimits.DEFAULT_MAX_TXN_OPS, s),
          GrpcPeerTransport.Options.defaults(), null,
          ListenerLimits.defaults(), s));
    }
  }

  ManagedChannel track(ManagedChannel ch) {
    channels.add(ch);
    return ch;
  }

  static NodeStatus status(NodeServer s) {
    try {
      return s.node().status().get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** The leader every node agrees on (bounded wait). */
  NodeServer awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String leader = null;
      boolean agreed = true;
      for (NodeServer s : servers.values()) {
        NodeStatus st = status(s);
        if (st == null || st.leaderId() == null || st.leaderId().isEmpty()
            || (leader != null && !leader.equals(st.leaderId()))) {
          agreed = false;
          break;
        }
        leader = st.leaderId();
      }
      if (agreed && leader != null) {
        NodeStatus ls = status(servers.get(leader));
        if (ls != null && ls.role() == Role.LEADER) {
          return servers.get(leader);
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no agreed leader within 20 s");
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
      ch.awaitTermination(2, TimeUnit.SECONDS);
    }
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }
}
