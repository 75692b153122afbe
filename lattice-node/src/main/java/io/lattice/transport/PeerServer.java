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
import io.lattice.proto.v1.TimeoutNowRequest;
import io.lattice.proto.v1.TimeoutNowResponse;
import io.lattice.raft.Message;
import io.lattice.security.PeerIdentity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server side of {@code lattice.v1.Raft}. Checks every inbound message (with TLS, that its
 * sender is the member the call's certificate names: {@link PeerIdentity}; cluster id, recipient,
 * well-formedness) before it reaches the core, hands it to the {@link PeerInbox}, and keeps what
 * is needed to route the core's later answer back on the same call:
 *
 * <ul>
 *   <li>RequestVote: pending calls per peer; a VoteResponse to that peer completes the oldest one
 *       with the same pre-vote flag (preferring one whose term equals the response's term).
 *   <li>ReadIndex: pending calls keyed by (peer, request id).
 *   <li>InstallSnapshot: received by a {@link SnapshotIntake}; once verified, at most one pending
 *       call per peer, completed by the first successful
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
  private static final int MAX_PENDING_PER_PEER = 256;

  private final GrpcPeerTransport t;
  private final Object lock = new Object();
  /** Guarded by lock. */
  private final Map<String, ArrayDeque<PendingCall<RequestVoteRequest, RequestVoteResponse>>> votes =
      new HashMap<>();
  /** Guarded by lock; key peer + '\0' + request id. */
  private final Map<String, PendingCall<ReadIndexRequest, ReadIndexResponse>> reads = new HashMap<>();
  /** Guarded by lock. */
  private final Map<String, PendingCall<InstallSnapshotRequest, InstallSnapshotResponse>> snapshots =
      new HashMap<>();
  private final ConcurrentHashMap<String, AppendResponder> appendResponders =
      new ConcurrentHashMap<>();

  PeerServer(GrpcPeerTransport transport) {
    this.t = transport;
  }

  /** Null if the envelope is acceptable, else the error to answer with (logged, rate-limited). */
  private StatusRuntimeException check(String cluster, String from, String to) {
    // With TLS, the sender must be the member the call's certificate names (nothing else here
    // may be trusted before that); with --insecure there is no identity to check.
    StatusRuntimeException e = t.security.verifyPeerIdentity()
        ? PeerIdentity.refusal(t.selfId, from) : null;
    if (e != null) {
      // refused: logged below
    } else if (!t.clusterId.equals(cluster)) {
      e = PeerErrors.clusterMismatch(t.selfId, t.clusterId, cluster, from);
    } else if (!t.selfId.equals(to)) {
      e = PeerErrors.memberMismatch(t.selfId, to, from);
    } else if (from.isEmpty()) {
      e = PeerErrors.invalid(t.selfId, "peer message without from_id");
    } else if (t.isClosed()) {
      return PeerErrors.shuttingDown(t.selfId);
    } else if (t.inbox.refusesAsRemoved(from)) {
      e = PeerErrors.removed(t.selfId, t.clusterId, from);
    }
    if (e != null) {
      t.warn("rejected peer message: " + e.getStatus().getDescription());
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
    PendingCall<RequestVoteRequest, RequestVoteResponse> p = new PendingCall<>(req, obs,
        RequestVoteResponse.newBuilder().setClusterId(t.clusterId).setToId(req.getFromId())
            .build());
    PendingCall<RequestVoteRequest, RequestVoteResponse> evicted = null;
    synchronized (lock) {
      ArrayDeque<PendingCall<RequestVoteRequest, RequestVoteResponse>> q =
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
        ArrayDeque<PendingCall<RequestVoteRequest, RequestVoteResponse>> q =
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
    PendingCall<ReadIndexRequest, ReadIndexResponse> p = new PendingCall<>(req, obs,
        ReadIndexResponse.newBuilder().setClusterId(t.clusterId).setToId(req.getFromId())
            .setRequestId(req.getRequestId()).build());
    PendingCall<ReadIndexRequest, ReadIndexResponse> replaced;
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
            t.warn(e.getStatus().getDescription());
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

  // ---------------------------------------------------------------- InstallSnapshot

  @Override
  public StreamObserver<InstallSnapshotRequest> installSnapshot(
      StreamObserver<InstallSnapshotResponse> obs) {
    return new SnapshotIntake(t, obs, this);
  }

  /** Null if the envelope of a snapshot chunk is acceptable, else the error to answer with. */
  StatusRuntimeException checkSnapshotChunk(InstallSnapshotRequest c) {
    return check(c.getClusterId(), c.getFromId(), c.getToId());
  }

  /**
   * Keeps the call of a received, verified snapshot until the core answers it (an AppendResponse
   * that covers it) or the snapshot answer timeout passes.
   */
  void awaitSnapshotAnswer(InstallSnapshotRequest first, StreamObserver<InstallSnapshotResponse> o) {
    String peer = first.getFromId();
    PendingCall<InstallSnapshotRequest, InstallSnapshotResponse> p = new PendingCall<>(first, o,
        InstallSnapshotResponse.newBuilder().setClusterId(t.clusterId).setToId(peer).build());
    PendingCall<InstallSnapshotRequest, InstallSnapshotResponse> replaced;
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

  // ---------------------------------------------------------------- answers from the core

  /** Routes a response of the local core to the call it answers; false if there is none. */
  boolean respond(Message m) {
    String peer = m.to();
    if (m instanceof Message.VoteResponse) {
      Message.VoteResponse v = (Message.VoteResponse) m;
      PendingCall<RequestVoteRequest, RequestVoteResponse> p = null;
      synchronized (lock) {
        ArrayDeque<PendingCall<RequestVoteRequest, RequestVoteResponse>> q = votes.get(peer);
        if (q != null) {
          for (PendingCall<RequestVoteRequest, RequestVoteResponse> c : q) {
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
      PendingCall<ReadIndexRequest, ReadIndexResponse> p;
      synchronized (lock) {
        p = reads.remove(peer + '\0' + r.requestId());
      }
      return p != null && p.complete(PeerMessages.toWire(t.clusterId, r));
    }
    if (m instanceof Message.AppendResponse) {
      Message.AppendResponse a = (Message.AppendResponse) m;
      PendingCall<InstallSnapshotRequest, InstallSnapshotResponse> p = null;
      synchronized (lock) {
        PendingCall<InstallSnapshotRequest, InstallSnapshotResponse> c = snapshots.get(peer);
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
    if (a == null) {
      return false;
    }
    String own = t.ownClientAddress();
    return a.send(own.isEmpty() ? r : r.toBuilder().setSenderClientAddress(own).build());
  }

  private void expireLater(PendingCall<?, ?> p, long nanos, Runnable unregister) {
    t.schedule(() -> {
      unregister.run();
      p.noAnswer();
    }, nanos);
  }

  /** Completes every call still open (on close). */
  void shutdown() {
    List<PendingCall<?, ?>> all = new ArrayList<>();
    synchronized (lock) {
      for (ArrayDeque<PendingCall<RequestVoteRequest, RequestVoteResponse>> q : votes.values()) {
        all.addAll(q);
      }
      all.addAll(reads.values());
      all.addAll(snapshots.values());
      votes.clear();
      reads.clear();
      snapshots.clear();
    }
    for (PendingCall<?, ?> p : all) {
      p.noAnswer();
    }
    for (Iterator<AppendResponder> it = appendResponders.values().iterator(); it.hasNext(); ) {
      it.next().fail(PeerErrors.shuttingDown(t.selfId));
      it.remove();
    }
  }
}
