package io.lattice.transport;

import io.grpc.BindableService;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.lattice.node.PeerInbox;
import io.lattice.node.Transport;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.raft.Message;
import io.lattice.security.PeerSecurity;
import io.lattice.storage.SnapshotReceiver;
import io.lattice.storage.SnapshotStore;
import io.lattice.util.DaemonThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft peer transport over gRPC ({@code lattice.v1.Raft}).
 *
 * <p>Outbound, every message goes into a bounded per-peer queue and {@link #send} returns at once;
 * one transport thread drains the queues: see {@link PeerLink} (queue, unary calls, the
 * AppendEntries stream per peer and its reconnect), {@link Backoff} and {@link PeerChannel}.
 *
 * <p>Reconnecting is meant to be fast without hammering a dead peer: the back-off starts at
 * {@code backoffMin} (50 ms) and is capped at {@code backoffMax} (250 ms), each wait drawn between
 * half and all of the current step, so a dead peer gets a connection attempt every 125-250 ms.
 * When a wait ends the stream is reopened right away (if the core still sends to that peer), and
 * gRPC's own reconnect back-off on the channel, which grows to minutes and would otherwise fail the
 * new stream at once, is reset first ({@code ManagedChannel.resetConnectBackoff}). gRPC also fails
 * new calls at once until a new connection is ready, so the channel is watched meanwhile and the
 * stream reopened the moment it is. The back-off ends early when the peer gets through to us (any
 * message it sends is proof it is up again), and is forgotten once the peer answers on the stream.
 * A connection attempt gives up after {@code connectTimeout}, so a peer behind a network that drops
 * packets is retried at the same pace as one that refuses connections.
 *
 * <p>Snapshots: {@link #streamSnapshot} is handed only the snapshot's identity; a {@link
 * SnapshotSender} streams the file in chunks on a snapshot I/O thread, at most one transfer per
 * peer at a time (an InstallSnapshot for a peer that already has one in flight is ignored: the
 * running transfer reports to the core when it ends). Inbound, {@link SnapshotIntake} writes the
 * chunks through a {@link SnapshotReceiver} (in production a file in the data directory) and hands
 * the core the verified, staged snapshot.
 *
 * <p>Responses produced by this node's core travel back on the call their request came in on: see
 * {@link PeerServer}, which keeps the pending calls and the per-peer AppendEntries response
 * streams.
 *
 * <p>Client addresses: every AppendEntries response this node sends carries the client address it
 * advertises ({@link #advertiseClientAddress}); every one it receives on a stream it opened to a
 * peer records that peer's advertised client address ({@link #advertisedClientAddress}). The
 * response comes back on a connection this node dialled at the peer's recorded peer address, so
 * the sender is the peer it dialled (and checked by id, like every response). The leader compares
 * these with the membership and publishes changes through the log.
 */
public final class GrpcPeerTransport implements Transport, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcPeerTransport.class);

  /** Tunables; {@link #defaults()} fits a production node. */
  public record Options(
      int queueCapacity,
      Duration answerTimeout,
      Duration snapshotAnswerTimeout,
      int snapshotChunkSize,
      Duration backoffMin,
      Duration backoffMax,
      Duration keepAliveTime,
      Duration connectTimeout,
      int maxInboundMessageSize,
      long maxSnapshotSize) {
    public Options {
      if (queueCapacity < 1 || snapshotChunkSize < 1 || maxInboundMessageSize < 1) {
        throw new IllegalArgumentException("sizes must be positive");
      }
      Objects.requireNonNull(answerTimeout);
      Objects.requireNonNull(snapshotAnswerTimeout);
      Objects.requireNonNull(backoffMin);
      Objects.requireNonNull(backoffMax);
      Objects.requireNonNull(keepAliveTime);
      Objects.requireNonNull(connectTimeout);
      if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
        throw new IllegalArgumentException("back-off must be 0 < min <= max");
      }
    }

    public static Options defaults() {
      return new Options(1024, Duration.ofSeconds(2), Duration.ofSeconds(30), 1 << 20,
          Duration.ofMillis(50), Duration.ofMillis(250), Duration.ofSeconds(30),
          Duration.ofSeconds(1), 8 << 20, Integer.MAX_VALUE - 16);
    }

    public Options withQueueCapacity(int n) {
      return new Options(n, answerTimeout, snapshotAnswerTimeout, snapshotChunkSize, backoffMin,
          backoffMax, keepAliveTime, connectTimeout, maxInboundMessageSize, maxSnapshotSize);
    }

    public Options withBackoff(Duration min, Duration max) {
      return new Options(queueCapacity, answerTimeout, snapshotAnswerTimeout, snapshotChunkSize,
          min, max, keepAliveTime, connectTimeout, maxInboundMessageSize, maxSnapshotSize);
    }

    public Options withAnswerTimeout(Duration d) {
      return new Options(queueCapacity, d, snapshotAnswerTimeout, snapshotChunkSize, backoffMin,
          backoffMax, keepAliveTime, connectTimeout, maxInboundMessageSize, maxSnapshotSize);
    }

    public Options withConnectTimeout(Duration d) {
      return new Options(queueCapacity, answerTimeout, snapshotAnswerTimeout, snapshotChunkSize,
          backoffMin, backoffMax, keepAliveTime, d, maxInboundMessageSize, maxSnapshotSize);
    }
  }

  final String clusterId;
  final String selfId;
  final PeerInbox inbox;
  final Options options;
  final SnapshotReceiver snapshotReceiver;
  final PeerSecurity security;
  private final Function<String, String> addresses;
  private final ScheduledExecutorService executor;
  private final ExecutorService snapshotIo;
  private final ConcurrentHashMap<String, PeerLink> peers = new ConcurrentHashMap<>();
  private final PeerServer server;
  private final AtomicBoolean closed = new AtomicBoolean();
  final LongAdder dropped = new LongAdder();
  private volatile String ownClientAddress = "";
  private final ConcurrentHashMap<String, String> peerClientAddresses = new ConcurrentHashMap<>();
  private final RateLimitedLog warnings =
      new RateLimitedLog(log, 5, TimeUnit.SECONDS.toNanos(10));

  /**
   * @param clusterId this cluster's id, sent in and checked on every message
   * @param selfId this member's id
   * @param addresses member id → "host:port" (null or empty when unknown: messages are dropped);
   *     consulted on every send, so it may follow membership changes
   * @param inbox where messages from peers and transport events go
   * @param snapshotReceiver where snapshots from the leader are written as they arrive
   * @param security how peers are dialed (TLS with the node's peer certificate, or plaintext) and
   *     whether inbound messages must come from the member their certificate names
   */
  public GrpcPeerTransport(String clusterId, String selfId, Function<String, String> addresses,
      PeerInbox inbox, Options options, SnapshotReceiver snapshotReceiver,
      PeerSecurity security) {
    this.security = Objects.requireNonNull(security);
    this.clusterId = Objects.requireNonNull(clusterId);
    this.selfId = Objects.requireNonNull(selfId);
    this.addresses = Objects.requireNonNull(addresses);
    this.inbox = Objects.requireNonNull(inbox);
    this.options = Objects.requireNonNull(options);
    this.snapshotReceiver = Objects.requireNonNull(snapshotReceiver);
    this.executor = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.named("lattice-peer-transport-" + selfId));
    this.snapshotIo = Executors.newSingleThreadExecutor(
        DaemonThreads.named("lattice-snapshot-send-" + selfId));
    this.server = new PeerServer(this);
  }

  /** As the full constructor, over plaintext without peer identity checks. */
  public GrpcPeerTransport(String clusterId, String selfId, Function<String, String> addresses,
      PeerInbox inbox, Options options, SnapshotReceiver snapshotReceiver) {
    this(clusterId, selfId, addresses, inbox, options, snapshotReceiver, PeerSecurity.plaintext());
  }

  /** As the full constructor, receiving snapshots in memory (up to the options' maximum). */
  public GrpcPeerTransport(String clusterId, String selfId, Function<String, String> addresses,
      PeerInbox inbox, Options options) {
    this(clusterId, selfId, addresses, inbox, options,
        SnapshotReceiver.inMemory(options.maxSnapshotSize()));
  }

  public GrpcPeerTransport(String clusterId, String selfId, Function<String, String> addresses,
      PeerInbox inbox) {
    this(clusterId, selfId, addresses, inbox, Options.defaults());
  }

  /** The server side of the peer service, to register on the node's gRPC server. */
  public BindableService service() {
    return server;
  }

  /**
   * Applies what the peer service needs to the node's server builder: inbound size for appends and
   * snapshot chunks, and a keepalive policy that accepts the peers' pings.
   */
  public static NettyServerBuilder configureServer(NettyServerBuilder builder, Options options) {
    return builder.maxInboundMessageSize(options.maxInboundMessageSize())
        .permitKeepAliveTime(Math.max(1, options.keepAliveTime().toSeconds() / 2),
            TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true);
  }

  /**
   * Sets the client address this node advertises in its AppendEntries responses (set once the
   * client listener is bound; empty until then, and then nothing is advertised).
   */
  public void advertiseClientAddress(String address) {
    ownClientAddress = address == null ? "" : address;
  }

  /** The client address this node advertises; empty when none. */
  String ownClientAddress() {
    return ownClientAddress;
  }

  /**
   * The client address {@code peer} last advertised in a response to this node, or null if it has
   * not answered on an AppendEntries stream since this node started (any thread).
   */
  public String advertisedClientAddress(String peer) {
    return peerClientAddresses.get(peer);
  }

  /** Records what {@code peer} advertised in a response (transport threads). */
  void peerAdvertised(String peer, String clientAddress) {
    if (!clientAddress.isEmpty() && !clientAddress.equals(peerClientAddresses.get(peer))) {
      peerClientAddresses.put(peer, clientAddress);
    }
  }

  /** Messages dropped so far (queue full, unknown address, stream down, no call to answer). */
  public long droppedMessages() {
    return dropped.sum();
  }

  // ---------------------------------------------------------------- Transport

  @Override
  public void send(Message message) {
    if (closed.get()) {
      return;
    }
    if (message instanceof Message.InstallSnapshot) {
      log.warn("InstallSnapshot to {} passed to send(); use streamSnapshot", message.to());
      dropped.increment();
      return;
    }
    if (isAnswer(message)) {
      // Answered on the caller's thread: an answer goes out on a call the peer opened, which
      // PeerServer guards with its own locks, so it needs none of the link's state, and a hop to
      // the transport thread cost every replication round one more thread wake-up on the
      // follower. The caller is the node's loop, one thread, so a peer's answers keep their
      // order; their order relative to this member's own requests to the peer was never kept
      // (they travel on other calls).
      if (!respond(message)) {
        dropped.increment();
      }
      return;
    }
    link(message.to()).enqueue(message);
  }

  /** Whether {@code m} answers a call of the peer's (rather than starting one of ours). */
  static boolean isAnswer(Message m) {
    return m instanceof Message.VoteResponse || m instanceof Message.ReadIndexResponse
        || m instanceof Message.AppendResponse || m instanceof Message.HeartbeatResponse;
  }

  /** Sends a snapshot held in memory (tests); see {@link #streamSnapshot}. */
  @Override
  public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
    streamSnapshot(message, new SnapshotStore.BytesSource(snapshot));
  }

  @Override
  public void streamSnapshot(Message.InstallSnapshot message, SnapshotStore.Source source) {
    if (closed.get()) {
      return;
    }
    PeerLink peer = link(message.to());
    if (!submit(() -> startSnapshot(peer, message, source))) {
      inbox.snapshotSent(message.to(), false);
    }
  }

  private PeerLink link(String peer) {
    return peers.computeIfAbsent(peer, id -> new PeerLink(id, this));
  }

  /** Transport thread: starts the transfer unless one to the same peer is under way. */
  private void startSnapshot(PeerLink peer, Message.InstallSnapshot m,
      SnapshotStore.Source source) {
    RaftGrpc.RaftStub stub = peer.stub();
    if (stub == null) {
      inbox.snapshotSent(peer.id, false);
      return;
    }
    SnapshotSender sender = new SnapshotSender(this, peer, m, source, snapshotIo);
    SnapshotSender running = peer.snapshot.get();
    if (running != null || !peer.snapshot.compareAndSet(null, sender)) {
      // Not restarted: the core repeats InstallSnapshot while the transfer runs, and the running
      // transfer reports to it when it ends.
      if (log.isDebugEnabled()) {
        log.debug("snapshot {} to {} already in flight; {} ignored",
            running == null ? "?" : running.meta().index(), peer.id, m.snapshot().index());
      }
      return;
    }
    if (peer.firstStartOf(m.snapshot().index())) {
      log.info("sending snapshot {}@{} ({} bytes) to {}", m.snapshot().index(),
          m.snapshot().term(), source.dataLength(), peer.id);
    } else if (log.isDebugEnabled()) {
      log.debug("sending snapshot {} to {} again", m.snapshot().index(), peer.id);
    }
    sender.start(stub);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.shutdown();
    executor.shutdownNow();
    snapshotIo.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
      snapshotIo.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (PeerLink p : peers.values()) {
      p.closeChannel();
    }
    for (PeerLink p : peers.values()) {
      if (!p.awaitClosed()) {
        return; // the rest end by themselves; their callbacks find the transport closed
      }
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  /** The peer's current address, or null/empty when unknown. */
  String addressOf(String peer) {
    return addresses.apply(peer);
  }

  /** Runs a task on the transport thread; false when the transport is closed. */
  boolean submit(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("peer transport task failed", e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  void schedule(Runnable task, long nanos) {
    try {
      executor.schedule(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("peer transport task failed", e);
        }
      }, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  /** A one-line warning about what a peer sent, rate-limited so no peer can flood the log. */
  void warn(String message) {
    warnings.warn(message);
  }

  /**
   * Reports a peer request that did not parse (the listener answers it INVALID_ARGUMENT): logged
   * as one rate-limited line, so a flood of them cannot flood the log.
   */
  public void malformedMessage(String why) {
    warn(why);
  }

  /** Routes a response of the local core to the call it answers; false if there is none. */
  boolean respond(Message m) {
    return server.respond(m);
  }

  /** Whether a response from a peer is for this cluster and member and is a real answer. */
  boolean acceptResponse(String peer, String cluster, String from, String to) {
    if (from.isEmpty()) {
      return false; // "no answer": the peer's core did not respond in time
    }
    if (!clusterId.equals(cluster) || !selfId.equals(to) || !peer.equals(from)) {
      warn("response from " + from + " for cluster '" + cluster + "' member '" + to
          + "' ignored");
      return false;
    }
    return true;
  }

  /**
   * A message from {@code peer} arrived: it is up and can reach us, so a back-off toward it is cut
   * short. Cheap when not backing off (called for every inbound message).
   */
  void heardFrom(String peerId) {
    PeerLink peer = peers.get(peerId);
    if (peer != null) {
      peer.heardFrom();
    }
  }
}
