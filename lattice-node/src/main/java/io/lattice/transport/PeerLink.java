package io.lattice.transport;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.ReadIndexResponse;
import io.lattice.proto.v1.RequestVoteResponse;
import io.lattice.proto.v1.TimeoutNowResponse;
import io.lattice.raft.Message;
import io.lattice.security.PeerSecurity;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything this member sends to one peer on calls of its own: a bounded queue of outbound
 * messages (the oldest is dropped and counted when it is full: Raft tolerates loss), drained on the
 * transport thread into unary calls (VoteRequest, ReadIndexRequest, TimeoutNow) and the one
 * AppendEntries stream kept open to the peer (AppendRequest, Heartbeat, pipelined in order,
 * respecting flow control), and the reconnect logic of that stream. (Answers to the peer's calls
 * do not pass through here: {@link GrpcPeerTransport#send} answers them at once.)
 *
 * <p>Reconnecting: a broken stream reports the peer unreachable and is reopened after a {@link
 * Backoff} wait (appends and heartbeats to the peer are dropped meanwhile). When the wait ends the
 * stream is reopened at once if the core still sends to the peer, gRPC's own connect back-off
 * being skipped ({@link PeerChannel#skipGrpcBackoff}); the channel is watched meanwhile, and the
 * stream reopened the moment a connection is ready. The wait ends early when the peer gets
 * through to us ({@link #heardFrom}), and the back-off is forgotten once it answers on the stream.
 *
 * <p>Also the peer's snapshot slot: at most one snapshot transfer to it at a time.
 *
 * <p>Threading: the queue is guarded by this object; everything else is used on the transport
 * thread only, except the fields documented otherwise.
 */
final class PeerLink {
  private static final Logger log = LoggerFactory.getLogger(PeerLink.class);

  final String id;
  private final GrpcPeerTransport t;
  private final PeerChannel channel;
  private final Backoff backoff;
  /** Guarded by this. */
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  /** Guarded by this. */
  private boolean drainScheduled;
  /** The snapshot being sent to this peer, or null (any thread). */
  final AtomicReference<SnapshotSender> snapshot = new AtomicReference<>();
  private final AtomicBoolean resetScheduled = new AtomicBoolean();
  /** The snapshot index last announced / last failed in the log (any thread; log dedup only). */
  private volatile long snapshotStartLogged = -1;
  private volatile long snapshotFailureLogged = -1;
  /** When the core last gave us an append or heartbeat for this peer (any thread). */
  private volatile long lastStreamSendNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
  /** A connectivity watcher is registered on the channel. */
  private boolean watching;
  private ClientCallStreamObserver<AppendEntriesRequest> stream;
  private int generation;

  PeerLink(String id, GrpcPeerTransport transport) {
    this.id = id;
    this.t = transport;
    this.channel = new PeerChannel(transport.options, transport.security.dialCredentials(id),
        PeerSecurity.dialInterceptor(transport.selfId));
    this.backoff = new Backoff(transport.options.backoffMin(), transport.options.backoffMax());
  }

  /** Whether a transfer of snapshot {@code index} is the first one to log that it starts. */
  boolean firstStartOf(long index) {
    if (snapshotStartLogged == index) {
      return false;
    }
    snapshotStartLogged = index;
    return true;
  }

  /** Whether a failure of snapshot {@code index} is the first one to log. */
  boolean firstFailureOf(long index) {
    if (snapshotFailureLogged == index) {
      return false;
    }
    snapshotFailureLogged = index;
    return true;
  }

  /** Queues {@code m} and schedules a drain (any thread). */
  void enqueue(Message m) {
    boolean schedule;
    synchronized (this) {
      if (queue.size() >= t.options.queueCapacity()) {
        queue.pollFirst();
        t.dropped.increment();
      }
      queue.addLast(m);
      schedule = !drainScheduled;
      drainScheduled = true;
    }
    if (schedule) {
      t.submit(this::drain);
    }
  }

  /** The stub for the peer's current address, or null when the address is unknown. */
  RaftGrpc.RaftStub stub() {
    String a = t.addressOf(id);
    if (a == null || a.isEmpty()) {
      return null;
    }
    if (!channel.isFor(a)) {
      closeChannel();
      channel.open(a);
      backoff.reset();
    }
    return channel.stub();
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
    channel.close();
    watching = false;
  }

  boolean awaitClosed() {
    return channel.awaitOldChannel();
  }

  // ---------------------------------------------------------------- sending (transport thread)

  private void drain() {
    synchronized (this) {
      drainScheduled = false;
    }
    while (!t.isClosed()) {
      Message m;
      synchronized (this) {
        m = queue.pollFirst();
      }
      if (m == null) {
        return;
      }
      if (!dispatch(m)) {
        synchronized (this) {
          queue.addFirst(m); // waits for the stream's onReady
        }
        return;
      }
    }
  }

  /** Sends one message; false if it must wait for the AppendEntries stream to become ready. */
  private boolean dispatch(Message m) {
    RaftGrpc.RaftStub stub = stub();
    if (stub == null) {
      t.dropped.increment();
      return true;
    }
    if (m instanceof Message.VoteRequest v) {
      unary(stub).requestVote(PeerMessages.toWire(t.clusterId, v),
          new UnaryAnswer<RequestVoteResponse>(t, id) {
            @Override
            void answer(RequestVoteResponse r) {
              if (t.acceptResponse(id, r.getClusterId(), r.getFromId(), r.getToId())) {
                t.inbox.deliver(PeerMessages.fromWire(r));
              }
            }
          });
    } else if (m instanceof Message.ReadIndexRequest r) {
      unary(stub).readIndex(PeerMessages.toWire(t.clusterId, r),
          new UnaryAnswer<ReadIndexResponse>(t, id) {
            @Override
            void answer(ReadIndexResponse w) {
              if (t.acceptResponse(id, w.getClusterId(), w.getFromId(), w.getToId())) {
                t.inbox.deliver(PeerMessages.fromWire(w));
              }
            }
          });
    } else if (m instanceof Message.TimeoutNow n) {
      unary(stub).timeoutNow(PeerMessages.toWire(t.clusterId, n),
          new UnaryAnswer<TimeoutNowResponse>(t, id) {
            @Override
            void answer(TimeoutNowResponse w) {
              // an acknowledgement only
            }
          });
    } else if (m instanceof Message.AppendRequest || m instanceof Message.Heartbeat) {
      lastStreamSendNanos = System.nanoTime();
      if (backoff.waiting()) {
        t.dropped.increment(); // backing off after a broken stream: Raft will resend
        return true;
      }
      ClientCallStreamObserver<AppendEntriesRequest> s = appendStream(stub);
      if (!s.isReady()) {
        return false;
      }
      AppendEntriesRequest w = m instanceof Message.Heartbeat h
          ? PeerMessages.toWire(t.clusterId, h)
          : PeerMessages.toWire(t.clusterId, (Message.AppendRequest) m);
      try {
        s.onNext(w);
      } catch (RuntimeException e) {
        t.dropped.increment();
      }
    } else {
      t.dropped.increment();
    }
    return true;
  }

  private RaftGrpc.RaftStub unary(RaftGrpc.RaftStub stub) {
    return stub.withDeadlineAfter(t.options.answerTimeout().toMillis() + 1000,
        TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- the AppendEntries stream

  private ClientCallStreamObserver<AppendEntriesRequest> appendStream(RaftGrpc.RaftStub s) {
    if (stream != null) {
      return stream;
    }
    channel.skipGrpcBackoff();
    final int gen = ++generation;
    stream = (ClientCallStreamObserver<AppendEntriesRequest>) s.appendEntries(
        new ClientResponseObserver<AppendEntriesRequest, AppendEntriesResponse>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<AppendEntriesRequest> r) {
            r.setOnReadyHandler(() -> t.submit(() -> {
              if (gen == generation) {
                drain();
              }
            }));
          }

          @Override
          public void onNext(AppendEntriesResponse r) {
            if (t.acceptResponse(id, r.getClusterId(), r.getFromId(), r.getToId())) {
              t.peerAdvertised(id, r.getSenderClientAddress());
              try {
                t.inbox.deliver(PeerMessages.fromWire(r));
              } catch (RuntimeException e) {
                t.warn("malformed AppendEntries response from " + id + ": " + e);
              }
            }
            if (backoff.isBackingOff()) {
              t.submit(() -> {
                if (gen == generation) {
                  backoff.answered();
                }
              });
            }
          }

          @Override
          public void onError(Throwable e) {
            t.submit(() -> streamBroken(gen, e));
          }

          @Override
          public void onCompleted() {
            t.submit(() -> streamBroken(gen, null));
          }
        });
    return stream;
  }

  private void streamBroken(int gen, Throwable e) {
    if (gen != generation) {
      return;
    }
    stream = null;
    long wait = backoff.failed();
    if (t.isClosed()) {
      return;
    }
    String removed = PeerErrors.removedMessage(e);
    if (removed != null) {
      t.inbox.removedFromCluster(id, removed);
      return;
    }
    if (log.isDebugEnabled()) {
      Status s = e == null ? Status.OK : Status.fromThrowable(e);
      log.debug("AppendEntries stream to {} ended ({} {}); retrying in {} ms", id, s.getCode(),
          s.getDescription(), wait / 1_000_000);
    }
    t.inbox.unreachable(id);
    int g = generation;
    t.schedule(() -> retry(g), wait);
    watchChannel();
  }

  /**
   * While backing off, watches the channel: gRPC keeps reporting the last failure (and fails new
   * calls at once) until a new connection is ready, so the moment it is, the stream is reopened
   * rather than at the next retry.
   */
  private void watchChannel() {
    ManagedChannel c = channel.channel();
    if (c == null || watching) {
      return;
    }
    ConnectivityState now = c.getState(false);
    if (now == ConnectivityState.SHUTDOWN) {
      return;
    }
    watching = true;
    c.notifyWhenStateChanged(now, () -> t.submit(() -> {
      watching = false;
      if (t.isClosed() || c != channel.channel() || !backoff.isBackingOff() || stream != null) {
        return;
      }
      if (c.getState(false) == ConnectivityState.READY) {
        backoff.endWait();
        retry(generation);
      } else {
        watchChannel();
      }
    }));
  }

  /** How long after the core last sent to the peer on the stream it is still reconnected eagerly. */
  private long eagerNanos() {
    return 4 * t.options.backoffMax().toNanos() + TimeUnit.SECONDS.toNanos(1);
  }

  /**
   * A back-off wait ended: reopens the stream now rather than at the next heartbeat, if the core
   * still talks to the peer, then sends what is queued.
   */
  private void retry(int gen) {
    if (t.isClosed() || gen != generation) {
      return; // closed, or a newer stream (or address) took over
    }
    if (stream == null && System.nanoTime() - lastStreamSendNanos < eagerNanos()
        && !backoff.waiting()) {
      RaftGrpc.RaftStub stub = stub();
      if (stub != null) {
        appendStream(stub);
      }
    }
    drain();
  }

  /**
   * A message from the peer arrived: it is up and can reach us, so a back-off toward it is cut
   * short. Cheap when not backing off (called for every inbound message, on any thread).
   */
  void heardFrom() {
    if (!backoff.isBackingOff() || !resetScheduled.compareAndSet(false, true)) {
      return;
    }
    if (!t.submit(() -> {
      resetScheduled.set(false);
      if (!backoff.isBackingOff() || stream != null) {
        return;
      }
      backoff.retryNow();
      if (log.isDebugEnabled()) {
        log.debug("{} reached us: reconnecting to it now", id);
      }
      retry(generation);
    })) {
      resetScheduled.set(false);
    }
  }
}
