package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.lattice.node.NodeConfig;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The listener's connection hygiene: idle connections, the connection limit, malformed peers. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ListenerLimitsTest {
  @TempDir Path tmp;
  private NodeServer server;
  private final List<SocketChannel> sockets = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (SocketChannel s : sockets) {
      s.close();
    }
    for (ManagedChannel c : channels) {
      c.shutdownNow();
      c.awaitTermination(2, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  private NodeServer start(ListenerLimits limits) throws IOException {
    String address = "127.0.0.1:" + LoopbackPorts.free();
    server = NodeServer.start(NodeConfig.of("n1", tmp.resolve("n1"), Map.of("n1", address)),
        node -> List.of(), GrpcPeerTransport.Options.defaults(), null, limits);
    return server;
  }

  /** Opens {@code n} raw TCP connections to the client listener that never send a byte. */
  private List<SocketChannel> idleConnections(int n) throws IOException {
    return idleConnections(n, server.clientPort());
  }

  private List<SocketChannel> idleConnections(int n, int port) throws IOException {
    List<SocketChannel> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      sockets.add(s);
      out.add(s);
    }
    return out;
  }

  /** Waits until the server closed every one of {@code conns}; returns how many it closed. */
  private static int awaitClosedByServer(List<SocketChannel> conns, long millis)
      throws IOException {
    return awaitClosedByServer(conns, conns.size(), millis);
  }

  /** As above, returning once {@code want} of them are closed. */
  private static int awaitClosedByServer(List<SocketChannel> conns, int want, long millis)
      throws IOException {
    int closed = 0;
    try (Selector sel = Selector.open()) {
      for (SocketChannel s : conns) {
        s.configureBlocking(false);
        s.register(sel, SelectionKey.OP_READ);
      }
      ByteBuffer buf = ByteBuffer.allocate(4096);
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (closed < want && System.nanoTime() < deadline) {
        sel.select(100);
        for (SelectionKey k : sel.selectedKeys()) {
          SocketChannel s = (SocketChannel) k.channel();
          int r;
          try {
            buf.clear();
            r = s.read(buf); // the server's SETTINGS/GOAWAY frames, then end of stream
          } catch (IOException reset) {
            r = -1;
          }
          if (r < 0) {
            k.cancel();
            closed++;
          }
        }
        sel.selectedKeys().clear();
      }
    }
    return closed;
  }

  @Test
  void twoThousandIdleConnectionsAreClosedWithinTheIdleLimit() throws Exception {
    start(ListenerLimits.defaults().withMaxConnectionIdle(Duration.ofSeconds(2)));
    List<SocketChannel> conns = idleConnections(2000);
    long openedAt = System.nanoTime();
    // Bound: the idle limit plus a generous margin for a loaded machine.
    int closed = awaitClosedByServer(conns, 30_000);
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedAt);
    assertThat(closed).as("connections the server closed (after %d ms)", took).isEqualTo(2000);
    assertThat(took).as("closed only after the idle limit").isGreaterThanOrEqualTo(1500);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (server.openConnections() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(server.openConnections()).isZero();
  }

  @Test
  void connectionsPastTheLimitAreClosedAtOnceAndTheRestServe() throws Exception {
    start(ListenerLimits.defaults().withMaxConnections(20));
    List<SocketChannel> conns = idleConnections(50);
    assertThat(awaitClosedByServer(conns, 30, 10_000 /* well below the 5 min idle limit */))
        .isGreaterThanOrEqualTo(30);
    assertThat(server.openConnections()).isLessThanOrEqualTo(20);
    assertThat(server.rejectedConnections()).isGreaterThanOrEqualTo(30);
    for (SocketChannel s : conns) {
      s.close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.openConnections() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    // Once they are gone, a real client is served.
    ManagedChannel ch = channel();
    assertThat(HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus().name()).isEqualTo("SERVING");
  }

  @Test
  void thePeerListenerHasItsOwnConnectionLimit() throws Exception {
    start(ListenerLimits.defaults().withMaxConnections(20));
    List<SocketChannel> conns = idleConnections(50, server.peerPort());
    assertThat(awaitClosedByServer(conns, 30, 10_000)).isGreaterThanOrEqualTo(30);
    assertThat(server.rejectedPeerConnections()).isGreaterThanOrEqualTo(30);
    assertThat(server.openPeerConnections()).isLessThanOrEqualTo(20);
    assertThat(server.rejectedConnections()).as("the client listener counts its own").isZero();
  }

  @Test
  void fiveHundredMalformedPeerMessagesAreInvalidArgumentWithAFewLogLines() throws Exception {
    start(ListenerLimits.defaults());
    ManagedChannel ch = channel(server.peerPort());
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    captured.start();
    root.addAppender(captured);
    // gRPC itself logs through java.util.logging (e.g. a SEVERE stack trace per failed parse).
    List<java.util.logging.LogRecord> jul = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler julHandler = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          jul.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
    julRoot.addHandler(julHandler);
    try {
      for (int i = 0; i < 500; i++) {
        String method = List.of("RequestVote", "ReadIndex", "TimeoutNow").get(i % 3);
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, raw(method),
            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      }
    } finally {
      root.detachAppender(captured);
      julRoot.removeHandler(julHandler);
    }
    assertThat(jul).as("gRPC's own log records").isEmpty();
    List<ILoggingEvent> lines = captured.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    assertThat(lines).as("warnings logged for 500 malformed messages").hasSizeBetween(1, 5)
        .allSatisfy(e -> {
          assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
          assertThat(e.getFormattedMessage()).doesNotContain("\n");
        });
  }

  private ManagedChannel channel() {
    return channel(server.clientPort());
  }

  private ManagedChannel channel(int port) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  private static MethodDescriptor<byte[], byte[]> raw(String method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(RaftGrpc.SERVICE_NAME, method))
        .setRequestMarshaller(RawBytes.INSTANCE).setResponseMarshaller(RawBytes.INSTANCE).build();
  }

  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
