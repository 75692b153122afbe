package io.lattice.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
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
 * <p>Two Netty defaults are changed before the first Netty class initialises, both for start-up
 * time: Netty logs through java.util.logging (which gRPC loads anyway) instead of picking SLF4J
 * when it finds it on the class path (in the distribution's lib/, next to the node's logback, that
 * meant configuring logback on every command), and it registers no JDK Flight Recorder events
 * (initialising JFR support costs tens of milliseconds). A value given with {@code -D} wins.
 */
public final class Channels implements AutoCloseable {
  private static final String JFR_PROPERTY = "io.grpc.netty.shaded.io.netty.jfr.enabled";

  static {
    if (System.getProperty(JFR_PROPERTY) == null) {
      System.setProperty(JFR_PROPERTY, "false");
    }
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
  }

  private final EventLoopGroup group;
  private final List<ManagedChannel> open = new ArrayList<>();

  /** A group of {@code threads} event loop threads (daemon threads). */
  public Channels(int threads) {
    this.group = new NioEventLoopGroup(threads, new DefaultThreadFactory("lattice-client", true));
  }

  /** A new plaintext channel to {@code address} ({@code host:port}). */
  public synchronized ManagedChannel open(String address) {
    ManagedChannel c = NettyChannelBuilder.forAddress(Endpoints.host(address),
            Endpoints.port(address))
        .eventLoopGroup(group)
        .channelType(NioSocketChannel.class)
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
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
