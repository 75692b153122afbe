package io.lattice.server;

import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.lattice.api.MalformedRequests;
import io.lattice.kv.KvStateMachine;
import io.lattice.metrics.GrpcRequestMetrics;
import io.lattice.metrics.MetricsServer;
import io.lattice.metrics.NodeProbe;
import io.lattice.metrics.PrometheusNodeMetrics;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeMetrics;
import io.lattice.node.NodeStatus;
import io.lattice.node.ReadConsistency;
import io.lattice.node.RaftNode;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.security.NodeSecurity;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Lattice member: a {@link RaftNode} talking to its peers through a {@link
 * GrpcPeerTransport}, and two gRPC listeners ({@link GrpcListener}), each serving only its own
 * services:
 *
 * <ul>
 *   <li>the <b>client listener</b> ({@link NodeConfig#clientAddress()}, {@code --listen-client}):
 *       the client services (KV, Cluster), the standard gRPC health service (SERVING once the node
 *       has started) and server reflection;
 *   <li>the <b>peer listener</b> ({@link NodeConfig#peerAddress()}, {@code --listen-peer}): the
 *       peer service {@code lattice.v1.Raft} only.
 * </ul>
 *
 * A call to a service on the wrong listener is UNIMPLEMENTED: a client can never send Raft
 * messages on the client port, and the peer port answers nothing but Raft.
 *
 * <p>Peers are dialled at their peer addresses from the node's current membership (so they follow
 * membership changes), falling back to the initial cluster map for members the membership does not
 * (yet) know. The node's client address is advertised to the leader in every AppendEntries
 * response, and the leader records it in the membership ({@link ClientAddressPublisher}).
 *
 * <p>{@link #close()} is the graceful stop: health goes NOT_SERVING, the node closes (a leader hands
 * leadership off first, while the transport and listeners are still up), then the transport, then
 * the listeners with a bounded wait.
 */
public final class NodeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeServer.class);
  /** How long {@link #close()} waits for in-flight calls before forcing a listener down. */
  static final long SERVER_SHUTDOWN_MILLIS = 2_000;

  private final RaftNode<KvStateMachine> node;
  private final GrpcPeerTransport transport;
  private final GrpcListener clientListener;
  private final GrpcListener peerListener;
  private final String clientAddress;
  private final HealthStatusManager health;
  private final MetricsServer metricsServer;
  private final ClientAddressPublisher publisher;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NodeServer(RaftNode<KvStateMachine> node, GrpcPeerTransport transport,
      GrpcListener clientListener, GrpcListener peerListener, String clientAddress,
      HealthStatusManager health, MetricsServer metricsServer, ClientAddressPublisher publisher) {
    this.node = node;
    this.transport = transport;
    this.clientListener = clientListener;
    this.peerListener = peerListener;
    this.clientAddress = clientAddress;
    this.health = health;
    this.metricsServer = metricsServer;
    this.publisher = publisher;
  }

  /** As {@link #start(NodeConfig, Function, GrpcPeerTransport.Options)} with default options. */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices) throws IOException {
    return start(config, clientServices, GrpcPeerTransport.Options.defaults());
  }

  /**
   * Starts the node and its listeners.
   *
   * @param clientServices builds the client-facing services (KV, Cluster) for the started node
   * @throws IOException if the data directory cannot be opened or a listen address cannot be
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
   * As {@link #start(NodeConfig, Function, GrpcPeerTransport.Options, String)}, with each listener
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
   * with the client listener's TLS and the peers' mutual TLS and identity checks of {@code security}
   * (the overloads without it serve plaintext, as {@code --insecure}).
   */
  public static NodeServer start(NodeConfig config,
      Function<RaftNode<KvStateMachine>, List<BindableService>> clientServices,
      GrpcPeerTransport.Options options, String metricsAddress, ListenerLimits limits,
      NodeSecurity security) throws IOException {
    Objects.requireNonNull(clientServices, "clientServices");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(limits, "limits");
    InetSocketAddress peerListen = parseHostPort(config.peerAddress());
    // No client address (tests): the peer host on a port chosen at bind time.
    InetSocketAddress clientListen = config.clientAddress().isEmpty()
        ? new InetSocketAddress(peerListen.getHostString(), 0)
        : parseHostPort(config.clientAddress());
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
    String refusal = checkRecordedPeerAddress(config, node);
    if (refusal != null) {
      node.close();
      transport.close();
      throw new IOException(refusal);
    }
    HealthStatusManager health = new HealthStatusManager();
    GrpcListener peerListener = null;
    GrpcListener clientListener = null;
    MetricsServer metricsServer = null;
    try {
      // A malformed peer message is INVALID_ARGUMENT plus a rate-limited one-line warning, not an
      // UNKNOWN error with a stack trace logged per message.
      peerListener = GrpcListener.start(GrpcListener.Kind.PEER, config.id(), peerListen,
          List.of(MalformedRequests.rejectAsInvalidArgument(transport.service().bindService(),
              transport::malformedMessage)), limits, options, security.peerServerTls());
      List<ServerServiceDefinition> clientSide = new ArrayList<>();
      for (BindableService s : clientServices.apply(node)) {
        clientSide.add(s.bindService());
      }
      clientSide.add(health.getHealthService().bindService());
      clientSide.addAll(reflectionServices());
      if (metrics != null) {
        GrpcRequestMetrics requestMetrics = new GrpcRequestMetrics(metrics.registry());
        clientSide.replaceAll(d -> ServerInterceptors.intercept(d, requestMetrics));
      }
      clientListener = GrpcListener.start(GrpcListener.Kind.CLIENT, config.id(), clientListen,
          clientSide, limits, options, security.clientServerTls());
      if (metrics != null) {
        try {
          metricsServer = MetricsServer.start(metricsListen, metrics, probe(node));
        } catch (IOException e) {
          throw new IOException("cannot listen on " + metricsAddress + " (metrics): "
              + e.getMessage(), e);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (clientListener != null) {
        clientListener.closeNow();
      }
      if (peerListener != null) {
        peerListener.closeNow();
      }
      node.close();
      if (transport != null) {
        transport.close();
      }
      throw e;
    }
    String advertised = config.clientAddress().isEmpty()
        ? hostPort(clientListen.getHostString(), clientListener.port()) : config.clientAddress();
    transport.advertiseClientAddress(advertised);
    ClientAddressPublisher publisher = ClientAddressPublisher.start(node, transport, advertised);
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    node.fatalError().thenAccept(t -> health.setStatus(
        HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING));
    return new NodeServer(node, transport, clientListener, peerListener, advertised, health,
        metricsServer, publisher);
  }

  /**
   * Server reflection in both versions: v1, and v1alpha for older tools (grpcurl before 1.8.8,
   * Postman, Evans) that speak only that one.
   */
  @SuppressWarnings("deprecation")
  private static List<ServerServiceDefinition> reflectionServices() {
    return List.of(ProtoReflectionServiceV1.newInstance().bindService(),
        ProtoReflectionService.newInstance().bindService());
  }

  /** What the metrics listener reads of {@code node} for its health checks and gauges. */
  private static NodeProbe probe(RaftNode<KvStateMachine> node) {
    return new NodeProbe() {
      @Override
      public CompletableFuture<NodeStatus> status() {
        return node.status();
      }

      @Override
      public CompletableFuture<?> quorumRead() {
        return node.read(ReadConsistency.LINEARIZABLE, sm -> Boolean.TRUE);
      }

      @Override
      public String knownLeader() {
        RaftNode.Header h = node.header();
        return h == null ? null : h.leaderId();
      }
    };
  }

  /**
   * A data directory records this member's peer address (written by an earlier start, or by the
   * member add that created it; in a directory from before members had two addresses, the one
   * address it had, which its peers dialled). Peers dial that address, not this start's {@code
   * --listen-peer}. When it is this start's client address (typically an old data directory started
   * with its old address as {@code --listen-client}), the other members would send Raft to the
   * client listener, which never serves it: refuse, saying what to do (returns the message). When
   * it is another address, warn plainly and start (returns null).
   */
  static String checkRecordedPeerAddress(NodeConfig config, RaftNode<KvStateMachine> node) {
    RaftNode.Header h = node.header();
    Membership m = h == null ? null : h.membership();
    Member self = m == null ? null : m.member(config.id());
    if (self == null || self.peerAddress().isEmpty()
        || self.peerAddress().equals(config.peerAddress())) {
      return null;
    }
    if (self.peerAddress().equals(config.clientAddress())) {
      return config.id() + ": the data directory " + config.dataDir() + " records "
          + self.peerAddress() + " as this member's peer address (the address the other members "
          + "dial; a data directory from before separate client and peer listeners recorded its "
          + "one address), but this start gives that address to the client listener, which does "
          + "not serve peers. Start it with --listen-peer " + self.peerAddress()
          + " and another --listen-client (the leader records the new client address by itself),"
          + " or remove the member and add it again with its new addresses.";
    }
    log.warn("{}: the membership in the data directory records this member's peer address as {}"
        + " but it listens for peers on {}: the other members will keep dialling {}. Start it "
        + "with --listen-peer {} (a data directory from before separate listeners recorded the"
        + " one address it had: keep that as --listen-peer and give --listen-client a new "
        + "address), or remove the member and add it again with its new peer address.",
        config.id(), self.peerAddress(), config.peerAddress(), self.peerAddress(),
        self.peerAddress());
    return null;
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The peer's peer address from the current membership, else from the initial cluster map. */
  static String addressOf(NodeConfig config, RaftNode<KvStateMachine> node, String peer) {
    RaftNode.Header h = node == null ? null : node.header();
    if (h != null) {
      Membership m = h.membership();
      Member member = m == null ? null : m.member(peer);
      if (member != null && !member.peerAddress().isEmpty()) {
        return member.peerAddress();
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

  /** The port the client listener is bound to (KV, Cluster, health, reflection). */
  public int clientPort() {
    return clientListener.port();
  }

  /** The port the peer listener is bound to (the Raft service only). */
  public int peerPort() {
    return peerListener.port();
  }

  /** The client address this node advertises (host:port of its client listener). */
  public String clientAddress() {
    return clientAddress;
  }

  /**
   * Graceful stop: node (leader hand-off first) → transport → listeners (bounded wait).
   * Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    publisher.close();
    try {
      node.close();
    } catch (RuntimeException e) {
      log.warn("{}: closing the node failed: {}", node.id(), e.toString());
    }
    transport.close();
    clientListener.close(SERVER_SHUTDOWN_MILLIS);
    peerListener.close(SERVER_SHUTDOWN_MILLIS);
    if (metricsServer != null) {
      metricsServer.close();
    }
  }

  /** Connections open on the client listener now. */
  public int openConnections() {
    return clientListener.openConnections();
  }

  /** Connections closed at accept by the client listener because its limit was reached. */
  public long rejectedConnections() {
    return clientListener.rejectedConnections();
  }

  /** Connections open on the peer listener now. */
  public int openPeerConnections() {
    return peerListener.openConnections();
  }

  /** Connections closed at accept by the peer listener because its limit was reached. */
  public long rejectedPeerConnections() {
    return peerListener.rejectedConnections();
  }
}
