package io.lattice.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the calls of a gRPC listener by method and status code, and times them by method (from
 * the call's start to its close: for a unary call, the request's latency as the server sees it).
 * Labels are bounded: methods are those the listener serves, codes gRPC's seventeen.
 */
public final class GrpcRequestMetrics implements ServerInterceptor {
  private static final double[] BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25, 0.5, 1, 2.5, 5, 10, 30};

  private final Counter requests;
  private final Histogram latency;

  /** Registers the metrics in {@code registry}. */
  public GrpcRequestMetrics(PrometheusRegistry registry) {
    requests = Counter.builder().name("lattice_grpc_requests")
        .help("Client gRPC calls answered, by method and status code.")
        .labelNames("method", "code").register(registry);
    latency = Histogram.builder().name("lattice_grpc_request_duration").unit(Unit.SECONDS)
        .help("Time from a client gRPC call's start to its answer, by method.")
        .labelNames("method").classicOnly().classicUpperBounds(BUCKETS).register(registry);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    long start = System.nanoTime();
    AtomicBoolean counted = new AtomicBoolean();
    ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        record(counted, method, status.getCode(), start);
        super.close(status, trailers);
      }
    };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(timed, headers)) {
      @Override
      public void onCancel() {
        // The client went away (or its deadline passed) before an answer: never closed here.
        record(counted, method, Status.Code.CANCELLED, start);
        super.onCancel();
      }
    };
  }

  private void record(AtomicBoolean counted, String method, Status.Code code, long start) {
    if (counted.compareAndSet(false, true)) {
      requests.labelValues(method, code.name()).inc();
      latency.labelValues(method).observe((System.nanoTime() - start) / 1e9);
    }
  }
}
