package io.lattice.transport;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.security.PeerSecurity;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC channel to one peer's current address. A connection attempt gives up after the
 * options' connect timeout, so a peer behind a network that drops packets is retried at the same
 * pace as one that refuses connections. With TLS the channel's handshake accepts only a
 * certificate that names the peer, so nothing is sent to (or taken from) anyone else at its
 * address. Transport thread only, except {@link #awaitOldChannel}.
 */
final class PeerChannel {
  private final GrpcPeerTransport.Options options;
  private String address;
  private ManagedChannel channel;
  private volatile ManagedChannel oldChannel;
  private RaftGrpc.RaftStub stub;

  private final ChannelCredentials credentials;
  private final ClientInterceptor refusals;

  /**
   * @param credentials TLS with the node's peer certificate that accepts only the peer's own
   *     certificate, or plaintext (--insecure)
   * @param refusals gives a call refused for the peer's identity its own status ({@link
   *     PeerSecurity#dialInterceptor})
   */
  PeerChannel(GrpcPeerTransport.Options options, ChannelCredentials credentials,
      ClientInterceptor refusals) {
    this.options = options;
    this.credentials = credentials;
    this.refusals = refusals;
  }

  /** Whether the channel is open to {@code a}. */
  boolean isFor(String a) {
    return a != null && a.equals(address);
  }

  /**
   * Opens the channel to {@code a} (after {@link #close} of any other).
   *
   * <p>The channel runs its response callbacks on the Netty thread that read the response (a
   * direct executor), not on a pool: every callback of a peer call only decodes and hands to the
   * node's inbox or the transport thread, which must not block ({@link
   * io.lattice.node.PeerInbox}), or moves disk work to the snapshot thread ({@link
   * SnapshotSender}). A hop to a pool thread cost every replication round a thread wake-up on the
   * leader, which at one write in flight is a measurable part of its latency.
   */
  void open(String a) {
    address = a;
    channel = NettyChannelBuilder.forTarget(a, credentials)
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
        .keepAliveTime(options.keepAliveTime().toSeconds(), TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .maxInboundMessageSize(options.maxInboundMessageSize()).intercept(refusals)
        .directExecutor().build();
    stub = RaftGrpc.newStub(channel);
  }

  /** The stub of the open channel, or null. */
  RaftGrpc.RaftStub stub() {
    return stub;
  }

  /** The open channel, or null. */
  ManagedChannel channel() {
    return channel;
  }

  /**
   * Our own back-off has passed: do not also wait for gRPC's (1 s, growing to minutes), which
   * would otherwise fail the new stream at once.
   */
  void skipGrpcBackoff() {
    if (channel != null && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      channel.resetConnectBackoff();
    }
  }

  void close() {
    if (channel != null) {
      channel.shutdownNow();
      oldChannel = channel;
      channel = null;
      stub = null;
      address = null;
    }
  }

  /** Waits (bounded) for the last closed channel to terminate; false if interrupted. */
  boolean awaitOldChannel() {
    ManagedChannel c = oldChannel;
    if (c != null) {
      try {
        c.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
