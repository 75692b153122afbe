package io.lattice.server;

import java.time.Duration;
import java.util.Objects;

/**
 * What the node's gRPC listener allows its clients and peers, so that no number of connections,
 * streams or idle sockets can exhaust the node (file descriptors, memory, threads):
 *
 * <ul>
 *   <li>{@code maxConnections}: open connections at a time; a connection accepted past it is
 *       closed at once (the client sees the connection reset and retries). Peers hold one each.
 *   <li>{@code maxStreamsPerConnection}: concurrent calls on one connection (HTTP/2
 *       MAX_CONCURRENT_STREAMS); a client multiplexing more waits for a free stream.
 *   <li>{@code maxConnectionIdle}: a connection without any call for this long is closed (HTTP/2
 *       GOAWAY; gRPC clients reconnect transparently on their next call). A TCP connection that
 *       never completes the HTTP/2 handshake is closed after the same time.
 *   <li>{@code permitKeepAliveTime} / {@code permitKeepAliveWithoutCalls}: the keep-alive pings a
 *       client may send (as etcd's {@code --grpc-keepalive-min-time}); one pinging more often, or
 *       without calls when that is not permitted, gets GOAWAY (ENHANCE_YOUR_CALM).
 * </ul>
 */
public record ListenerLimits(int maxConnections, int maxStreamsPerConnection,
    Duration maxConnectionIdle, Duration permitKeepAliveTime, boolean permitKeepAliveWithoutCalls) {

  public static final int DEFAULT_MAX_CONNECTIONS = 4096;
  public static final int DEFAULT_MAX_STREAMS_PER_CONNECTION = 1000;
  public static final Duration DEFAULT_MAX_CONNECTION_IDLE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_PERMIT_KEEPALIVE_TIME = Duration.ofSeconds(5);

  public ListenerLimits {
    if (maxConnections < 1 || maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException("connection and stream limits must be positive");
    }
    Objects.requireNonNull(maxConnectionIdle, "maxConnectionIdle");
    Objects.requireNonNull(permitKeepAliveTime, "permitKeepAliveTime");
    if (maxConnectionIdle.isNegative() || maxConnectionIdle.isZero()) {
      throw new IllegalArgumentException("the idle timeout must be positive");
    }
    if (permitKeepAliveTime.isNegative()) {
      throw new IllegalArgumentException("the keep-alive time must not be negative");
    }
  }

  public static ListenerLimits defaults() {
    return new ListenerLimits(DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_STREAMS_PER_CONNECTION,
        DEFAULT_MAX_CONNECTION_IDLE, DEFAULT_PERMIT_KEEPALIVE_TIME, false);
  }

  public ListenerLimits withMaxConnections(int n) {
    return new ListenerLimits(n, maxStreamsPerConnection, maxConnectionIdle, permitKeepAliveTime,
        permitKeepAliveWithoutCalls);
  }

  public ListenerLimits withMaxConnectionIdle(Duration d) {
    return new ListenerLimits(maxConnections, maxStreamsPerConnection, d, permitKeepAliveTime,
        permitKeepAliveWithoutCalls);
  }
}
