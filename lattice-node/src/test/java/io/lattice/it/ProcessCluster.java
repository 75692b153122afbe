package io.lattice.it;

import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A cluster of {@link NodeProcess}es on 127.0.0.1 with free ports and fast timing. */
final class ProcessCluster implements AutoCloseable {
  /**
   * Short ticks so that elections take a few hundred milliseconds (timeout 300-600 ms), yet a
   * machine busy with a build does not keep deposing leaders.
   */
  static final List<String> TIMING = List.of("--tick-ms", "30", "--election-ticks", "10",
      "--heartbeat-ticks", "2");

  final List<NodeProcess> nodes = new ArrayList<>();
  private final Path baseDir;
  private final List<String> extraArgs;
  /** Peer traffic goes through this proxy when not null (see {@link FaultProxy}). */
  final FaultProxy proxy;
  /** TLS or --insecure, for every node and for the test's clients. */
  final ProcessTls tls;

  ProcessCluster(int size, Path baseDir) {
    this(size, baseDir, List.of());
  }

  /** A cluster whose nodes all get {@code extraArgs} on top of the usual flags. */
  ProcessCluster(int size, Path baseDir, List<String> extraArgs) {
    this(size, baseDir, extraArgs, null);
  }

  /**
   * A cluster whose members dial each other through {@code proxy} (null: directly). The proxy is
   * closed with the cluster.
   */
  ProcessCluster(int size, Path baseDir, List<String> extraArgs, FaultProxy proxy) {
    this(size, baseDir, extraArgs, proxy, ProcessTls.fromProperty(baseDir.resolve("pki")));
  }

  /** As {@link #ProcessCluster(int, Path, List, FaultProxy)}, secured by {@code tls}. */
  ProcessCluster(int size, Path baseDir, List<String> extraArgs, FaultProxy proxy,
      ProcessTls tls) {
    this.tls = tls;
    this.baseDir = baseDir;
    this.extraArgs = List.copyOf(extraArgs);
    this.proxy = proxy;
    List<Integer> ports = new ArrayList<>();
    List<Integer> peerPorts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ports.add(LoopbackPorts.free());
      peerPorts.add(LoopbackPorts.free());
    }
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        initial.append(',');
      }
      initial.append("n").append(i + 1).append("=127.0.0.1:").append(peerPorts.get(i));
    }
    for (int i = 0; i < size; i++) {
      String id = "n" + (i + 1);
      List<String> args = new ArrayList<>(List.of("--id", id,
          "--data-dir", baseDir.resolve(id).toString(),
          "--listen-client", "127.0.0.1:" + ports.get(i),
          "--listen-peer", "127.0.0.1:" + peerPorts.get(i),
          "--initial-cluster", initial.toString()));
      args.addAll(TIMING);
      args.addAll(tls.nodeFlags(id));
      args.addAll(extraArgs);
      nodes.add(new NodeProcess(id, ports.get(i), peerPorts.get(i), baseDir.resolve(id), args,
          proxyArgs(id, "127.0.0.1:" + peerPorts.get(i)), tls));
    }
  }

  private List<String> proxyArgs(String id, String address) {
    if (proxy == null) {
      return List.of();
    }
    proxy.register(id, address);
    try {
      return proxy.jvmArgsFor(id);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ids of all nodes. */
  List<String> ids() {
    return nodes.stream().map(n -> n.id).collect(Collectors.toList());
  }

  /**
   * Starts one more node with {@code --join} (not yet a member: the caller adds it with MemberAdd)
   * and returns it; it belongs to this cluster from now on (closed with it).
   */
  NodeProcess startJoining(String id) throws IOException {
    int port = LoopbackPorts.free();
    int peerPort = LoopbackPorts.free();
    List<String> args = new ArrayList<>(List.of("--id", id,
        "--data-dir", baseDir.resolve(id).toString(),
        "--listen-client", "127.0.0.1:" + port, "--listen-peer", "127.0.0.1:" + peerPort,
        "--join"));
    args.addAll(TIMING);
    args.addAll(tls.nodeFlags(id));
    args.addAll(extraArgs);
    NodeProcess n = new NodeProcess(id, port, peerPort, baseDir.resolve(id), args,
        proxyArgs(id, "127.0.0.1:" + peerPort), tls);
    n.joining = true;
    nodes.add(n);
    n.start();
    return n;
  }

  ProcessCluster start() throws IOException {
    for (NodeProcess n : nodes) {
      n.start();
    }
    return this;
  }

  List<String> addresses() {
    return nodes.stream().map(NodeProcess::address).collect(Collectors.toList());
  }

  NodeProcess node(String id) {
    return nodes.stream().filter(n -> n.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(id));
  }

  /**
   * Waits until every running node answers Status, exactly one of them is LEADER and all agree on
   * its id; returns that leader.
   */
  NodeProcess awaitLeader(Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      List<StatusResponse> statuses = new ArrayList<>();
      boolean allAnswered = true;
      for (NodeProcess n : nodes) {
        if (!n.isAlive()) {
          continue;
        }
        try {
          StatusResponse st = n.status();
          if (n.joining && st.getLeaderId().isEmpty()) {
            continue; // not added yet: it knows no cluster, so it cannot agree on a leader
          }
          n.joining = false;
          statuses.add(st);
        } catch (RuntimeException e) {
          allAnswered = false;
          last = n.id + ": " + e;
        }
      }
      if (allAnswered && !statuses.isEmpty()) {
        List<StatusResponse> leaders = statuses.stream()
            .filter(s -> s.getRole() == Role.LEADER).collect(Collectors.toList());
        if (leaders.size() == 1) {
          String leaderId = leaders.get(0).getMemberId();
          boolean agreed = statuses.stream().allMatch(s -> s.getLeaderId().equals(leaderId));
          if (agreed) {
            return node(leaderId);
          }
        }
        last = statuses.stream().map(s -> s.getMemberId() + "=" + s.getRole() + "/t" + s.getTerm()
            + "/leader " + s.getLeaderId()).collect(Collectors.joining(", "));
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no single agreed leader within " + bound + "; last: " + last);
  }

  String dumpOutputs() {
    StringBuilder sb = new StringBuilder();
    for (NodeProcess n : nodes) {
      sb.append("===== ").append(n.id).append(" (").append(n.output).append(") =====\n")
          .append(n.outputTail(200)).append('\n');
    }
    return sb.toString();
  }

  @Override
  public void close() {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }
}
