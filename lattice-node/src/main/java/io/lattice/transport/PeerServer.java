package io.lattice.transport;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lattice.node.PeerInbox;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.InstallSnapshotResponse;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.ReadIndexRequest;
import io.lattice.proto.v1.ReadIndexResponse;
import io.lattice.proto.v1.RequestVoteRequest;
import io.lattice.proto.v1.RequestVoteResponse;
import io.lattice.proto.v1.SnapshotMetadata;
import io.lattice.proto.v1.TimeoutNowRequest;
import io.lattice.proto.v1.TimeoutNowResponse;
import io.lattice.raft.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@code lattice.v1.Raft}. Checks every inbound message (cluster id, recipient,
 * well-formedness) before it reaches the core, hands it to the {@link PeerInbox}, and keeps what
 * is needed to route the core's later answer back on the same call:
 *
 * <ul>
 *   <li>RequestVote: pending calls per peer; a VoteResponse to that peer completes the oldest one
 *       with the same pre-vote flag (preferring one whose term equals the response's term).
 *   <li>ReadIndex: pending calls keyed by (peer, request id).
 *   <li>InstallSnapshot: at most one pending call per peer, completed by the first successful
 *       AppendResponse to that peer whose match index covers the snapshot, or by any response of a
 *       higher term (then with success=false).
 *   <li>AppendEntries: the response stream of the stream each peer opened to us (the newest one).
 * </ul>
 *
 * <p>Every accepted message tells the transport that its sender is up ({@link
 * GrpcPeerTransport#heardFrom}), which ends a reconnect back-off toward it.
 *
 * <p>A pending call the core does not answer within the answer timeout is completed with a
 * response whose {@code from_id} is empty, meaning "no answer"; the requester ignores it.
 */
final class PeerServer extends RaftGrpc.RaftImplBase {
  private static final Logger log = LoggerFactory.getLogger(PeerServer.class);
  private static final int MAX_PENDING_PER_PEER = 256;

  private final GrpcPeerTransport t;
  private final Object lock = new Object();
  /** Guarded by lock. */
  private final Map<String, ArrayDeque<Pending<RequestVoteRequest, RequestVoteResponse>>> votes =
      new HashMap<>();
  /** Guarded by lock; key peer + '\0' + request id. */
  private final Map<String, Pending<ReadIndexRequest, ReadIndexResponse>> reads = new HashMap<>();
  /** Guarded by lock. */
  private final Map<String, Pending<InstallSnapshotRequest, InstallSnapshotResponse>> snapshots =
      new HashMap<>();
  private final ConcurrentHashMap<String, AppendResponder> appendResponders =
      new ConcurrentHashMap<>();
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  PeerServer(GrpcPeerTransport transport) {
    this.t = transport;
  }

  /** Logs a message once per distinct text (bounded), so a misconfigured peer cannot flood logs. */
  void logOnce(String message) {
    if (logged.size() < 1000 && logged.add(message)) {
      log.warn(message);
    }
  }

  /** Null if the envelope is acceptable, else the error to answer with (logged once). */
  private StatusRuntimeException check(String cluster, String from, String to) {
    StatusRuntimeException e = null;
    if (!t.clusterId.equals(cluster)) {
      e = PeerErrors.clusterMismatch(t.selfId, t.clusterId, cluster, from);
    } else if (!t.selfId.equals(to)) {
      e = PeerErrors.memberMismatch(t.selfId, to, from);
    } else if (from.isEmpty()) {
      e = PeerErrors.invalid(t.selfId, "peer message without from_id");
    } else if (t.isClosed()) {
      return PeerErrors.shuttingDown(t.selfId);
    }
    if (e != null) {
      logOnce("rejected peer message: " + e.getStatus().getDescription());
    }
    return e;
  }

  // ---------------------------------------------------------------- unary calls

  @Override
  public void requestVote(RequestVoteRequest req, StreamObserver<RequestVoteResponse> obs) {
    StatusRuntimeException e = check(req.getClusterId(), req.getFromId(), req.getToId());
    if (e != null) {
      obs.onError(e);
      return;
    }
    t.heardFrom(req.getFromId());
    Pending<RequestVoteRequest, RequestVoteResponse> p = new Pending<>(req, obs,
        RequestVoteResponse.newBuilder().setClusterId(t.clusterId).setToId(req.getFromId())
            .build());
    Pending<RequestVoteRequest, RequestVoteResponse> evicted = null;
    synchronized (lock) {
      ArrayDeque<Pending<RequestVoteRequest, RequestVoteResponse>> q =
          votes.computeIfAbsent(req.getFromId(), k -> new ArrayDeque<>());
      if (q.size() >= MAX_PENDING_PER_PEER) {
        evicted = q.pollFirst();
      }
      q.addLast(p);
    }
    if (evicted != null) {
      evicted.noAnswer();
    }
    expireLater(p, t.options.answerTimeout().toNanos(), () -> {
      synchronized (lock) {
        ArrayDeque<Pending<RequestVoteRequest, RequestVoteResponse>> q =
            votes.get(req.getFromId());
        if (q != null) {
          q.remove(p);
          if (q.isEmpty()) {
            votes.remove(req.getFromId());
          }
        }
      }
    });
    t.inbox.deliver(PeerMessages.fromWire(req));
  }

  @Override
  public void readIndex(ReadIndexRequest req, StreamObserver<ReadIndexResponse> obs) {
    StatusRuntimeException e = check(req.getClusterId(), req.getFromId(), req.getToId());
    if (e != null) {
      obs.onError(e);
      return;
    }
    t.heardFrom(req.getFromId());
    String key = req.getFromId() + '\0' + req.getRequestId();
    Pending<ReadIndexRequest, ReadIndexResponse> p = new Pending<>(req, obs,
        ReadIndexResponse.newBuilder().setClusterId(t.clusterId).setToId(req.getFromId())
            .setRequestId(req.getRequestId()).build());
    Pending<ReadIndexRequest, ReadIndexResponse> replaced;
    synchronized (lock) {
      replaced = reads.put(key, p);
    }
    if (replaced != null) {
      replaced.noAnswer();
    }
    expireLater(p, t.options.answerTimeout().toNanos(), () -> {
      synchronized (lock) {
        reads.remove(key, p);
      }
    });
    t.inbox.deliver(PeerMessages.fromWire(req));
  }

  @Override
  public void timeoutNow(TimeoutNowRequest req, StreamObserver<TimeoutNowResponse> obs) {
    StatusRuntimeException e = check(req.getClusterId(), req.getFromId(), req.getToId());
    if (e != null) {
      obs.onError(e);
      return;
    }
    t.heardFrom(req.getFromId());
    t.inbox.deliver(PeerMessages.fromWire(req));
    // An acknowledgement of receipt; the transport does not know the core's term, so it echoes.
    obs.onNext(TimeoutNowResponse.newBuilder().setClusterId(t.clusterId).setFromId(t.selfId)
        .setToId(req.getFromId()).setTerm(req.getTerm()).build());
    obs.onCompleted();
  }

  // ---------------------------------------------------------------- AppendEntries

  @Override
  public StreamObserver<AppendEntriesRequest> appendEntries(
      StreamObserver<AppendEntriesResponse> obs) {
    ServerCallStreamObserver<AppendEntriesResponse> out =
        (ServerCallStreamObserver<AppendEntriesResponse>) obs;
    AppendResponder responder = new AppendResponder(out);
    out.setOnCancelHandler(responder::cancelled);
    return new StreamObserver<>() {
      private String peer;

      @Override
      public void onNext(AppendEntriesRequest req) {
        if (responder.closed) {
          return;
        }
        StatusRuntimeException e = check(req.getClusterId(), req.getFromId(), req.getToId());
        if (e == null && peer != null && !peer.equals(req.getFromId())) {
          e = PeerErrors.invalid(t.selfId, "AppendEntries stream from " + peer
              + " carried a message from " + req.getFromId());
        }
        Message m = null;
        if (e == null) {
          try {
            m = PeerMessages.fromWire(req);
          } catch (RuntimeException ex) {
            e = PeerErrors.invalid(t.selfId, "malformed AppendEntries from " + req.getFromId()
                + ": " + ex.getMessage());
            logOnce(e.getStatus().getDescription());
          }
        }
        if (e != null) {
          responder.fail(e);
          if (peer != null) {
            appendResponders.remove(peer, responder);
          }
          return;
        }
        if (peer == null) {
          peer = req.getFromId();
          AppendResponder old = appendResponders.put(peer, responder);
          if (old != null && old != responder) {
            old.complete(); // the peer reconnected: the old stream is of no further use
          }
        }
        t.heardFrom(peer);
        t.inbox.deliver(m);
      }

      @Override
      public void onError(Throwable err) {
        responder.cancelled();
        if (peer != null) {
          appendResponders.remove(peer, responder);
        }
      }

      @Override
      public void onCompleted() {
        if (peer != null) {
          appendResponders.remove(peer, responder);
        }
        responder.complete();
      }
    };
  }

  /** The response side of one inbound AppendEntries stream; calls on it are serialised. */
  private static final class AppendResponder {
    private final ServerCallStreamObserver<AppendEntriesResponse> out;
    volatile boolean closed;

    AppendResponder(ServerCallStreamObserver<AppendEntriesResponse> out) {
      this.out = out;
    }

    synchronized boolean send(AppendEntriesResponse r) {
      if (closed || !out.isReady()) {
        return false; // flow control: drop rather than buffer without bound
      }
      try {
        out.onNext(r);
        return true;
      } catch (RuntimeException e) {
        closed = true;
        return false;
      }
    }

    synchronized void fail(StatusRuntimeException e) {
      if (!closed) {
        closed = true;
        try {
          out.onError(e);
        } catch (RuntimeException ignored) {
          // already cancelled
        }
      }
    }

    synchronized void complete() {
      if (!closed) {
        closed = true;
        try {
          out.onCompleted();
        } catch (RuntimeException ignored) {
          // already cancelled
        }
      }
    }

    void cancelled() {
      closed = true;
    }
  }

  // ---------------------------------------------------------------- InstallSnapshot

  @Override
  public StreamObserver<InstallSnapshotRequest> installSnapshot(
      StreamObserver<InstallSnapshotResponse> obs) {
    return new StreamObserver<>() {
      private InstallSnapshotRequest first;
      private Message.InstallSnapshot message;
      private byte[] data;
      private long received;
      private final CRC32C crc = new CRC32C();
      private boolean failed;
      private boolean complete;

      private void fail(StatusRuntimeException e) {
        failed = true;
        data = null;
        obs.onError(e);
      }

      @Override
      public void onNext(InstallSnapshotRequest c) {
        if (failed) {
          return;
        }
        StatusRuntimeException e = check(c.getClusterId(), c.getFromId(), c.getToId());
        if (e != null) {
          fail(e);
          return;
        }
        t.heardFrom(c.getFromId());
        if (complete) {
          fail(PeerErrors.invalid(t.selfId, "snapshot chunk after the last one"));
          return;
        }
        if (first == null) {
          if (!c.hasMetadata()) {
            fail(PeerErrors.invalid(t.selfId, "first snapshot chunk lacks metadata"));
            return;
          }
          SnapshotMetadata md = c.getMetadata();
          if (md.getTotalSize() > t.options.maxSnapshotSize()) {
            fail(PeerErrors.invalid(t.selfId, "snapshot of " + md.getTotalSize()
                + " bytes exceeds the limit of " + t.options.maxSnapshotSize()));
            return;
          }
          try {
            message = PeerMessages.fromWire(c);
          } catch (RuntimeException ex) {
            fail(PeerErrors.invalid(t.selfId, "malformed snapshot metadata: " + ex.getMessage()));
            return;
          }
          first = c;
          data = new byte[(int) md.getTotalSize()];
        } else if (!c.getFromId().equals(first.getFromId()) || c.getTerm() != first.getTerm()) {
          fail(PeerErrors.invalid(t.selfId, "snapshot chunks of different senders or terms"));
          return;
        }
        int n = c.getData().size();
        if (c.getOffset() != received || received + n > data.length) {
          fail(PeerErrors.invalid(t.selfId, "snapshot chunk at offset " + c.getOffset() + " of "
              + n + " bytes does not follow " + received + " of " + data.length));
          return;
        }
        c.getData().copyTo(data, (int) received);
        crc.update(data, (int) received, n);
        received += n;
        if (c.getDone()) {
          if (received != data.length) {
            fail(PeerErrors.invalid(t.selfId, "snapshot ended at " + received + " of "
                + data.length + " bytes"));
            return;
          }
          int want = first.getMetadata().getCrc32C();
          if (want != 0 && want != (int) crc.getValue()) {
            fail(PeerErrors.invalid(t.selfId, "snapshot CRC-32C mismatch"));
            return;
          }
          complete = true;
          register(obs);
          t.inbox.deliverSnapshot(message, data);
          data = null;
        }
      }

      private void register(StreamObserver<InstallSnapshotResponse> o) {
        String peer = first.getFromId();
        Pending<InstallSnapshotRequest, InstallSnapshotResponse> p = new Pending<>(first, o,
            InstallSnapshotResponse.newBuilder().setClusterId(t.clusterId).setToId(peer).build());
        Pending<InstallSnapshotRequest, InstallSnapshotResponse> replaced;
        synchronized (lock) {
          replaced = snapshots.put(peer, p);
        }
        if (replaced != null) {
          replaced.noAnswer();
        }
        expireLater(p, t.options.snapshotAnswerTimeout().toNanos(), () -> {
          synchronized (lock) {
            snapshots.remove(peer, p);
          }
        });
      }

      @Override
      public void onError(Throwable err) {
        data = null;
        failed = true;
      }

      @Override
      public void onCompleted() {
        if (!failed && !complete) {
          fail(PeerErrors.invalid(t.selfId, "snapshot stream ended before the last chunk"));
        }
      }
    };
  }

  // ---------------------------------------------------------------- answers from the core

  /** Routes a response of the local core to the call it answers; false if there is none. */
  boolean respond(Message m) {
    String peer = m.to();
    if (m instanceof Message.VoteResponse) {
      Message.VoteResponse v = (Message.VoteResponse) m;
      Pending<RequestVoteRequest, RequestVoteResponse> p = null;
      synchronized (lock) {
        ArrayDeque<Pending<RequestVoteRequest, RequestVoteResponse>> q = votes.get(peer);
        if (q != null) {
          for (Pending<RequestVoteRequest, RequestVoteResponse> c : q) {
            if (c.request.getPreVote() == v.preVote()
                && (p == null || (p.request.getTerm() != v.term() && c.request.getTerm() == v.term()))) {
              p = c;
            }
          }
          if (p != null) {
            q.remove(p);
            if (q.isEmpty()) {
              votes.remove(peer);
            }
          }
        }
      }
      return p != null && p.complete(PeerMessages.toWire(t.clusterId, v));
    }
    if (m instanceof Message.ReadIndexResponse) {
      Message.ReadIndexResponse r = (Message.ReadIndexResponse) m;
      Pending<ReadIndexRequest, ReadIndexResponse> p;
      synchronized (lock) {
        p = reads.remove(peer + '\0' + r.requestId());
      }
      return p != null && p.complete(PeerMessages.toWire(t.clusterId, r));
    }
    if (m instanceof Message.AppendResponse) {
      Message.AppendResponse a = (Message.AppendResponse) m;
      Pending<InstallSnapshotRequest, InstallSnapshotResponse> p = null;
      synchronized (lock) {
        Pending<InstallSnapshotRequest, InstallSnapshotResponse> c = snapshots.get(peer);
        if (c != null && ((a.success() && a.rejectedIndex() == 0
            && a.matchIndex() >= c.request.getMetadata().getLastIncludedIndex())
            || a.term() > c.request.getTerm())) {
          p = snapshots.remove(peer);
        }
      }
      if (p != null) {
        boolean ok = a.success() && a.term() == p.request.getTerm();
        return p.complete(InstallSnapshotResponse.newBuilder().setClusterId(t.clusterId)
            .setFromId(a.from()).setToId(a.to()).setTerm(a.term()).setSuccess(ok)
            .setMatchIndex(ok ? a.matchIndex() : 0).build());
      }
      return sendOnAppendStream(peer, PeerMessages.toWire(t.clusterId, a));
    }
    if (m instanceof Message.HeartbeatResponse) {
      return sendOnAppendStream(peer,
          PeerMessages.toWire(t.clusterId, (Message.HeartbeatResponse) m));
    }
    return false;
  }

  private boolean sendOnAppendStream(String peer, AppendEntriesResponse r) {
    AppendResponder a = appendResponders.get(peer);
    return a != null && a.send(r);
  }

  private void expireLater(Pending<?, ?> p, long nanos, Runnable unregister) {
    t.schedule(() -> {
      unregister.run();
      p.noAnswer();
    }, nanos);
  }

  /** Completes every call still open (on close). */
  void shutdown() {
    List<Pending<?, ?>> all = new ArrayList<>();
    synchronized (lock) {
      for (ArrayDeque<Pending<RequestVoteRequest, RequestVoteResponse>> q : votes.values()) {
        all.addAll(q);
      }
      all.addAll(reads.values());
      all.addAll(snapshots.values());
      votes.clear();
      reads.clear();
      snapshots.clear();
    }
    for (Pending<?, ?> p : all) {
      p.noAnswer();
    }
    for (Iterator<AppendResponder> it = appendResponders.values().iterator(); it.hasNext(); ) {
      it.next().fail(PeerErrors.shuttingDown(t.selfId));
      it.remove();
    }
  }

  /** A call waiting for the core's answer; completed exactly once. */
  private static final class Pending<Q, R> {
    final Q request;
    private final StreamObserver<R> observer;
    private final R noAnswer;
    private boolean done;

    Pending(Q request, StreamObserver<R> observer, R noAnswer) {
      this.request = request;
      this.observer = observer;
      this.noAnswer = noAnswer;
    }

    synchronized boolean complete(R response) {
      if (done) {
        return false;
      }
      done = true;
      try {
        observer.onNext(response);
        observer.onCompleted();
        return true;
      } catch (RuntimeException e) {
        return false; // the caller gave up (deadline, cancel)
      }
    }

    void noAnswer() {
      complete(noAnswer);
    }
  }
}
