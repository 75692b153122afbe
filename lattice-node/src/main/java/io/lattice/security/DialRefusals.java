package io.lattice.security;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Gives a peer call that failed in the handshake because the server was not the member dialed
 * ({@link PeerIdentityMismatch} in the status's cause chain) its own outcome: PERMISSION_DENIED
 * with the {@code PERMISSION_DENIED} reason and a message that names the expected and the
 * presented member. The mismatch stays the status's cause. Other outcomes pass unchanged.
 */
final class DialRefusals implements ClientInterceptor {
  private final String selfId;

  DialRefusals(String selfId) {
    this.selfId = selfId;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method,
      CallOptions callOptions, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method,
        callOptions)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
            listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            PeerIdentityMismatch m = status.isOk() ? null : PeerIdentityMismatch.in(
                status.getCause());
            if (m == null) {
              super.onClose(status, trailers);
              return;
            }
            StatusRuntimeException e = AuthErrors.permissionDenied(selfId, m.getMessage());
            super.onClose(e.getStatus().withCause(m),
                e.getTrailers() == null ? new Metadata() : e.getTrailers());
          }
        }, headers);
      }
    };
  }
}
