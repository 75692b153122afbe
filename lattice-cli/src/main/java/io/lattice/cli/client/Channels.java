package io.lattice.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gRPC channels on an event loop this object owns. gRPC's shared event loop is left alone on
 * purpose: its threads linger after the last channel closes and hold the JVM's exit by a third of a
 * second, which a command-line tool pays on every run. {@link #close()} shuts everything down with
 * no quiet period.
 *
 * <p>Three Netty defaults are changed before the first Netty class initialises, all for start-up
 * time: Netty logs through java.util.logging (which gRPC loads anyway) instead of picking SLF4J
 * when it finds it on the class path (in the distribution's lib/, next to the node's logback, that
 * meant configuring logback on every command); it registers no JDK Flight Recorder events
 * (initialising JFR support costs tens of milliseconds); and it does not look for its native
 * transport (these channels are NIO: gRPC's set-up still asks whether epoll is available, and
 * Netty answered by copying its native library out of the jar into a temporary file and loading
 * it). A value given with {@code -D} wins.
 */
public final class Channels implements AutoCloseable {
  private static final String JFR_PROPERTY = "io.grpc.netty.shaded.io.netty.jfr.enabled";
  private static final String NO_NATIVE_PROPERTY =
      "io.grpc.netty.shaded.io.netty.transport.noNative";

  static {
    configureNetty();
  }

  /**
   * Sets the Netty defaults above (idempotent). Runs when this class initialises; code that
   * starts Netty otherwise (the start-up archive's training run, which serves too) calls it first,
   * so that it loads what the CLI loads.
   */
  public static synchronized void configureNetty() {
    if (System.getProperty(JFR_PROPERTY) == null) {
      System.setProperty(JFR_PROPERTY, "false");
    }
    if (System.getProperty(NO_NATIVE_PROPERTY) == null) {
      System.setProperty(NO_NATIVE_PROPERTY, "true");
    }
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  private final EventLoopGroup group;
  private final ClientTls tls;
  private final List<ManagedChannel> open = new ArrayList<>();
  /** The TLS context, made on the first channel (null for plaintext channels). */
  private SslContext sslContext;

  /** A group of {@code threads} event loop threads (daemon threads); plaintext channels. */
  public Channels(int threads) {
    this(threads, null);
  }

  /**
   * A group of {@code threads} event loop threads (daemon threads); channels dial TLS with {@code
   * tls}, or plaintext when it is null.
   */
  public Channels(int threads, ClientTls tls) {
    this.group = new NioEventLoopGroup(threads, new DefaultThreadFactory("lattice-client", true));
    this.tls = tls;
  }

  /** How these channels dial: null for plaintext. */
  public ClientTls tls() {
    return tls;
  }

  /**
   * A new channel to {@code address} ({@code host:port}): TLS (the server's certificate checked
   * against the CA and {@code host}) when these channels have a {@link ClientTls}, else plaintext.
   *
   * @throws ClientException FAILED when the TLS files cannot be read
   */
  public synchronized ManagedChannel open(String address) {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(Endpoints.host(address),
            Endpoints.port(address))
        .eventLoopGroup(group)
        .channelType(NioSocketChannel.class)
        // Callbacks run on the Netty thread that read the answer: the async stubs' observers
        // (bench) only record and issue the next request, and blocking stubs run theirs on the
        // caller anyway. A pool would cost every answer a thread wake-up on cores the servers
        // share, which at one request in flight is a measurable part of its latency.
        .directExecutor()
        .maxInboundMessageSize(64 << 20);
    if (tls == null) {
      b.usePlaintext();
    } else {
      if (sslContext == null) {
        sslContext = tls.sslContext();
      }
      b.sslContext(sslContext);
    }
    ManagedChannel c = b.build();
    open.add(c);
    return c;
  }

  @Override
  public synchronized void close() {
    for (ManagedChannel c : open) {
      c.shutdownNow();
    }
    for (ManagedChannel c : open) {
      try {
        c.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    open.clear();
    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
  }
}
