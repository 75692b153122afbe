package io.lattice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metrics listener holds its connections to a bound and closes idle ones, as the gRPC
 * listeners do: thousands of idle TCP connections cannot pin file descriptors on a node, and
 * {@code /metrics} answers again once they are gone. Each case runs the server in a JVM of its own
 * ({@link MetricsServerProbe}), because the JDK's HTTP server reads its limits once per JVM.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MetricsListenerLimitsTest {
  private Process probe;
  private final List<SocketChannel> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (SocketChannel s : sockets) {
      s.close();
    }
    if (probe != null) {
      probe.destroyForcibly();
      assertThat(probe.waitFor(10, TimeUnit.SECONDS)).as("probe JVM exits").isTrue();
    }
  }

  @Test
  void defaultLimitClosesConnectionsPastSixtyFourAtOnce() throws Exception {
    int port = startProbe(List.of());
    openIdle(port, 200);
    // Those past the limit are closed as soon as the server accepts them; the others stay open
    // (the idle timeout, 10 s for a connection that never sent a request, is far away).
    awaitOpen(MetricsServer.DEFAULT_MAX_CONNECTIONS, Duration.ofSeconds(8));
    for (SocketChannel s : sockets) {
      s.close();
    }
    assertThat(scrapeWithin(port, Duration.ofSeconds(10))).contains("lattice_term");
  }

  /** The idle interval of the 2,000-connection run, in seconds. */
  private static final int IDLE_SECONDS = 8;

  @Test
  void twoThousandIdleConnectionsAreCutToTheLimitThenClosedWhenIdle() throws Exception {
    int port = startProbe(List.of("-Djdk.httpserver.maxConnections=16",
        "-Dsun.net.httpserver.idleInterval=" + IDLE_SECONDS, "-Dsun.net.httpserver.clockTick=200"));
    openIdle(port, 2000);
    // The idle interval is long enough that the 16 kept are still open when the last of the 2,000
    // is refused (with 1 s they were sometimes closed as idle before the count was seen).
    awaitOpen(16, Duration.ofSeconds(IDLE_SECONDS));
    // The 16 left never send a request: closed after the idle interval, not kept forever.
    awaitOpen(0, Duration.ofSeconds(IDLE_SECONDS + 10));
    assertThat(scrapeWithin(port, Duration.ofSeconds(10))).contains("lattice_term");

    // A kept-alive connection that answered a request is closed once idle too.
    SocketChannel keptAlive = SocketChannel.open(loopback(port));
    sockets.add(keptAlive);
    keptAlive.write(ByteBuffer.wrap(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII)));
    keptAlive.socket().setSoTimeout((IDLE_SECONDS + 10) * 1000);
    byte[] buf = new byte[65536];
    int n = keptAlive.socket().getInputStream().read(buf);
    assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
    long start = System.nanoTime();
    while (keptAlive.socket().getInputStream().read(buf) >= 0) {
      // drain the rest of the answer until the server closes the connection
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(Duration.ofSeconds(IDLE_SECONDS + 5));
  }

  private int startProbe(List<String> jvmArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx64m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    String cp = System.getProperty("surefire.test.class.path");
    cmd.add(cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp);
    cmd.add(MetricsServerProbe.class.getName());
    probe = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the probe's first line").startsWith("port ");
    return Integer.parseInt(line.substring("port ".length()).trim());
  }

  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  private void openIdle(int port, int count) throws IOException {
    for (int i = 0; i < count; i++) {
      SocketChannel s = SocketChannel.open(loopback(port));
      s.configureBlocking(false);
      sockets.add(s);
    }
  }

  /** Waits until exactly {@code expected} of the idle sockets are still open (not closed by us). */
  private void awaitOpen(int expected, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    int open;
    while (true) {
      open = 0;
      for (SocketChannel s : sockets) {
        if (s.isOpen() && !s.isBlocking() && isOpenAtServer(s)) {
          open++;
        }
      }
      if (open == expected || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(open).as("connections the server keeps open").isEqualTo(expected);
  }

  private static boolean isOpenAtServer(SocketChannel s) {
    try {
      return s.read(ByteBuffer.allocate(1)) == 0;
    } catch (IOException reset) {
      return false;
    }
  }

  private static String scrapeWithin(int port, Duration within) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
