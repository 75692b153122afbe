package io.lattice.metrics;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A JVM of its own serving one {@link MetricsServer} on a free loopback port, for tests of the
 * listener's connection limits (the JDK reads them once per JVM, so each configuration needs a
 * fresh one). Prints {@code port N}, then serves until its standard input closes.
 */
public final class MetricsServerProbe {
  private MetricsServerProbe() {}

  public static void main(String[] args) throws IOException {
    try (MetricsServer server = MetricsServer.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new PrometheusNodeMetrics())) {
      System.out.println("port " + server.port());
      System.out.flush();
      while (System.in.read() >= 0) {
        // serve until the test closes our stdin (or dies, which closes it too)
      }
    }
  }
}
