package io.lattice.it;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.KVGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A tiny client: sends a request to one of the endpoints; on NOT_LEADER it follows the
 * leader_address in the ErrorInfo detail; on UNAVAILABLE / no known leader it tries the next
 * endpoint after a short pause, until the overall deadline.
 */
final class KvClient implements AutoCloseable {
  private final List<String> endpoints;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ProcessTls tls;
  private int next;

  KvClient(List<String> endpoints, ProcessTls tls) {
    this.endpoints = List.copyOf(endpoints);
    this.tls = tls;
  }

  KVGrpc.KVBlockingStub stub(String address) {
    ManagedChannel ch = channels.computeIfAbsent(address,
        tls::channel);
    return KVGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS);
  }

  /** Runs call starting at the given endpoint, following NOT_LEADER and retrying until bound. */
  <T> T call(String firstAddress, Duration bound, Function<KVGrpc.KVBlockingStub, T> call) {
    long deadline = System.nanoTime() + bound.toNanos();
    String address = firstAddress;
    StatusRuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return call.apply(stub(address));
      } catch (StatusRuntimeException e) {
        last = e;
        ErrorInfo info = errorInfo(e);
        if (e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION && info != null
            && info.getReason() == ErrorInfo.Reason.NOT_LEADER
            && !info.getLeaderAddress().isEmpty() && !info.getLeaderAddress().equals(address)) {
          address = info.getLeaderAddress();
          continue;
        }
        if (!retryable(e, info)) {
          throw e;
        }
        address = nextEndpoint();
        sleep(50);
      }
    }
    throw new AssertionError("request did not succeed within " + bound, last);
  }

  /** Sends to any endpoint (round robin). */
  <T> T call(Duration bound, Function<KVGrpc.KVBlockingStub, T> call) {
    return call(nextEndpoint(), bound, call);
  }

  private static boolean retryable(StatusRuntimeException e, ErrorInfo info) {
    switch (e.getStatus().getCode()) {
      case UNAVAILABLE:
      case DEADLINE_EXCEEDED:
      case ABORTED:
      case RESOURCE_EXHAUSTED:
        return true;
      case FAILED_PRECONDITION:
        // NOT_LEADER without a known leader (election in progress), or a hand-off in progress.
        return info != null && (info.getReason() == ErrorInfo.Reason.NOT_LEADER
            || info.getReason() == ErrorInfo.Reason.TRANSFER_IN_PROGRESS
            || info.getReason() == ErrorInfo.Reason.SHUTTING_DOWN);
      default:
        return info != null && (info.getReason() == ErrorInfo.Reason.UNAVAILABLE
            || info.getReason() == ErrorInfo.Reason.INDETERMINATE
            || info.getReason() == ErrorInfo.Reason.TIMEOUT
            || info.getReason() == ErrorInfo.Reason.SHUTTING_DOWN);
    }
  }

  static ErrorInfo errorInfo(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    if (s == null) {
      return null;
    }
    for (Any a : s.getDetailsList()) {
      if (a.is(ErrorInfo.class)) {
        try {
          return a.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  private synchronized String nextEndpoint() {
    String a = endpoints.get(next % endpoints.size());
    next++;
    return a;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    for (ManagedChannel ch : channels.values()) {
      ch.shutdownNow();
    }
  }
}
