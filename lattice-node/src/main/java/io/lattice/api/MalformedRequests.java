package io.lattice.api;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import io.lattice.errors.Reason;
import io.lattice.proto.v1.ErrorInfo;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers a request whose bytes do not parse as its message type with INVALID_ARGUMENT (reason
 * INVALID_ARGUMENT), like any other bad input. Left alone, gRPC parses the request before any
 * service code runs and fails such a call with UNKNOWN "Application error processing RPC", which
 * tells the client neither that its request was at fault nor that nothing happened.
 *
 * <p>How: every method's request marshaller is wrapped so that a parse failure yields a {@link
 * Malformed} marker instead of throwing, and the call handler closes the call when it sees one.
 */
public final class MalformedRequests {
  private MalformedRequests() {}

  /** A request that did not parse, and why. */
  private record Malformed(String reason) {}

  /** {@code service} with malformed requests answered as INVALID_ARGUMENT. */
  public static ServerServiceDefinition rejectAsInvalidArgument(ServerServiceDefinition service) {
    return rejectAsInvalidArgument(service, why -> {});
  }

  /**
   * As {@link #rejectAsInvalidArgument(ServerServiceDefinition)}, also telling {@code onMalformed}
   * (which must be cheap and must not throw) what was wrong with each rejected request.
   */
  public static ServerServiceDefinition rejectAsInvalidArgument(ServerServiceDefinition service,
      java.util.function.Consumer<String> onMalformed) {
    ServiceDescriptor sd = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(sd.getName())
        .setSchemaDescriptor(sd.getSchemaDescriptor()); // keeps server reflection working
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      ServerMethodDefinition<?, ?> wrapped = wrap(m, onMalformed);
      methods.add(wrapped);
      descriptor.addMethod(wrapped.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> m : methods) {
      b.addMethod(m);
    }
    return b.build();
  }

  private static <ReqT, RespT> ServerMethodDefinition<Object, RespT> wrap(
      ServerMethodDefinition<ReqT, RespT> definition,
      java.util.function.Consumer<String> onMalformed) {
    MethodDescriptor<ReqT, RespT> typed = definition.getMethodDescriptor();
    MethodDescriptor.Marshaller<ReqT> parser = typed.getRequestMarshaller();
    MethodDescriptor<Object, RespT> lenient = typed.toBuilder(
        new MethodDescriptor.Marshaller<Object>() {
          @Override
          @SuppressWarnings("unchecked")
          public InputStream stream(Object value) {
            return parser.stream((ReqT) value);
          }

          @Override
          public Object parse(InputStream stream) {
            try {
              return parser.parse(stream);
            } catch (RuntimeException e) {
              String why = e instanceof StatusRuntimeException s && s.getCause() != null
                  ? s.getCause().getMessage() : e.getMessage();
              return new Malformed(why);
            }
          }
        }, typed.getResponseMarshaller()).build();
    ServerCallHandler<ReqT, RespT> handler = definition.getServerCallHandler();
    ServerCallHandler<Object, RespT> checking = (call, headers) -> {
      ServerCall<ReqT, RespT> asTyped = new TypedCall<>(call, typed);
      ServerCall.Listener<ReqT> delegate = handler.startCall(asTyped, headers);
      return new CheckingListener<>(call, delegate, typed.getFullMethodName(), onMalformed);
    };
    return ServerMethodDefinition.create(lenient, checking);
  }

  /** The call as the service's own handler expects it: typed requests. */
  private static final class TypedCall<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    private final MethodDescriptor<ReqT, RespT> method;

    @SuppressWarnings("unchecked")
    TypedCall(ServerCall<Object, RespT> call, MethodDescriptor<ReqT, RespT> method) {
      super((ServerCall<ReqT, RespT>) (ServerCall<?, RespT>) call);
      this.method = method;
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
      return method;
    }
  }

  /** Passes parsed requests on; closes the call at the first malformed one. */
  private static final class CheckingListener<ReqT, RespT> extends ServerCall.Listener<Object> {
    private final ServerCall<Object, RespT> call;
    private final ServerCall.Listener<ReqT> delegate;
    private final String method;
    private final java.util.function.Consumer<String> onMalformed;
    private boolean rejected;

    CheckingListener(ServerCall<Object, RespT> call, ServerCall.Listener<ReqT> delegate,
        String method, java.util.function.Consumer<String> onMalformed) {
      this.onMalformed = onMalformed;
      this.call = call;
      this.delegate = delegate;
      this.method = method;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onMessage(Object message) {
      if (rejected) {
        return;
      }
      if (message instanceof Malformed m) {
        rejected = true;
        String why = "malformed " + method + " request: " + m.reason();
        onMalformed.accept(why);
        StatusRuntimeException e = ApiErrors.error(Reason.INVALID_ARGUMENT, why, null);
        Metadata trailers = e.getTrailers() == null ? new Metadata() : e.getTrailers();
        call.close(e.getStatus(), trailers);
        return;
      }
      delegate.onMessage((ReqT) message);
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      delegate.onCancel();
    }

    @Override
    public void onComplete() {
      delegate.onComplete();
    }

    @Override
    public void onReady() {
      if (!rejected) {
        delegate.onReady();
      }
    }
  }
}
