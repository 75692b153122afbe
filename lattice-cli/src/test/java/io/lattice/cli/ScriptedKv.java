package io.lattice.cli;

import com.google.protobuf.Any;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.CloseSessionRequest;
import io.lattice.proto.v1.CloseSessionResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.OpenSessionRequest;
import io.lattice.proto.v1.OpenSessionResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.ResponseHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A KV server on 127.0.0.1 that answers Put, Get, OpenSession and CloseSession by a script (then
 * OK) and records the requests: the client's retry rules are tested against it.
 */
final class ScriptedKv extends KVGrpc.KVImplBase {
  /** What the server does with one request. */
  enum Step {
    OK, INDETERMINATE, NOT_LEADER, SESSION_EXPIRED, UNAVAILABLE, SHUTTING_DOWN, OVERLOADED, NO_SPACE,
    HANG
  }

  /** Steps for Put and Get. */
  final Deque<Step> script = new ArrayDeque<>();
  /** Steps for OpenSession. */
  final Deque<Step> openScript = new ArrayDeque<>();
  final List<PutRequest> puts = Collections.synchronizedList(new ArrayList<>());
  /** When each Put arrived (System.nanoTime()), in order. */
  final List<Long> putTimes = Collections.synchronizedList(new ArrayList<>());
  final List<GetRequest> gets = Collections.synchronizedList(new ArrayList<>());
  /** Every OpenSession received; the ids handed out are 100, 101, ... */
  final List<OpenSessionRequest> opens = Collections.synchronizedList(new ArrayList<>());
  /** The ids of every CloseSession received. */
  final List<Long> closes = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong nextId = new AtomicLong(100);
  volatile String leaderAddress = "";

  /** Serves {@code kv} on an ephemeral loopback port; returns the server (to stop) and address. */
  static Server serve(ScriptedKv kv) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(kv).build().start();
  }

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    puts.add(req);
    putTimes.add(System.nanoTime());
    if (answer(script, out)) {
      out.onNext(PutResponse.newBuilder().setHeader(header()).setVersion(1).setModIndex(7)
          .build());
      out.onCompleted();
    }
  }

  @Override
  public void get(GetRequest req, StreamObserver<GetResponse> out) {
    gets.add(req);
    if (answer(script, out)) {
      out.onNext(GetResponse.newBuilder().setHeader(header()).build());
      out.onCompleted();
    }
  }

  @Override
  public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> out) {
    opens.add(req);
    long id = nextId.getAndIncrement(); // registered even when the answer is an error
    if (answer(openScript, out)) {
      out.onNext(OpenSessionResponse.newBuilder().setHeader(header()).setSessionId(id).build());
      out.onCompleted();
    }
  }

  @Override
  public void closeSession(CloseSessionRequest req, StreamObserver<CloseSessionResponse> out) {
    closes.add(req.getSessionId());
    out.onNext(CloseSessionResponse.newBuilder().setHeader(header()).setClosed(true).build());
    out.onCompleted();
  }

  /** Plays the next step; true if the call should succeed. */
  private boolean answer(Deque<Step> steps, StreamObserver<?> out) {
    Step step;
    synchronized (steps) {
      step = steps.isEmpty() ? Step.OK : steps.poll();
    }
    switch (step) {
      case OK:
        return true;
      case HANG:
        return false;
      case INDETERMINATE:
        out.onError(error(io.grpc.Status.Code.UNKNOWN, ErrorInfo.Reason.INDETERMINATE));
        return false;
      case NOT_LEADER:
        out.onError(error(io.grpc.Status.Code.FAILED_PRECONDITION, ErrorInfo.Reason.NOT_LEADER));
        return false;
      case SESSION_EXPIRED:
        out.onError(error(io.grpc.Status.Code.FAILED_PRECONDITION,
            ErrorInfo.Reason.SESSION_EXPIRED));
        return false;
      case SHUTTING_DOWN:
        out.onError(error(io.grpc.Status.Code.UNAVAILABLE, ErrorInfo.Reason.SHUTTING_DOWN));
        return false;
      case OVERLOADED:
        out.onError(error(io.grpc.Status.Code.RESOURCE_EXHAUSTED, ErrorInfo.Reason.OVERLOADED));
        return false;
      case NO_SPACE:
        out.onError(error(io.grpc.Status.Code.RESOURCE_EXHAUSTED, ErrorInfo.Reason.NO_SPACE));
        return false;
      default:
        out.onError(error(io.grpc.Status.Code.UNAVAILABLE, ErrorInfo.Reason.UNAVAILABLE));
        return false;
    }
  }

  StatusRuntimeException error(io.grpc.Status.Code code, ErrorInfo.Reason reason) {
    ErrorInfo info = ErrorInfo.newBuilder().setReason(reason).setMessage(reason.name())
        .setMemberId("fake").setLeaderAddress(leaderAddress).build();
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(code.value()).setMessage(reason.name()).addDetails(Any.pack(info)).build());
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder().setMemberId("fake").setTerm(1).build();
  }
}
