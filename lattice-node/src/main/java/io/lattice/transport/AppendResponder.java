package io.lattice.transport;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.lattice.proto.v1.AppendEntriesResponse;

/** The response side of one inbound AppendEntries stream; calls on it are serialised. */
final class AppendResponder {
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
