package io.lattice.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.lattice.node.PeerInbox;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.LogEntry;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.RequestVoteRequest;
import io.lattice.raft.Entry;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcPeerTransportTest {
  private static final String CLUSTER = "c1";
  private static final GrpcPeerTransport.Options OPTIONS = GrpcPeerTransport.Options.defaults()
      .withBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
      .withAnswerTimeout(Duration.ofMillis(500));

  private final Map<String, String> addresses = new ConcurrentHashMap<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** Records everything a transport hands to its node. */
  static final class RecordingInbox implements PeerInbox {
    final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

    record Snapshot(Message.InstallSnapshot message, byte[] data) {}

    record Unreachable(String peer) {}

    record SnapshotSent(String peer, boolean success) {}

    record Damaged(SnapshotStore.Source source) {}

    @Override
    public void deliver(Message message) {
      events.add(message);
    }

    @Override
    public void deliverSnapshot(Message.InstallSnapshot message, byte[] data) {
      events.add(new Snapshot(message, data));
    }

    @Override
    public void unreachable(String peer) {
      events.add(new Unreachable(peer));
    }

    @Override
    public void snapshotSent(String peer, boolean success) {
      events.add(new SnapshotSent(peer, success));
    }

    @Override
    public void snapshotDamaged(SnapshotStore.Source source) {
      events.add(new Damaged(source));
    }

    Object next() throws InterruptedException {
      Object o = events.poll(10, TimeUnit.SECONDS);
      assertThat(o).as("an event within 10 s").isNotNull();
      return o;
    }

    /** The next event of the given type, skipping others (e.g. unreachable reports). */
    <T> T next(Class<T> type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        Object o = events.poll(100, TimeUnit.MILLISECONDS);
        if (type.isInstance(o)) {
          return type.cast(o);
        }
      }
      throw new AssertionError("no " + type.getSimpleName() + " within 10 s");
    }

    void assertQuiet(long millis) throws InterruptedException {
      assertThat(events.poll(millis, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  final class Node {
    final String id;
    final RecordingInbox inbox = new RecordingInbox();
    final GrpcPeerTransport transport;
    final Server server;

    Node(String id, String cluster, int port, GrpcPeerTransport.Options options)
        throws IOException {
      this.id = id;
      transport = new GrpcPeerTransport(cluster, id, addresses::get, inbox, options);
      server = GrpcPeerTransport.configureServer(
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)), options)
          .addService(transport.service()).build().start();
      addresses.put(id, "127.0.0.1:" + server.getPort());
      toClose.add(this::close);
    }

    void close() throws InterruptedException {
      transport.close();
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  Node node(String id) throws IOException {
    return new Node(id, CLUSTER, 0, OPTIONS);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  ManagedChannel rawChannel(Node n) {
    ManagedChannel c = NettyChannelBuilder.forTarget(addresses.get(n.id)).usePlaintext().build();
    toClose.add(() -> {
      c.shutdownNow();
      c.awaitTermination(5, TimeUnit.SECONDS);
    });
    return c;
  }

  // ---------------------------------------------------------------- tests

  @Test
  void everyMessageKindArrivesAndResponsesRouteBack() throws Exception {
    Node a = node("a");
    Node b = node("b");

    Message.VoteRequest vote = new Message.VoteRequest("a", "b", 5, 10, 4, true, false);
    a.transport.send(vote);
    assertThat(b.inbox.next()).isEqualTo(vote);
    Message.VoteResponse voteAnswer = new Message.VoteResponse("b", "a", 5, true, true);
    b.transport.send(voteAnswer); // the core answers later, asynchronously
    assertThat(a.inbox.next()).isEqualTo(voteAnswer);

    Message.AppendRequest append = new Message.AppendRequest("a", "b", 5, 10, 4,
        List.of(Entry.noop(5, 11), Entry.command(5, 12, "put x".getBytes(StandardCharsets.UTF_8)),
            Entry.config(5, 13, Membership.ofVoterIds("a", "b", "c"))), 9);
    a.transport.send(append);
    assertThat(b.inbox.next()).isEqualTo(append);
    Message.AppendResponse appendAnswer =
        new Message.AppendResponse("b", "a", 5, true, 13, 0, 0, 0);
    b.transport.send(appendAnswer);
    assertThat(a.inbox.next()).isEqualTo(appendAnswer);
    Message.AppendResponse reject = new Message.AppendResponse("b", "a", 5, false, 0, 10, 7, 3);
    b.transport.send(reject);
    assertThat(a.inbox.next()).isEqualTo(reject);

    Message.Heartbeat hb = new Message.Heartbeat("a", "b", 5, 9, 77);
    a.transport.send(hb);
    assertThat(b.inbox.next()).isEqualTo(hb);
    Message.HeartbeatResponse hbAnswer = new Message.HeartbeatResponse("b", "a", 5, 77);
    b.transport.send(hbAnswer);
    assertThat(a.inbox.next()).isEqualTo(hbAnswer);

    Message.TimeoutNow tn = new Message.TimeoutNow("a", "b", 5);
    a.transport.send(tn);
    assertThat(b.inbox.next()).isEqualTo(tn);

    Message.ReadIndexRequest read = new Message.ReadIndexRequest("b", "a", 5, 42);
    b.transport.send(read);
    assertThat(a.inbox.next()).isEqualTo(read);
    Message.ReadIndexResponse readAnswer = new Message.ReadIndexResponse("a", "b", 5, 42, 13, true);
    a.transport.send(readAnswer);
    assertThat(b.inbox.next()).isEqualTo(readAnswer);

    a.inbox.assertQuiet(200);
    b.inbox.assertQuiet(0);
  }

  /**
   * An answer to a peer's call goes out on the caller's thread (the node's loop): it does not wait
   * behind whatever the transport thread is doing, and costs no hop to it.
   */
  @Test
  void answersGoOutWhileTheTransportThreadIsBusy() throws Exception {
    Node a = node("a");
    Node b = node("b");
    Message.AppendRequest append =
        new Message.AppendRequest("a", "b", 5, 10, 4, List.of(Entry.noop(5, 11)), 9);
    a.transport.send(append);
    assertThat(b.inbox.next()).isEqualTo(append);

    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch busy = new CountDownLatch(1);
    assertThat(b.transport.submit(() -> {
      busy.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    })).isTrue();
    assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      Message.AppendResponse answer = new Message.AppendResponse("b", "a", 5, true, 11, 0, 0, 0);
      b.transport.send(answer);
      assertThat(a.inbox.next()).isEqualTo(answer);
    } finally {
      release.countDown();
    }
  }

  @Test
  void pipelinedAppendsKeepTheirOrderAmongThreeNodes() throws Exception {
    Node a = node("a");
    Node b = node("b");
    Node c = node("c");
    int n = 500;
    for (int i = 1; i <= n; i++) {
      a.transport.send(new Message.Heartbeat("a", "b", 1, 0, i));
      a.transport.send(new Message.Heartbeat("a", "c", 1, 0, i));
    }
    for (Node r : List.of(b, c)) {
      for (int i = 1; i <= n; i++) {
        Message.Heartbeat h = (Message.Heartbeat) r.inbox.next();
        assertThat(h.readSeq()).isEqualTo(i);
        r.transport.send(new Message.HeartbeatResponse(r.id, "a", 1, i));
      }
    }
    int fromB = 0;
    int fromC = 0;
    for (int i = 0; i < 2 * n; i++) {
      Message.HeartbeatResponse r = (Message.HeartbeatResponse) a.inbox.next();
      if (r.from().equals("b")) {
        assertThat(r.readSeq()).isEqualTo(++fromB);
      } else {
        assertThat(r.readSeq()).isEqualTo(++fromC);
      }
    }
    assertThat(a.transport.droppedMessages()).isZero();
  }

  @Test
  void unansweredVoteGetsNoResponseAndIsNotUnreachable() throws Exception {
    Node a = node("a");
    Node b = node("b");
    a.transport.send(new Message.VoteRequest("a", "b", 3, 0, 0, false, false));
    assertThat(b.inbox.next()).isInstanceOf(Message.VoteRequest.class);
    a.inbox.assertQuiet(1000); // answer timeout 500 ms: "no answer" is not delivered
    // a late answer has no call left to go to
    b.transport.send(new Message.VoteResponse("b", "a", 3, false, true));
    a.inbox.assertQuiet(300);
  }

  @Test
  void snapshotOfFiveMibArrivesIntactInChunks() throws Exception {
    Node a = node("a");
    Node b = node("b");
    byte[] data = new byte[5 * 1024 * 1024 + 123];
    new Random(7).nextBytes(data);
    SnapshotMeta meta = new SnapshotMeta(100, 4, Membership.ofVoterIds("a", "b"));
    Message.InstallSnapshot msg = new Message.InstallSnapshot("a", "b", 6, meta);
    a.transport.sendSnapshot(msg, new SnapshotStore.Snapshot(meta, data));

    RecordingInbox.Snapshot got = b.inbox.next(RecordingInbox.Snapshot.class);
    assertThat(got.message()).isEqualTo(msg);
    assertThat(got.data()).isEqualTo(data);
    // b's core answers with an AppendResponse, which goes back on the snapshot call
    b.transport.send(new Message.AppendResponse("b", "a", 6, true, 100, 0, 0, 0));
    assertThat(a.inbox.next())
        .isEqualTo(new Message.AppendResponse("b", "a", 6, true, 100, 0, 0, 0));
    assertThat(a.inbox.next()).isEqualTo(new RecordingInbox.SnapshotSent("b", true));
  }

  @Test
  void snapshotLargerThanTheMessageLimitTravelsInChunks() throws Exception {
    // With a 1.5 MiB message limit a 5 MiB snapshot can only arrive in (1 MiB) chunks.
    GrpcPeerTransport.Options small = new GrpcPeerTransport.Options(64, Duration.ofMillis(500),
        Duration.ofSeconds(1), 1 << 20, Duration.ofMillis(10), Duration.ofMillis(200),
        Duration.ofSeconds(30), Duration.ofSeconds(1), 3 << 19, 64 << 20);
    Node a = new Node("a", CLUSTER, 0, small);
    Node b = new Node("b", CLUSTER, 0, small);
    byte[] data = new byte[5 << 20];
    new Random(11).nextBytes(data);
    SnapshotMeta meta = new SnapshotMeta(7, 2, Membership.ofVoterIds("a", "b"));
    Message.InstallSnapshot msg = new Message.InstallSnapshot("a", "b", 3, meta);
    a.transport.sendSnapshot(msg, new SnapshotStore.Snapshot(meta, data));
    assertThat(b.inbox.next(RecordingInbox.Snapshot.class).data()).isEqualTo(data);
    // The core never answers: the call ends with "no answer" and the transfer counts as failed.
    assertThat(a.inbox.next(RecordingInbox.SnapshotSent.class))
        .isEqualTo(new RecordingInbox.SnapshotSent("b", false));
  }

  @Test
  void snapshotToADownPeerReportsFailure() throws Exception {
    Node a = node("a");
    addresses.put("b", "127.0.0.1:" + LoopbackPorts.free());
    SnapshotMeta meta = new SnapshotMeta(1, 1, Membership.ofVoterIds("a", "b"));
    a.transport.sendSnapshot(new Message.InstallSnapshot("a", "b", 1, meta),
        new SnapshotStore.Snapshot(meta, new byte[10]));
    assertThat(a.inbox.next(RecordingInbox.SnapshotSent.class))
        .isEqualTo(new RecordingInbox.SnapshotSent("b", false));
  }

  @Test
  void wrongClusterOrMemberIsRejected() throws Exception {
    Node b = node("b");
    Node x = new Node("x", "other-cluster", 0, OPTIONS);
    x.transport.send(new Message.VoteRequest("x", "b", 1, 0, 0, false, false));
    x.transport.send(new Message.Heartbeat("x", "b", 1, 0, 0));
    b.inbox.assertQuiet(500);

    RaftGrpc.RaftBlockingStub raw = RaftGrpc.newBlockingStub(rawChannel(b))
        .withDeadlineAfter(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> raw.requestVote(RequestVoteRequest.newBuilder()
        .setClusterId("other").setFromId("x").setToId("b").setTerm(1).build()))
        .satisfies(e -> assertReason(e, Status.Code.FAILED_PRECONDITION,
            ErrorInfo.Reason.CLUSTER_ID_MISMATCH));
    assertThatThrownBy(() -> raw.requestVote(RequestVoteRequest.newBuilder()
        .setClusterId(CLUSTER).setFromId("x").setToId("not-b").setTerm(1).build()))
        .satisfies(e -> assertReason(e, Status.Code.FAILED_PRECONDITION,
            ErrorInfo.Reason.MEMBER_ID_MISMATCH));
    b.inbox.assertQuiet(100);
  }

  @Test
  void malformedAppendIsRejectedWithoutReachingTheCore() throws Exception {
    Node b = node("b");
    RaftGrpc.RaftStub raw = RaftGrpc.newStub(rawChannel(b));
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    StreamObserver<AppendEntriesRequest> out =
        raw.appendEntries(new StreamObserver<AppendEntriesResponse>() {
          @Override
          public void onNext(AppendEntriesResponse value) {}

          @Override
          public void onError(Throwable t) {
            failure.complete(t);
          }

          @Override
          public void onCompleted() {
            failure.complete(null);
          }
        });
    out.onNext(AppendEntriesRequest.newBuilder().setClusterId(CLUSTER).setFromId("x")
        .setToId("b").setTerm(1).addEntries(LogEntry.newBuilder().setTerm(1).setIndex(1)
            .setKindValue(9)).build());
    Throwable t = failure.get(10, TimeUnit.SECONDS);
    assertReason(t, Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.INVALID_ARGUMENT);
    b.inbox.assertQuiet(200);
  }

  private static void assertReason(Throwable e, Status.Code code, ErrorInfo.Reason reason) {
    assertThat(e).isInstanceOf(StatusRuntimeException.class);
    assertThat(Status.fromThrowable(e).getCode()).isEqualTo(code);
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertThat(s).isNotNull();
    try {
      Any detail = s.getDetails(0);
      assertThat(detail.unpack(ErrorInfo.class).getReason()).isEqualTo(reason);
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      throw new AssertionError(ex);
    }
  }

  @Test
  void downPeerIsReportedUnreachableAndRecovers() throws Exception {
    Node a = node("a");
    int port = LoopbackPorts.free();
    addresses.put("b", "127.0.0.1:" + port);
    a.transport.send(new Message.Heartbeat("a", "b", 1, 0, 1));
    assertThat(a.inbox.next(RecordingInbox.Unreachable.class))
        .isEqualTo(new RecordingInbox.Unreachable("b"));
    a.transport.send(new Message.VoteRequest("a", "b", 2, 0, 0, false, false));
    assertThat(a.inbox.next(RecordingInbox.Unreachable.class))
        .isEqualTo(new RecordingInbox.Unreachable("b"));

    Node b = new Node("b", CLUSTER, port, OPTIONS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    Object got = null;
    long seq = 100;
    while (got == null && System.nanoTime() < deadline) {
      a.transport.send(new Message.Heartbeat("a", "b", 1, 0, ++seq));
      got = b.inbox.events.poll(100, TimeUnit.MILLISECONDS);
    }
    assertThat(got).isInstanceOf(Message.Heartbeat.class);
    b.transport.send(new Message.HeartbeatResponse("b", "a", 1, ((Message.Heartbeat) got).readSeq()));
    assertThat(a.inbox.next(Message.HeartbeatResponse.class).from()).isEqualTo("b");
  }

  /**
   * Sends a heartbeat to b every 50 ms (as a leader's core would) until b receives one; returns the
   * milliseconds from {@code since} (a System.nanoTime()).
   */
  private static long heartbeatUntilReceived(Node a, Node b, long since) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    long seq = 1000;
    while (System.nanoTime() < deadline) {
      a.transport.send(new Message.Heartbeat("a", "b", 1, 0, ++seq));
      Object got = b.inbox.events.poll(50, TimeUnit.MILLISECONDS);
      if (got instanceof Message.Heartbeat) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
      }
    }
    throw new AssertionError("b received no heartbeat from a within 20 s");
  }

  @Test
  void aPeerBackAfterSecondsDownIsReachedWithinTheBackoffCap() throws Exception {
    // production back-off (50 ms doubling to 500 ms); b is down long enough that gRPC's own
    // reconnect back-off (1 s, x1.6 per failure) would already be at several seconds
    Node a = new Node("a", CLUSTER, 0, GrpcPeerTransport.Options.defaults());
    int port = LoopbackPorts.free();
    addresses.put("b", "127.0.0.1:" + port);
    long downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
    long seq = 0;
    while (System.nanoTime() < downUntil) {
      a.transport.send(new Message.Heartbeat("a", "b", 1, 0, ++seq));
      Thread.sleep(50);
    }
    assertThat(a.inbox.next(RecordingInbox.Unreachable.class).peer()).isEqualTo("b");
    Node b = new Node("b", CLUSTER, port, GrpcPeerTransport.Options.defaults());
    long millis = heartbeatUntilReceived(a, b, System.nanoTime());
    assertThat(millis).as("ms from b listening to b's first heartbeat").isLessThan(1500);
  }

  @Test
  void aMessageFromAPeerCutsTheBackoffTowardItShort() throws Exception {
    // a long back-off (1 s doubling to 20 s): without the reset a would wait seconds
    GrpcPeerTransport.Options slow = OPTIONS.withBackoff(Duration.ofSeconds(1),
        Duration.ofSeconds(20));
    Node a = new Node("a", CLUSTER, 0, slow);
    int port = LoopbackPorts.free();
    addresses.put("b", "127.0.0.1:" + port);
    long downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long seq = 0;
    while (System.nanoTime() < downUntil) {
      a.transport.send(new Message.Heartbeat("a", "b", 1, 0, ++seq));
      Thread.sleep(50);
    }
    Node b = new Node("b", CLUSTER, port, slow);
    long since = System.nanoTime();
    b.transport.send(new Message.VoteRequest("b", "a", 2, 0, 0, true, false)); // b is back
    assertThat(a.inbox.next(Message.VoteRequest.class).from()).isEqualTo("b");
    long millis = heartbeatUntilReceived(a, b, since);
    assertThat(millis).as("ms from b's message to b's first heartbeat").isLessThan(1000);
  }

  @Test
  void sendNeverBlocksWhenThePeerIsDown() throws Exception {
    RecordingInbox inbox = new RecordingInbox();
    addresses.put("b", "127.0.0.1:" + LoopbackPorts.free());
    GrpcPeerTransport a = new GrpcPeerTransport(CLUSTER, "a", addresses::get, inbox,
        OPTIONS.withQueueCapacity(16));
    toClose.add(a);
    long start = System.nanoTime();
    for (int i = 0; i < 100_000; i++) {
      a.send(new Message.Heartbeat("a", "b", 1, 0, i));
      a.send(new Message.VoteRequest("a", "b", 1, 0, 0, true, false));
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(millis).isLessThan(5_000);
    assertThat(inbox.next(RecordingInbox.Unreachable.class).peer()).isEqualTo("b");
    assertThat(a.droppedMessages()).isGreaterThan(0);
  }

  @Test
  void unknownAddressDropsTheMessage() throws Exception {
    Node a = node("a");
    a.transport.send(new Message.Heartbeat("a", "nobody", 1, 0, 0));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (a.transport.droppedMessages() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(a.transport.droppedMessages()).isEqualTo(1);
  }

  @Test
  void concurrentVoteAndPreVoteAnswersGoToTheirOwnCalls() throws Exception {
    Node a = node("a");
    Node b = node("b");
    Node c = node("c");
    Message.VoteRequest pre = new Message.VoteRequest("a", "c", 8, 0, 0, true, false);
    Message.VoteRequest real = new Message.VoteRequest("a", "c", 7, 0, 0, false, false);
    Message.VoteRequest fromB = new Message.VoteRequest("b", "c", 7, 0, 0, false, false);
    a.transport.send(pre);
    a.transport.send(real);
    b.transport.send(fromB);
    List<Object> got = List.of(c.inbox.next(), c.inbox.next(), c.inbox.next());
    assertThat(got).containsExactlyInAnyOrder(pre, real, fromB);
    // c's core answers in an order unrelated to the requests
    c.transport.send(new Message.VoteResponse("c", "b", 7, false, false));
    c.transport.send(new Message.VoteResponse("c", "a", 7, false, true));
    c.transport.send(new Message.VoteResponse("c", "a", 8, true, true));
    assertThat(List.of(a.inbox.next(), a.inbox.next())).containsExactlyInAnyOrder(
        new Message.VoteResponse("c", "a", 7, false, true),
        new Message.VoteResponse("c", "a", 8, true, true));
    assertThat(b.inbox.next()).isEqualTo(new Message.VoteResponse("c", "b", 7, false, false));
    a.inbox.assertQuiet(200);
  }

  @Test
  void followsAnAddressChange() throws Exception {
    Node a = node("a");
    Node b1 = node("b");
    a.transport.send(new Message.Heartbeat("a", "b", 1, 0, 1));
    assertThat(b1.inbox.next()).isEqualTo(new Message.Heartbeat("a", "b", 1, 0, 1));
    Node b2 = node("b"); // "b" now lives at another address
    a.transport.send(new Message.Heartbeat("a", "b", 1, 0, 2));
    assertThat(b2.inbox.next()).isEqualTo(new Message.Heartbeat("a", "b", 1, 0, 2));
    b2.transport.send(new Message.HeartbeatResponse("b", "a", 1, 2));
    assertThat(a.inbox.next(Message.HeartbeatResponse.class))
        .isEqualTo(new Message.HeartbeatResponse("b", "a", 1, 2));
    b1.inbox.assertQuiet(100);
  }

  @Test
  void snapshotAnsweredWithAHigherTermFails() throws Exception {
    Node a = node("a");
    Node b = node("b");
    SnapshotMeta meta = new SnapshotMeta(50, 2, Membership.ofVoterIds("a", "b"));
    a.transport.sendSnapshot(new Message.InstallSnapshot("a", "b", 3, meta),
        new SnapshotStore.Snapshot(meta, new byte[1000]));
    b.inbox.next(RecordingInbox.Snapshot.class);
    b.transport.send(new Message.AppendResponse("b", "a", 4, false, 0, 0, 0, 0));
    assertThat(a.inbox.next(RecordingInbox.SnapshotSent.class))
        .isEqualTo(new RecordingInbox.SnapshotSent("b", false));
  }
}
