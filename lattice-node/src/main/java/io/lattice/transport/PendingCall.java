package io.lattice.transport;

import io.grpc.stub.StreamObserver;

/** A call waiting for the core's answer; completed exactly once. */
final class PendingCall<Q, R> {
  final Q request;
  private final StreamObserver<R> observer;
  private final R noAnswer;
  private boolean done;

  PendingCall(Q request, StreamObserver<R> observer, R noAnswer) {
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
