package io.lattice.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.lattice.api.MalformedRequests;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.lattice.kv.KvStateMachine;
import io.lattice.metrics.MetricsServer;
import io.lattice.metrics.PrometheusNodeMetrics;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeMetrics;
import io.lattice.node.RaftNode;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.security.NodeSecurity;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Lattice member: a {@link RaftNode} talking to its peers through a {@link
 * GrpcPeerTransport}, and one Netty gRPC server on the node's listen address serving the peer
 * service ({@code lattice.v1.Raft}), the client services, the standard gRPC health service (SERVING
 * once the node has started) and server reflection.
 *
 * <p>Peer addresses come from the node's current membership (so they follow membership changes),
 * falling back to the initial cluster map for members the membership does not (yet) know.
 *
 * <p>{@link #close()} is the graceful stop: health goes NOT_SERVING, the node closes (a leader hands
 * leadership off first, while the transport and server are still up), then the transport, then the
 * server with a bounded wait.
 */
public final class NodeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeServer.class);
  /** How long {@link #close()} waits for in-flight calls before forcing the server down. */
  static final long SERVER_SHUTDOWN_MILLIS = 2_000;

  private final RaftNode<KvStateMachine> node;
  private final GrpcPeerTransport transport;
  private final Server server;
  private final HealthStatusManager health;
  private final MetricsServer metricsServer;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ConnectionLimiter limiter;
  private final NioEventLoopGroup boss;
  private final NioEventLoopGroup workers;

  private NodeServer(RaftNode<KvStateMachine> node, GrpcPeerTransport transport, Server server,
      HealthStatusManager health, MetricsServer metricsServer, ConnectionLimiter limiter,
      NioEventLoopGroup boss, NioEventLoopGroup workers) {
    this.limiter = limiter;
    this.boss = boss;
    this.workers = workers;
    this.node = node;
    this.transport = transport;
    this.server = server;
    this.health = health;
    this.metricsServer = metricsServer;
  }

  /** As {@link #start(NodeConfig, Function, GrpcPeerTransport.Options)} with default options. */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices) throws IOException {
    return start(config, clientServices, GrpcPeerTransport.Options.defaults());
  }

  /**
   * Starts the node and its server.
   *
   * @param clientServices builds the client-facing services (KV, Cluster) for the started node
   * @throws IOException if the data directory cannot be opened or the listen address cannot be
   *     bound (nothing is left running)
   */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices,
      GrpcPeerTransport.Options options) throws IOException {
    return start(config, clientServices, options, null);
  }

  /**
   * As {@link #start(NodeConfig, Function, GrpcPeerTransport.Options)}, also serving Prometheus
   * metrics over HTTP on {@code metricsAddress} ({@code host:port}; null: no metrics).
   */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices,
      GrpcPeerTransport.Options options, String metricsAddress) throws IOException {
    return start(config, clientServices, options, metricsAddress, ListenerLimits.defaults());
  }

  /**
   * As {@link #start(NodeConfig, Function, GrpcPeerTransport.Options, String)}, with the listener
   * held to {@code limits} (connections, streams per connection, idle time, keep-alive policy).
   */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices,
      GrpcPeerTransport.Options options, String metricsAddress, ListenerLimits limits)
      throws IOException {
    return start(config, clientServices, options, metricsAddress, limits,
        NodeSecurity.insecure());
  }

  /**
   * As {@link #start(NodeConfig, Function, GrpcPeerTransport.Options, String, ListenerLimits)},
   * with the listener's TLS and the peers' mutual TLS and identity checks of {@code security}
   * (the overloads without it serve plaintext, as {@code --insecure}).
   */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices,
      GrpcPeerTransport.Options options, String metricsAddress, ListenerLimits limits,
      NodeSecurity security) throws IOException {
    Objects.requireNonNull(clientServices, "clientServices");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(limits, "limits");
    InetSocketAddress listen = parseHostPort(config.listenAddress());
    InetSocketAddress metricsListen = metricsAddress == null ? null : parseHostPort(metricsAddress);
    PrometheusNodeMetrics metrics = metricsListen == null ? null : new PrometheusNodeMetrics();
    AtomicReference<RaftNode<KvStateMachine>> nodeRef = new AtomicReference<>();
    AtomicReference<GrpcPeerTransport> transportRef = new AtomicReference<>();
    Function<String, String> addresses = peer -> addressOf(config, nodeRef.get(), peer);
    RaftNode<KvStateMachine> node = RaftNode.start(config, new KvStateMachine(), inbox -> {
      GrpcPeerTransport t = new GrpcPeerTransport(config.clusterId(), config.id(), addresses,
          inbox, options, FileSnapshotStore.receiver(config.dataDir(), FileIo.SYSTEM),
          security.peerSecurity());
      transportRef.set(t);
      return t;
    }, metrics == null ? NodeMetrics.NONE : metrics);
    nodeRef.set(node);
    GrpcPeerTransport transport = transportRef.get();
    HealthStatusManager health = new HealthStatusManager();
    Server server = null;
    MetricsServer metricsServer = null;
    String binding = config.listenAddress();
    ConnectionLimiter limiter = new ConnectionLimiter(limits.maxConnections());
    NioEventLoopGroup boss = new NioEventLoopGroup(1, daemonThreads("lattice-accept-" + config.id()));
    NioEventLoopGroup workers = new NioEventLoopGroup(0, daemonThreads("lattice-io-" + config.id()));
    try {
      NettyServerBuilder b = GrpcPeerTransport.configureServer(
          NettyServerBuilder.forAddress(listen), options);
      applyLimits(b, limits);
      // Security: one listener serves clients and peers today, so it gets the shared TLS (peer
      // calls checked as on security.peerServerTls(), client calls as on
      // security.clientServerTls()); separate listeners take those two instead.
      security.sharedServerTls().applyTo(b);
      b.channelFactory(limiter.channelFactory()).bossEventLoopGroup(boss)
          .workerEventLoopGroup(workers);
      // A malformed peer message is INVALID_ARGUMENT plus a rate-limited one-line warning, not an
      // UNKNOWN error with a stack trace logged per message.
      b.addService(MalformedRequests.rejectAsInvalidArgument(transport.service().bindService(),
          transport::malformedMessage));
      for (BindableService s : clientServices.apply(node)) {
        b.addService(s);
      }
      b.addService(health.getHealthService());
      b.addService(ProtoReflectionServiceV1.newInstance());
      server = b.build().start();
      if (metrics != null) {
        binding = metricsAddress + " (metrics)";
        metricsServer = MetricsServer.start(metricsListen, metrics);
      }
    } catch (IOException | RuntimeException e) {
      if (server != null) {
        server.shutdownNow();
      }
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      node.close();
      if (transport != null) {
        transport.close();
      }
      if (e instanceof IOException) {
        throw new IOException("cannot listen on " + binding + ": " + e.getMessage(), e);
      }
      throw e;
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    node.fatalError().thenAccept(t -> health.setStatus(
        HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING));
    return new NodeServer(node, transport, server, health, metricsServer, limiter, boss,
        workers);
  }

  /** Applies the per-connection limits and the keep-alive policy to the listener. */
  static NettyServerBuilder applyLimits(NettyServerBuilder b, ListenerLimits limits) {
    long idleMillis = limits.maxConnectionIdle().toMillis();
    return b.maxConcurrentCallsPerConnection(limits.maxStreamsPerConnection())
        .maxConnectionIdle(idleMillis, TimeUnit.MILLISECONDS)
        // a connection that never completes the HTTP/2 handshake is idle too
        .handshakeTimeout(idleMillis, TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(limits.permitKeepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(limits.permitKeepAliveWithoutCalls());
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The peer's address from the current membership, else from the initial cluster map. */
  static String addressOf(NodeConfig config, RaftNode<KvStateMachine> node, String peer) {
    RaftNode.Header h = node == null ? null : node.header();
    if (h != null) {
      Membership m = h.membership();
      Member member = m == null ? null : m.member(peer);
      if (member != null && !member.address().isEmpty()) {
        return member.address();
      }
    }
    return config.initialCluster().get(peer);
  }

  /**
   * Parses {@code host:port} (an IPv6 host in brackets: {@code [::1]:7001}).
   *
   * @throws IllegalArgumentException with a message naming what is wrong
   */
  public static InetSocketAddress parseHostPort(String address) {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("an address is required (host:port)");
    }
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("'" + address + "' is not host:port");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + address + "': the port is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + address + "': the port must be in 1..65535");
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("'" + address + "': the host is empty");
    }
    return new InetSocketAddress(host, port);
  }

  public RaftNode<KvStateMachine> node() {
    return node;
  }

  public GrpcPeerTransport transport() {
    return transport;
  }

  /** The port metrics are served on, or -1 without {@code --metrics}. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** The port the server is bound to. */
  public int port() {
    return server.getPort();
  }

  /**
   * Graceful stop: node (leader hand-off first) → transport → server (bounded wait). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    try {
      node.close();
    } catch (RuntimeException e) {
      log.warn("{}: closing the node failed: {}", node.id(), e.toString());
    }
    transport.close();
    server.shutdown();
    try {
      if (!server.awaitTermination(SERVER_SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(SERVER_SHUTDOWN_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (metricsServer != null) {
      metricsServer.close();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** Connections open on the listener now. */
  public int openConnections() {
    return limiter.open();
  }

  /** Connections closed at accept because the connection limit was reached. */
  public long rejectedConnections() {
    return limiter.rejected();
  }
}
