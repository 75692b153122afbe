package io.lattice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.InstallSnapshotResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.security.ServerTls;
import io.lattice.testing.LoopbackPorts;
import io.lattice.transport.GrpcPeerTransport;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which thread runs a call's callbacks on each listener: the calls that only hand to the node (key
 * value calls, Raft messages) run on the Netty thread that read them, with no hop to a pool; the
 * ones that may block (cluster administration, a received snapshot's chunks) run on the
 * listener's call pool, so that a slow one never stalls a Netty thread and the connections it
 * serves. Checked with stand-in services that record the thread's name.
 */
@Timeout(60)
class ListenerCallThreadsTest {
  private final ConcurrentHashMap<String, String> threads = new ConcurrentHashMap<>();
  private GrpcListener listener;
  private ManagedChannel channel;

  @AfterEach
  void close() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (listener != null) {
      listener.close(1000);
    }
  }

  private void start(GrpcListener.Kind kind, List<ServerServiceDefinition> services)
      throws Exception {
    int port = LoopbackPorts.free();
    listener = GrpcListener.start(kind, "n1", new InetSocketAddress("127.0.0.1", port), services,
        ListenerLimits.defaults(), GrpcPeerTransport.Options.defaults(), ServerTls.plaintext());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  @Test
  void clientListenerRunsKeyValueCallsInlineAndClusterCallsOnItsPool() throws Exception {
    start(GrpcListener.Kind.CLIENT, List.of(new KVGrpc.KVImplBase() {
      @Override
      public void put(PutRequest req, StreamObserver<PutResponse> out) {
        threads.put("put", Thread.currentThread().getName());
        out.onNext(PutResponse.getDefaultInstance());
        out.onCompleted();
      }
    }.bindService(), new ClusterGrpc.ClusterImplBase() {
      @Override
      public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
        threads.put("status", Thread.currentThread().getName());
        out.onNext(StatusResponse.getDefaultInstance());
        out.onCompleted();
      }
    }.bindService()));

    KVGrpc.newBlockingStub(channel).put(PutRequest.getDefaultInstance());
    ClusterGrpc.newBlockingStub(channel).status(StatusRequest.getDefaultInstance());

    assertTrue(threads.get("put").startsWith("lattice-client-io-n1-"), threads.toString());
    assertTrue(threads.get("status").startsWith("lattice-client-call-n1-"), threads.toString());
  }

  @Test
  void peerListenerRunsRaftMessagesInlineAndSnapshotChunksOnItsPool() throws Exception {
    CountDownLatch chunk = new CountDownLatch(1);
    start(GrpcListener.Kind.PEER, List.of(new RaftGrpc.RaftImplBase() {
      @Override
      public StreamObserver<AppendEntriesRequest> appendEntries(
          StreamObserver<AppendEntriesResponse> out) {
        return new Answering<>(out, AppendEntriesResponse.getDefaultInstance(), "append", null);
      }

      @Override
      public StreamObserver<InstallSnapshotRequest> installSnapshot(
          StreamObserver<InstallSnapshotResponse> out) {
        return new Answering<>(out, InstallSnapshotResponse.getDefaultInstance(), "chunk", chunk);
      }
    }.bindService()));

    CompletableFuture<Void> appended = new CompletableFuture<>();
    StreamObserver<AppendEntriesRequest> append =
        RaftGrpc.newStub(channel).appendEntries(new Completing<>(appended));
    append.onNext(AppendEntriesRequest.getDefaultInstance());
    append.onCompleted();
    appended.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> installed = new CompletableFuture<>();
    StreamObserver<InstallSnapshotRequest> install =
        RaftGrpc.newStub(channel).installSnapshot(new Completing<>(installed));
    install.onNext(InstallSnapshotRequest.getDefaultInstance());
    assertTrue(chunk.await(10, TimeUnit.SECONDS));
    install.onCompleted();
    installed.get(10, TimeUnit.SECONDS);

    assertTrue(threads.get("append").startsWith("lattice-peer-io-n1-"), threads.toString());
    assertTrue(threads.get("chunk").startsWith("lattice-peer-call-n1-"), threads.toString());
    assertEquals(2, threads.size());
  }

  /** Records the thread of the first message, and answers once the caller half-closes. */
  private final class Answering<Q, A> implements StreamObserver<Q> {
    private final StreamObserver<A> out;
    private final A answer;
    private final String name;
    private final CountDownLatch seen;

    Answering(StreamObserver<A> out, A answer, String name, CountDownLatch seen) {
      this.out = out;
      this.answer = answer;
      this.name = name;
      this.seen = seen;
    }

    @Override
    public void onNext(Q message) {
      threads.putIfAbsent(name, Thread.currentThread().getName());
      if (seen != null) {
        seen.countDown();
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      out.onNext(answer);
      out.onCompleted();
    }
  }

  /** Completes {@code done} when the call ends well, exceptionally when it fails. */
  private static final class Completing<A> implements StreamObserver<A> {
    private final CompletableFuture<Void> done;

    Completing(CompletableFuture<Void> done) {
      this.done = done;
    }

    @Override
    public void onNext(A value) {}

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }
  }
}
