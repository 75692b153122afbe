package io.lattice.server;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the connections open on one listener: the server socket channel counts the connections it
 * accepts (each one uncounted when it closes) and closes one accepted past the limit before gRPC
 * ever sees it, so an excess connection costs one accept and one close, nothing more. Rejections
 * are logged at most once a minute.
 */
final class ConnectionLimiter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - 120_000_000_000L);

  ConnectionLimiter(int max) {
    this.max = max;
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** Connections closed at accept because the limit was reached. */
  long rejected() {
    return rejected.get();
  }

  /** A factory of server channels that apply this limit (NIO, one per listener). */
  ChannelFactory<ServerChannel> channelFactory() {
    return () -> new NioServerSocketChannel() {
      @Override
      protected int doReadMessages(List<Object> buf) throws Exception {
        int before = buf.size();
        int n = super.doReadMessages(buf);
        for (int i = buf.size() - 1; i >= before; i--) {
          if (!admit((Channel) buf.get(i))) {
            buf.remove(i);
            n--;
          }
        }
        return n;
      }
    };
  }

  private boolean admit(Channel child) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      rejected.incrementAndGet();
      child.unsafe().closeForcibly();
      long now = System.nanoTime();
      long last = lastLogNanos.get();
      if (now - last > 60_000_000_000L && lastLogNanos.compareAndSet(last, now)) {
        log.warn("connection limit of {} reached: closing new connections ({} so far)", max,
            rejected.get());
      }
      return false;
    }
    child.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }
}
