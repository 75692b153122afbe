package io.lattice.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Serves one node's metrics over HTTP at {@code /metrics} (Prometheus text format; OpenMetrics
 * when asked for) on the {@code --metrics} address.
 */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;

  private MetricsServer(HTTPServer server) {
    this.server = server;
  }

  /**
   * Starts serving {@code metrics} on {@code address}.
   *
   * @throws IOException if the address cannot be bound
   */
  public static MetricsServer start(InetSocketAddress address, PrometheusNodeMetrics metrics)
      throws IOException {
    HTTPServer server = HTTPServer.builder()
        .inetAddress(address.getAddress())
        .port(address.getPort())
        .registry(metrics.registry())
        .buildAndStart();
    return new MetricsServer(server);
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
