package io.lattice.server;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.security.ServerTls;
import io.lattice.transport.CallExecutors;
import io.lattice.transport.GrpcPeerTransport;
import io.lattice.util.DaemonThreads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One of a node's two gRPC listeners (the client listener or the peer listener): a Netty server
 * bound to one address, serving exactly the services it was built with, held to the {@link
 * ListenerLimits} by its own {@link ConnectionLimiter}, on its own accept and I/O threads. Both
 * listeners are built by {@link #start}, so whatever one needs (limits, inbound sizes, and later
 * transport security) is attached to each the same way.
 */
final class GrpcListener {
  /** Which listener this is: names its threads and its bind errors. */
  enum Kind {
    /** Key-value calls run inline; cluster, health and reflection calls on the call pool. */
    CLIENT("client", m -> m.startsWith(Methods.KV)),
    /** Raft messages run inline; InstallSnapshot (which writes its chunks) on the call pool. */
    PEER("peer", m -> m.startsWith(Methods.RAFT) && !m.equals(Methods.INSTALL_SNAPSHOT));

    final String label;
    /**
     * The methods whose callbacks run on the Netty thread that read the call ({@link
     * CallExecutors#inlineOr}): each only checks, decodes and hands to the node.
     */
    final Predicate<String> inline;

    Kind(String label, Predicate<String> inline) {
      this.label = label;
      this.inline = inline;
    }
  }

  /** The method names {@link Kind#inline} tests, made once rather than on every call. */
  private static final class Methods {
    static final String KV = KVGrpc.SERVICE_NAME + "/";
    static final String RAFT = RaftGrpc.SERVICE_NAME + "/";
    static final String INSTALL_SNAPSHOT = RaftGrpc.getInstallSnapshotMethod().getFullMethodName();
  }

  final Kind kind;
  private final Server server;
  private final ConnectionLimiter limiter;
  private final NioEventLoopGroup boss;
  private final NioEventLoopGroup workers;
  private final ExecutorService calls;

  private GrpcListener(Kind kind, Server server, ConnectionLimiter limiter, NioEventLoopGroup boss,
      NioEventLoopGroup workers, ExecutorService calls) {
    this.kind = kind;
    this.server = server;
    this.limiter = limiter;
    this.boss = boss;
    this.workers = workers;
    this.calls = calls;
  }

  /**
   * Binds {@code address} and serves {@code services} on it, and nothing else.
   *
   * @throws IOException naming the listener and the address if it cannot be bound (nothing is left
   *     running)
   */
  static GrpcListener start(Kind kind, String nodeId, InetSocketAddress address,
      List<ServerServiceDefinition> services, ListenerLimits limits,
      GrpcPeerTransport.Options options, ServerTls tls) throws IOException {
    ConnectionLimiter limiter = new ConnectionLimiter(limits.maxConnections());
    String prefix = "lattice-" + kind.label;
    NioEventLoopGroup boss =
        new NioEventLoopGroup(1, DaemonThreads.numbered(prefix + "-accept-" + nodeId));
    NioEventLoopGroup workers =
        new NioEventLoopGroup(0, DaemonThreads.numbered(prefix + "-io-" + nodeId));
    ExecutorService calls = CallExecutors.create(prefix + "-call-" + nodeId);
    try {
      NettyServerBuilder b = GrpcPeerTransport.configureServer(
          NettyServerBuilder.forAddress(address), options);
      applyLimits(b, limits);
      tls.applyTo(b); // TLS and the interceptors that check who calls (plaintext: nothing)
      b.channelFactory(limiter.channelFactory()).bossEventLoopGroup(boss)
          .workerEventLoopGroup(workers).directExecutor()
          .callExecutor(CallExecutors.inlineOr(kind.inline, calls));
      for (ServerServiceDefinition s : services) {
        b.addService(s);
      }
      return new GrpcListener(kind, b.build().start(), limiter, boss, workers, calls);
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      calls.shutdown();
      if (e instanceof IOException) {
        throw new IOException("cannot listen for " + kind.label + "s on "
            + address.getHostString() + ":" + address.getPort() + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /** Applies the per-connection limits and the keep-alive policy to a listener. */
  static NettyServerBuilder applyLimits(NettyServerBuilder b, ListenerLimits limits) {
    long idleMillis = limits.maxConnectionIdle().toMillis();
    return b.maxConcurrentCallsPerConnection(limits.maxStreamsPerConnection())
        .maxConnectionIdle(idleMillis, TimeUnit.MILLISECONDS)
        // a connection that never completes the HTTP/2 handshake is idle too
        .handshakeTimeout(idleMillis, TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(limits.permitKeepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(limits.permitKeepAliveWithoutCalls());
  }

  /** The port bound. */
  int port() {
    return server.getPort();
  }

  int openConnections() {
    return limiter.open();
  }

  long rejectedConnections() {
    return limiter.rejected();
  }

  /** Stops taking calls; in-flight calls get {@code waitMillis}, then are cancelled. */
  void close(long waitMillis) {
    server.shutdown();
    try {
      if (!server.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    calls.shutdown();
  }

  /** Stops at once (a start that failed half-way). */
  void closeNow() {
    server.shutdownNow();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    // the call threads end by themselves when idle: gRPC may still hand them a cancellation
  }
}
