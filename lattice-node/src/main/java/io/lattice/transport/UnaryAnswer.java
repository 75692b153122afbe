package io.lattice.transport;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lattice.security.PeerIdentityMismatch;

/**
 * The observer of one unary peer call: hands the answer on, and reports the peer unreachable when
 * the call fails for want of a connection or an answer in time, or because the server at its
 * address is not the peer (logged, rate-limited, where that is found: not again here).
 */
abstract class UnaryAnswer<T> implements StreamObserver<T> {
  private final GrpcPeerTransport t;
  private final String peer;

  UnaryAnswer(GrpcPeerTransport t, String peer) {
    this.t = t;
    this.peer = peer;
  }

  abstract void answer(T response);

  @Override
  public void onNext(T value) {
    answer(value);
  }

  @Override
  public void onError(Throwable e) {
    String removed = PeerErrors.removedMessage(e);
    if (removed != null) {
      t.inbox.removedFromCluster(peer, removed);
      return;
    }
    Status s = Status.fromThrowable(e);
    if (s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.DEADLINE_EXCEEDED
        || PeerIdentityMismatch.in(s.getCause()) != null) {
      if (!t.isClosed()) {
        t.inbox.unreachable(peer);
      }
    } else if (s.getCode() != Status.Code.CANCELLED) {
      t.warn("call to " + peer + " failed: " + s);
    }
  }

  @Override
  public void onCompleted() {}
}
