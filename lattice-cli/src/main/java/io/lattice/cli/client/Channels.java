package io.lattice.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gRPC channels on an event loop this object owns. gRPC's shared event loop is left alone on
 * purpose: its threads linger after the last channel closes and hold the JVM's exit by a third of a
 * second, which a command-line tool pays on every run. {@link #close()} shuts everything down with
 * no quiet period.
 */
public final class Channels implements AutoCloseable {
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
