package io.lattice.metrics;

import com.sun.net.httpserver.HttpServer;
import io.lattice.util.DaemonThreads;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one node's metrics over HTTP at {@code /metrics} (Prometheus text format; OpenMetrics
 * when asked for) and its health checks at {@code /livez}, {@code /readyz} and {@code /health}
 * (JSON; 200 when the check passes, 503 when not: see {@link HealthCheck}) on the {@code
 * --metrics} address; any other path is 404. It is held to limits so that no number of clients,
 * idle sockets or slow readers can exhaust the node (file descriptors, threads, memory):
 *
 * <ul>
 *   <li>at most {@link #DEFAULT_MAX_CONNECTIONS} open connections; one accepted past it is closed
 *       at once, without a response;
 *   <li>a connection idle for {@link #DEFAULT_IDLE_SECONDS} seconds between requests is closed, and
 *       one that does not send a complete request head within {@link #DEFAULT_MAX_REQUEST_SECONDS}
 *       seconds of being accepted (or of its last response) is closed too;
 *   <li>a response that the client does not read within {@link #DEFAULT_MAX_RESPONSE_SECONDS}
 *       seconds is abandoned and its connection closed;
 *   <li>requests are answered by {@link #WORKERS} daemon threads named {@code lattice-metrics-N}.
 *       Their queue needs no bound of its own: the JDK server reads the next request of a
 *       connection only after the previous one was answered, so at most one task per open
 *       connection waits, and connections are bounded.
 * </ul>
 *
 * <p>The connection limits are enforced by the JDK's HTTP server ({@code com.sun.net.httpserver}),
 * which reads them once per JVM from system properties when its first server is created: this
 * class sets them (to the defaults above) on first use unless they were set already, so an
 * operator may override them in {@code JAVA_OPTS} ({@code -Djdk.httpserver.maxConnections=N},
 * {@code -Dsun.net.httpserver.idleInterval=SECONDS}, {@code -Dsun.net.httpserver.maxReqTime=SECONDS},
 * {@code -Dsun.net.httpserver.maxRspTime=SECONDS}). A JDK too old to know
 * {@code jdk.httpserver.maxConnections} is reported once at start.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

  /** Open connections to the metrics listener at a time (a scraper needs one or two). */
  public static final int DEFAULT_MAX_CONNECTIONS = 64;
  /** Seconds a kept-alive connection may wait for its next request. */
  public static final int DEFAULT_IDLE_SECONDS = 30;
  /** Seconds a client has to send a request's head and body. */
  public static final int DEFAULT_MAX_REQUEST_SECONDS = 10;
  /** Seconds a client has to read a response. */
  public static final int DEFAULT_MAX_RESPONSE_SECONDS = 30;
  /** Threads answering requests. */
  public static final int WORKERS = 2;

  static final String MAX_CONNECTIONS_PROPERTY = "jdk.httpserver.maxConnections";
  static final String IDLE_PROPERTY = "sun.net.httpserver.idleInterval";
  static final String MAX_REQUEST_PROPERTY = "sun.net.httpserver.maxReqTime";
  static final String MAX_RESPONSE_PROPERTY = "sun.net.httpserver.maxRspTime";

  static {
    // Before any HttpServer exists in this JVM: the JDK reads these in a static initializer.
    setUnlessSet(MAX_CONNECTIONS_PROPERTY, DEFAULT_MAX_CONNECTIONS);
    setUnlessSet(IDLE_PROPERTY, DEFAULT_IDLE_SECONDS);
    setUnlessSet(MAX_REQUEST_PROPERTY, DEFAULT_MAX_REQUEST_SECONDS);
    setUnlessSet(MAX_RESPONSE_PROPERTY, DEFAULT_MAX_RESPONSE_SECONDS);
  }

  /**
   * Connections the kernel holds for the server until it accepts them. The exporter's own server
   * asks for 3, which under a burst of connections makes the kernel drop handshakes (clients then
   * hang in connect or see their connection vanish later) instead of letting the server accept
   * them and close those past the limit at once.
   */
  static final int BACKLOG = 128;

  private final HttpServer server;
  private final ExecutorService workers;

  private MetricsServer(HttpServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
  }

  /**
   * Starts serving {@code metrics}, and the health checks of the node {@code probe} reads, on
   * {@code address}.
   *
   * @throws IOException if the address cannot be bound
   */
  public static MetricsServer start(InetSocketAddress address, PrometheusNodeMetrics metrics,
      NodeProbe probe) throws IOException {
    HealthCheck health = new HealthCheck(probe);
    ReplicationGauges gauges = new ReplicationGauges(metrics.registry(), probe,
        HealthCheck.DEFAULT_STATUS_TIMEOUT.toMillis());
    warnIfLimitUnsupported();
    ExecutorService workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), DaemonThreads.numbered("lattice-metrics"));
    try {
      // Built here rather than by the exporter's HTTPServer, which fixes the backlog at 3.
      HttpServer server = HttpServer.create(address, BACKLOG);
      server.createContext("/metrics",
          new ScrapeHandler(gauges, new MetricsHandler(metrics.registry())));
      for (HealthCheck.Kind kind : HealthCheck.Kind.values()) {
        server.createContext(kind.path(), new HealthHandler(health, kind));
      }
      server.createContext("/", new RootHandler());
      server.setExecutor(workers);
      server.start();
      return new MetricsServer(server, workers);
    } catch (IOException | RuntimeException e) {
      workers.shutdownNow();
      throw e;
    }
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops listening, closes every connection and ends the worker threads. */
  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }

  private static void setUnlessSet(String property, int value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, Integer.toString(value));
    }
  }

  private static volatile boolean checkedJdk;

  /**
   * Older JDK 17 updates ignore {@code jdk.httpserver.maxConnections}; say so once rather than let
   * an operator believe the listener is bounded. (Class files are readable resources of any
   * module, so this needs no access to the JDK's internals.)
   */
  private static void warnIfLimitUnsupported() {
    if (checkedJdk) {
      return;
    }
    checkedJdk = true;
    Module httpserver = com.sun.net.httpserver.HttpServer.class.getModule();
    boolean known = false;
    boolean found = false;
    // JDK 17 reads its properties in ServerConfig's privileged action, later JDKs in ServerConfig.
    for (String name : new String[] {"ServerConfig", "ServerConfig$1"}) {
      try (InputStream in = httpserver.getResourceAsStream("sun/net/httpserver/" + name + ".class")) {
        if (in != null) {
          found = true;
          String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
          known |= text.contains(MAX_CONNECTIONS_PROPERTY);
        }
      } catch (IOException e) {
        return; // cannot tell; the limit most likely holds
      }
    }
    if (found && !known) {
      LOG.warn("this JDK ({}) does not limit HTTP connections ({} is unknown to it): the "
          + "metrics listener accepts any number of connections; use a newer JDK 17 update",
          Runtime.version(), MAX_CONNECTIONS_PROPERTY);
    }
  }
}
