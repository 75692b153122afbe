package io.lattice.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import io.lattice.node.NodeStatus;

/**
 * A JVM of its own serving one {@link MetricsServer} on a free loopback port, for tests of the
 * listener's connection limits (the JDK reads them once per JVM, so each configuration needs a
 * fresh one). Prints {@code port N}, then serves until its standard input closes.
 */
public final class MetricsServerProbe {
  private MetricsServerProbe() {}

  /** No node behind the listener: health checks fail at once, scrapes carry no peer series. */
  private static final NodeProbe NO_NODE = new NodeProbe() {
    @Override
    public CompletableFuture<NodeStatus> status() {
      return CompletableFuture.failedFuture(new IllegalStateException("no node"));
    }

    @Override
    public CompletableFuture<?> quorumRead() {
      return CompletableFuture.failedFuture(new IllegalStateException("no node"));
    }

    @Override
    public String knownLeader() {
      return null;
    }
  };

  public static void main(String[] args) throws IOException {
    try (MetricsServer server = MetricsServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new PrometheusNodeMetrics(),
        NO_NODE)) {
      System.out.println("port " + server.port());
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the test closes our stdin (or dies, which closes it too)
      }
    }
  }
}
