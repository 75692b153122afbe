package io.lattice.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.BindableService;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.lattice.node.PeerInbox;
import io.lattice.node.Transport;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.InstallSnapshotResponse;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.ReadIndexResponse;
import io.lattice.proto.v1.RequestVoteResponse;
import io.lattice.proto.v1.TimeoutNowResponse;
import io.lattice.raft.Message;
import io.lattice.storage.SnapshotStore;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft peer transport over gRPC ({@code lattice.v1.Raft}).
 *
 * <p>Outbound, every message goes into a bounded per-peer queue (the oldest message is dropped and
 * counted when it is full: Raft tolerates loss) and {@link #send} returns at once. One transport
 * thread drains the queues: VoteRequest, TimeoutNow and ReadIndexRequest become unary calls whose
 * answers are handed to the {@link PeerInbox}; AppendRequest and Heartbeat are pipelined, in order,
 * on the one AppendEntries stream kept open per peer (respecting its flow control); a broken
 * stream reports the peer unreachable and is reopened after an exponential, capped, jittered
 * back-off, during which appends and heartbeats to that peer are dropped.
 *
 * <p>Reconnecting is meant to be fast without hammering a dead peer: the back-off starts at
 * {@code backoffMin} (50 ms) and is capped at {@code backoffMax} (250 ms), each wait drawn between
 * half and all of the current step, so a dead peer gets a connection attempt every 125-250 ms.
 * When a wait ends the stream is reopened right away (if the core still sends to that peer), and
 * gRPC's own reconnect back-off on the channel, which grows to minutes and would otherwise fail the
 * new stream at once, is reset first ({@link ManagedChannel#resetConnectBackoff}). gRPC also fails
 * new calls at once until a new connection is ready, so the channel is watched meanwhile and the
 * stream reopened the moment it is. The back-off ends early when the peer gets through to us (any
 * message it sends is proof it is up again), and is forgotten once the peer answers on the stream.
 * A connection attempt gives up after {@code connectTimeout}, so a peer behind a network that drops
 * packets is retried at the same pace as one that refuses connections.
 *
 * <p>Responses produced by this node's core travel back on the call their request came in on: see
 * {@link PeerServer}, which keeps the pending calls and the per-peer AppendEntries response
 * streams.
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
  private final Function<String, String> addresses;
  final ScheduledExecutorService executor;
  private final ConcurrentHashMap<String, Peer> peers = new ConcurrentHashMap<>();
  private final PeerServer server;
  private final AtomicBoolean closed = new AtomicBoolean();
  final LongAdder dropped = new LongAdder();

  /**
   * @param clusterId this cluster's id, sent in and checked on every message
   * @param selfId this member's id
   * @param addresses member id → "host:port" (null or empty when unknown: messages are dropped);
   *     consulted on every send, so it may follow membership changes
   * @param inbox where messages from peers and transport events go
   */
  public GrpcPeerTransport(String clusterId, String selfId, Function<String, String> addresses,
      PeerInbox inbox, Options options) {
    this.clusterId = Objects.requireNonNull(clusterId);
    this.selfId = Objects.requireNonNull(selfId);
    this.addresses = Objects.requireNonNull(addresses);
    this.inbox = Objects.requireNonNull(inbox);
    this.options = Objects.requireNonNull(options);
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lattice-peer-transport-" + selfId);
      t.setDaemon(true);
      return t;
    });
    this.server = new PeerServer(this);
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
      log.warn("InstallSnapshot to {} passed to send(); use sendSnapshot", message.to());
      dropped.increment();
      return;
    }
    Peer peer = peers.computeIfAbsent(message.to(), Peer::new);
    boolean schedule;
    synchronized (peer) {
      if (peer.queue.size() >= options.queueCapacity()) {
        peer.queue.pollFirst();
        dropped.increment();
      }
      peer.queue.addLast(message);
      schedule = !peer.drainScheduled;
      peer.drainScheduled = true;
    }
    if (schedule) {
      submit(() -> drain(peer));
    }
  }

  @Override
  public void sendSnapshot(Message.InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
    if (closed.get()) {
      return;
    }
    Peer peer = peers.computeIfAbsent(message.to(), Peer::new);
    if (!submit(() -> startSnapshot(peer, message, snapshot.data()))) {
      inbox.snapshotSent(message.to(), false);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.shutdown();
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Peer p : peers.values()) {
      p.closeChannel();
    }
    for (Peer p : peers.values()) {
      ManagedChannel c = p.oldChannel;
      if (c != null) {
        try {
          c.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  boolean isClosed() {
    return closed.get();
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

  // ---------------------------------------------------------------- outbound (transport thread)

  private void drain(Peer peer) {
    synchronized (peer) {
      peer.drainScheduled = false;
    }
    while (!closed.get()) {
      Message m;
      synchronized (peer) {
        m = peer.queue.pollFirst();
      }
      if (m == null) {
        return;
      }
      if (!dispatch(peer, m)) {
        synchronized (peer) {
          peer.queue.addFirst(m); // waits for the stream's onReady
        }
        return;
      }
    }
  }

  /** Sends one message; false if it must wait for the AppendEntries stream to become ready. */
  private boolean dispatch(Peer peer, Message m) {
    if (m instanceof Message.VoteResponse || m instanceof Message.ReadIndexResponse
        || m instanceof Message.AppendResponse || m instanceof Message.HeartbeatResponse) {
      if (!server.respond(m)) {
        dropped.increment();
      }
      return true;
    }
    RaftGrpc.RaftStub stub = peer.stub();
    if (stub == null) {
      dropped.increment();
      return true;
    }
    if (m instanceof Message.VoteRequest) {
      Message.VoteRequest v = (Message.VoteRequest) m;
      unaryStub(stub).requestVote(PeerMessages.toWire(clusterId, v),
          new UnaryObserver<RequestVoteResponse>(peer.id) {
            @Override
            void answer(RequestVoteResponse r) {
              if (acceptResponse(peer.id, r.getClusterId(), r.getFromId(), r.getToId())) {
                inbox.deliver(PeerMessages.fromWire(r));
              }
            }
          });
    } else if (m instanceof Message.ReadIndexRequest) {
      Message.ReadIndexRequest r = (Message.ReadIndexRequest) m;
      unaryStub(stub).readIndex(PeerMessages.toWire(clusterId, r),
          new UnaryObserver<ReadIndexResponse>(peer.id) {
            @Override
            void answer(ReadIndexResponse w) {
              if (acceptResponse(peer.id, w.getClusterId(), w.getFromId(), w.getToId())) {
                inbox.deliver(PeerMessages.fromWire(w));
              }
            }
          });
    } else if (m instanceof Message.TimeoutNow) {
      Message.TimeoutNow t = (Message.TimeoutNow) m;
      unaryStub(stub).timeoutNow(PeerMessages.toWire(clusterId, t),
          new UnaryObserver<TimeoutNowResponse>(peer.id) {
            @Override
            void answer(TimeoutNowResponse w) {
              // an acknowledgement only
            }
          });
    } else if (m instanceof Message.AppendRequest || m instanceof Message.Heartbeat) {
      peer.lastStreamSendNanos = System.nanoTime();
      if (System.nanoTime() < peer.retryAtNanos) {
        dropped.increment(); // backing off after a broken stream: Raft will resend
        return true;
      }
      ClientCallStreamObserver<AppendEntriesRequest> stream = peer.appendStream(stub);
      if (!stream.isReady()) {
        return false;
      }
      AppendEntriesRequest w = m instanceof Message.Heartbeat
          ? PeerMessages.toWire(clusterId, (Message.Heartbeat) m)
          : PeerMessages.toWire(clusterId, (Message.AppendRequest) m);
      try {
        stream.onNext(w);
      } catch (RuntimeException e) {
        dropped.increment();
      }
    } else {
      dropped.increment();
    }
    return true;
  }

  private RaftGrpc.RaftStub unaryStub(RaftGrpc.RaftStub stub) {
    return stub.withDeadlineAfter(options.answerTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  /** Whether a response from a peer is for this cluster and member and is a real answer. */
  boolean acceptResponse(String peer, String cluster, String from, String to) {
    if (from.isEmpty()) {
      return false; // "no answer": the peer's core did not respond in time
    }
    if (!clusterId.equals(cluster) || !selfId.equals(to) || !peer.equals(from)) {
      server.logOnce("response from " + from + " for cluster '" + cluster + "' member '" + to
          + "' ignored");
      return false;
    }
    return true;
  }

  private abstract class UnaryObserver<T> implements StreamObserver<T> {
    private final String peer;

    UnaryObserver(String peer) {
      this.peer = peer;
    }

    abstract void answer(T response);

    @Override
    public void onNext(T value) {
      answer(value);
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      if (s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        if (!closed.get()) {
          inbox.unreachable(peer);
        }
      } else if (s.getCode() != Status.Code.CANCELLED) {
        server.logOnce("call to " + peer + " failed: " + s);
      }
    }

    @Override
    public void onCompleted() {}
  }

  private void streamBroken(Peer peer, int generation, Throwable t) {
    if (generation != peer.generation) {
      return;
    }
    peer.stream = null;
    peer.backingOff = true;
    peer.failures = Math.min(peer.failures + 1, 30);
    long min = options.backoffMin().toNanos();
    long max = options.backoffMax().toNanos();
    long backoff = min << Math.min(peer.failures - 1, 20);
    if (backoff <= 0 || backoff > max) {
      backoff = max;
    }
    backoff = (long) (backoff * (0.5 + 0.5 * ThreadLocalRandom.current().nextDouble()));
    peer.retryAtNanos = System.nanoTime() + backoff;
    if (closed.get()) {
      return;
    }
    if (log.isDebugEnabled()) {
      Status s = t == null ? Status.OK : Status.fromThrowable(t);
      log.debug("AppendEntries stream to {} ended ({} {}); retrying in {} ms", peer.id,
          s.getCode(), s.getDescription(), backoff / 1_000_000);
    }
    inbox.unreachable(peer.id);
    int gen = peer.generation;
    schedule(() -> retry(peer, gen), backoff);
    watchChannel(peer);
  }

  /**
   * While backing off, watches the peer's channel: gRPC keeps reporting the last failure (and fails
   * new calls at once) until a new connection is ready, so the moment it is, the stream is reopened
   * rather than at the next retry.
   */
  private void watchChannel(Peer peer) {
    ManagedChannel c = peer.channel;
    if (c == null || peer.watching) {
      return;
    }
    ConnectivityState now = c.getState(false);
    if (now == ConnectivityState.SHUTDOWN) {
      return;
    }
    peer.watching = true;
    c.notifyWhenStateChanged(now, () -> submit(() -> {
      peer.watching = false;
      if (closed.get() || c != peer.channel || !peer.backingOff || peer.stream != null) {
        return;
      }
      if (c.getState(false) == ConnectivityState.READY) {
        peer.retryAtNanos = System.nanoTime();
        retry(peer, peer.generation);
      } else {
        watchChannel(peer);
      }
    }));
  }

  /** How long after the core last sent to a peer on the stream it is still reconnected eagerly. */
  private long eagerNanos() {
    return 4 * options.backoffMax().toNanos() + TimeUnit.SECONDS.toNanos(1);
  }

  /**
   * The back-off after a broken stream ended (transport thread): reopens the stream now rather
   * than at the next heartbeat, if the core still talks to the peer, then sends what is queued.
   */
  private void retry(Peer peer, int generation) {
    if (closed.get() || generation != peer.generation) {
      return; // closed, or a newer stream (or address) took over
    }
    if (peer.stream == null && System.nanoTime() - peer.lastStreamSendNanos < eagerNanos()
        && System.nanoTime() >= peer.retryAtNanos) {
      RaftGrpc.RaftStub stub = peer.stub();
      if (stub != null) {
        peer.appendStream(stub);
      }
    }
    drain(peer);
  }

  /**
   * A message from {@code peer} arrived: it is up and can reach us, so a back-off toward it is cut
   * short. Cheap when not backing off (called for every inbound message).
   */
  void heardFrom(String peerId) {
    Peer peer = peers.get(peerId);
    if (peer == null || !peer.backingOff || !peer.resetScheduled.compareAndSet(false, true)) {
      return;
    }
    if (!submit(() -> {
      peer.resetScheduled.set(false);
      if (!peer.backingOff || peer.stream != null) {
        return;
      }
      peer.failures = 0;
      peer.retryAtNanos = System.nanoTime();
      if (log.isDebugEnabled()) {
        log.debug("{} reached us: reconnecting to it now", peer.id);
      }
      retry(peer, peer.generation);
    })) {
      peer.resetScheduled.set(false);
    }
  }

  // ---------------------------------------------------------------- snapshots (transport thread)

  private void startSnapshot(Peer peer, Message.InstallSnapshot m, byte[] data) {
    RaftGrpc.RaftStub stub = peer.stub();
    if (stub == null || !peer.snapshotInFlight.compareAndSet(false, true)) {
      inbox.snapshotSent(peer.id, false);
      return;
    }
    CRC32C crc = new CRC32C();
    crc.update(data);
    InstallSnapshotRequest header =
        PeerMessages.snapshotHeader(clusterId, m, data.length, (int) crc.getValue()).build();
    // Bounded: the receiver answers within snapshotAnswerTimeout of the last chunk; allow at least
    // 1 s per MiB (and a minute) for the transfer itself.
    long transferMillis = Math.max(60_000L, (long) data.length / 1024);
    stub.withDeadlineAfter(options.snapshotAnswerTimeout().toMillis() + transferMillis,
        TimeUnit.MILLISECONDS).installSnapshot(new SnapshotSender(peer, header, data));
  }

  /** Streams one snapshot in chunks as fast as the call's flow control allows. */
  private final class SnapshotSender
      implements ClientResponseObserver<InstallSnapshotRequest, InstallSnapshotResponse> {
    private final Peer peer;
    private final InstallSnapshotRequest header;
    private final byte[] data;
    private ClientCallStreamObserver<InstallSnapshotRequest> requests;
    private int offset;
    private boolean started;
    private boolean halfClosed;
    private InstallSnapshotResponse response;
    private final AtomicBoolean finished = new AtomicBoolean();

    SnapshotSender(Peer peer, InstallSnapshotRequest header, byte[] data) {
      this.peer = peer;
      this.header = header;
      this.data = data;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<InstallSnapshotRequest> r) {
      this.requests = r;
      r.setOnReadyHandler(this::pump);
    }

    private synchronized void pump() {
      while (!halfClosed && requests.isReady()) {
        int n = Math.min(options.snapshotChunkSize(), data.length - offset);
        InstallSnapshotRequest.Builder b = started
            ? InstallSnapshotRequest.newBuilder().setClusterId(clusterId).setFromId(header.getFromId())
                .setToId(header.getToId()).setTerm(header.getTerm())
            : header.toBuilder();
        b.setOffset(offset).setData(UnsafeByteOperations.unsafeWrap(data, offset, n));
        offset += n;
        started = true;
        boolean done = offset == data.length;
        b.setDone(done);
        requests.onNext(b.build());
        if (done) {
          halfClosed = true;
          requests.onCompleted();
        }
      }
    }

    @Override
    public void onNext(InstallSnapshotResponse r) {
      response = r;
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      log.info("snapshot to {} failed: {} {}", peer.id, s.getCode(), s.getDescription());
      if (s.getCode() == Status.Code.UNAVAILABLE && !closed.get()) {
        inbox.unreachable(peer.id);
      }
      finish(false);
    }

    @Override
    public void onCompleted() {
      InstallSnapshotResponse r = response;
      boolean ok = r != null
          && acceptResponse(peer.id, r.getClusterId(), r.getFromId(), r.getToId())
          && r.getSuccess();
      if (ok) {
        inbox.deliver(new Message.AppendResponse(r.getFromId(), r.getToId(), r.getTerm(), true,
            r.getMatchIndex(), 0, 0, 0));
      }
      finish(ok);
    }

    private void finish(boolean ok) {
      if (finished.compareAndSet(false, true)) {
        peer.snapshotInFlight.set(false);
        if (!closed.get()) {
          inbox.snapshotSent(peer.id, ok);
        }
      }
    }
  }

  // ---------------------------------------------------------------- per-peer state

  private final class Peer {
    final String id;
    /** Guarded by this. */
    final ArrayDeque<Message> queue = new ArrayDeque<>();
    /** Guarded by this. */
    boolean drainScheduled;
    final AtomicBoolean snapshotInFlight = new AtomicBoolean();
    /** Since a stream broke and until the peer answers on a new one (read by heardFrom). */
    volatile boolean backingOff;
    /** A connectivity watcher is registered on the channel. */
    boolean watching;
    final AtomicBoolean resetScheduled = new AtomicBoolean();
    /** When the core last gave us an append or heartbeat for this peer. */
    volatile long lastStreamSendNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
    // Below: transport thread only.
    String address;
    ManagedChannel channel;
    volatile ManagedChannel oldChannel;
    RaftGrpc.RaftStub stub;
    ClientCallStreamObserver<AppendEntriesRequest> stream;
    int generation;
    int failures;
    long retryAtNanos = System.nanoTime();

    Peer(String id) {
      this.id = id;
    }

    /** The stub for the peer's current address, or null when the address is unknown. */
    RaftGrpc.RaftStub stub() {
      String a = addresses.apply(id);
      if (a == null || a.isEmpty()) {
        return null;
      }
      if (!a.equals(address)) {
        closeChannel();
        address = a;
        channel = NettyChannelBuilder.forTarget(a).usePlaintext()
            .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
            .keepAliveTime(options.keepAliveTime().toSeconds(), TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .maxInboundMessageSize(options.maxInboundMessageSize()).build();
        stub = RaftGrpc.newStub(channel);
        failures = 0;
        backingOff = false;
        retryAtNanos = System.nanoTime();
      }
      return stub;
    }

    void closeChannel() {
      generation++;
      if (stream != null) {
        try {
          stream.cancel("closing", null);
        } catch (RuntimeException e) {
          // already finished
        }
        stream = null;
      }
      if (channel != null) {
        channel.shutdownNow();
        oldChannel = channel;
        channel = null;
        address = null;
        watching = false;
      }
    }

    ClientCallStreamObserver<AppendEntriesRequest> appendStream(RaftGrpc.RaftStub s) {
      if (stream != null) {
        return stream;
      }
      if (channel != null && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        // our back-off has passed: do not also wait for gRPC's (1 s, growing to minutes)
        channel.resetConnectBackoff();
      }
      final int gen = ++generation;
      stream = (ClientCallStreamObserver<AppendEntriesRequest>) s.appendEntries(
          new ClientResponseObserver<AppendEntriesRequest, AppendEntriesResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<AppendEntriesRequest> r) {
              r.setOnReadyHandler(() -> submit(() -> {
                if (gen == generation) {
                  drain(Peer.this);
                }
              }));
            }

            @Override
            public void onNext(AppendEntriesResponse r) {
              if (acceptResponse(id, r.getClusterId(), r.getFromId(), r.getToId())) {
                try {
                  inbox.deliver(PeerMessages.fromWire(r));
                } catch (RuntimeException e) {
                  server.logOnce("malformed AppendEntries response from " + id + ": " + e);
                }
              }
              if (backingOff) {
                submit(() -> {
                  if (gen == generation) {
                    failures = 0;
                    backingOff = false;
                  }
                });
              }
            }

            @Override
            public void onError(Throwable t) {
              submit(() -> streamBroken(Peer.this, gen, t));
            }

            @Override
            public void onCompleted() {
              submit(() -> streamBroken(Peer.this, gen, null));
            }
          });
      return stream;
    }
  }
}
