package io.lattice.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lattice.node.PeerInbox;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.InstallSnapshotResponse;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SnapshotReceiver;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots streamed from a file on the sender to a file on the receiver: chunking, checksum
 * failures on either side, a broken stream leaving nothing behind, and one transfer per peer.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SnapshotStreamingTest {
  private static final String CLUSTER = "c1";
  private static final int CHUNK = 256 << 10;
  private static final GrpcPeerTransport.Options OPTIONS = new GrpcPeerTransport.Options(64,
      Duration.ofMillis(500), Duration.ofSeconds(2), CHUNK, Duration.ofMillis(10),
      Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(1), 1 << 20, 64 << 20);

  @TempDir Path tmp;
  private final Map<String, String> addresses = new ConcurrentHashMap<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** What a transport hands its node, snapshots as staged files. */
  static final class Inbox implements PeerInbox {
    final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

    record Staged(Message.InstallSnapshot message, SnapshotStore.Staged staged) {}

    record SnapshotSent(String peer, boolean success) {}

    record Damaged(SnapshotStore.Source source) {}

    @Override
    public void deliver(Message message) {
      events.add(message);
    }

    @Override
    public void deliverSnapshot(Message.InstallSnapshot message, byte[] data) {
      throw new AssertionError("snapshot delivered in memory");
    }

    @Override
    public void deliverSnapshot(Message.InstallSnapshot message, SnapshotStore.Staged staged) {
      events.add(new Staged(message, staged));
    }

    @Override
    public void unreachable(String peer) {}

    @Override
    public void snapshotSent(String peer, boolean success) {
      events.add(new SnapshotSent(peer, success));
    }

    @Override
    public void snapshotDamaged(SnapshotStore.Source source) {
      events.add(new Damaged(source));
    }

    <T> T next(Class<T> type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline) {
        Object o = events.poll(50, TimeUnit.MILLISECONDS);
        if (type.isInstance(o)) {
          return type.cast(o);
        }
      }
      throw new AssertionError("no " + type.getSimpleName() + " within 20 s");
    }

    List<Object> drainFor(long millis) throws InterruptedException {
      List<Object> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      while (System.nanoTime() < deadline) {
        Object o = events.poll(20, TimeUnit.MILLISECONDS);
        if (o != null) {
          out.add(o);
        }
      }
      return out;
    }
  }

  /** A member with a file snapshot store and a transport receiving into its data directory. */
  final class Node {
    final String id;
    final Path dataDir;
    final FileSnapshotStore store;
    final Inbox inbox = new Inbox();
    final GrpcPeerTransport transport;
    final Server server;

    Node(String id, SnapshotReceiver wrap) throws IOException {
      this.id = id;
      this.dataDir = tmp.resolve(id);
      this.store = new FileSnapshotStore(dataDir, FileIo.SYSTEM);
      SnapshotReceiver files = FileSnapshotStore.receiver(dataDir, FileIo.SYSTEM);
      transport = new GrpcPeerTransport(CLUSTER, id, addresses::get, inbox, OPTIONS,
          wrap == null ? files : (m, len, crc) -> wrapped(files.begin(m, len, crc), wrap));
      server = GrpcPeerTransport.configureServer(
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), OPTIONS)
          .addService(transport.service()).build().start();
      addresses.put(id, "127.0.0.1:" + server.getPort());
      toClose.add(() -> {
        transport.close();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      });
    }

    /** Files in the snapshot directory, by name. */
    List<String> files() throws IOException {
      try (Stream<Path> s = Files.list(store.directory())) {
        return s.map(p -> p.getFileName().toString()).sorted().toList();
      }
    }
  }

  /** Chunk observer: calls {@code hook.begin} with each chunk's size, as a side channel. */
  private static SnapshotReceiver.Incoming wrapped(SnapshotReceiver.Incoming in,
      SnapshotReceiver hook) {
    return new SnapshotReceiver.Incoming() {
      @Override
      public void write(ByteBuffer chunk) throws IOException {
        hook.begin(null, chunk.remaining(), 0);
        in.write(chunk);
      }

      @Override
      public long received() {
        return in.received();
      }

      @Override
      public SnapshotStore.Staged finish() throws IOException {
        return in.finish();
      }

      @Override
      public void abort() {
        in.abort();
      }
    };
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static final SnapshotMeta META = new SnapshotMeta(100, 4, Membership.ofVoterIds("a", "b"));
  private static final Message.InstallSnapshot MSG = new Message.InstallSnapshot("a", "b", 6, META);

  @Test
  void fileToFileInBoundedChunksThenPublished() throws Exception {
    List<Long> chunks = new ArrayList<>();
    Node a = new Node("a", null);
    Node b = new Node("b", (m, len, crc) -> {
      synchronized (chunks) {
        chunks.add(len);
      }
      return null;
    });
    byte[] data = random(3 * CHUNK + 1234, 1);
    a.store.save(META, data);
    SnapshotStore.Source source = a.store.latestSource().orElseThrow();
    assertThat(source.dataLength()).isEqualTo(data.length);

    a.transport.streamSnapshot(MSG, source);
    Inbox.Staged got = b.inbox.next(Inbox.Staged.class);
    assertThat(got.message()).isEqualTo(MSG);
    synchronized (chunks) {
      assertThat(chunks).hasSize(4).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(CHUNK));
    }
    // Received into a temp file: not a snapshot until the node publishes it.
    assertThat(b.store.latest()).isEmpty();
    b.store.publish(got.staged());
    SnapshotStore.Snapshot installed = b.store.latest().orElseThrow();
    assertThat(installed.meta()).isEqualTo(META);
    assertThat(installed.data()).isEqualTo(data);
    assertThat(b.files()).containsExactly("snap-4-100.snap");

    b.transport.send(new Message.AppendResponse("b", "a", 6, true, 100, 0, 0, 0));
    assertThat(a.inbox.next(Inbox.SnapshotSent.class)).isEqualTo(new Inbox.SnapshotSent("b", true));
  }

  @Test
  void snapshotDamagedOnTheSendersDiskIsNotSent() throws Exception {
    Node a = new Node("a", null);
    Node b = new Node("b", null);
    byte[] data = random(2 * CHUNK + 10, 2);
    a.store.save(META, data);
    SnapshotStore.Source source = a.store.latestSource().orElseThrow();
    // Flip one data byte in the file: the header (and the recorded checksum) stay intact.
    Path file = a.store.directory().resolve("snap-4-100.snap");
    byte[] raw = Files.readAllBytes(file);
    raw[raw.length - 5] ^= 1;
    Files.write(file, raw);

    a.transport.streamSnapshot(MSG, source);
    // The node hears of the damage (it sets the file aside and takes a fresh snapshot).
    assertThat(a.inbox.next(Inbox.Damaged.class).source()).isSameAs(source);
    assertThat(a.inbox.next(Inbox.SnapshotSent.class)).isEqualTo(new Inbox.SnapshotSent("b", false));
    assertThat(b.inbox.drainFor(300)).noneMatch(o -> o instanceof Inbox.Staged);
    awaitFiles(b, List.of());
  }

  @Test
  void checksumMismatchAtTheReceiverIsRejectedAndLeavesNoFile() throws Exception {
    Node b = new Node("b", null);
    byte[] data = random(CHUNK + 77, 3);
    Status s = rawTransfer(b, data, 0xBAD, data.length).join();
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).contains("CRC-32C mismatch");
    assertThat(b.inbox.drainFor(200)).isEmpty();
    awaitFiles(b, List.of());
  }

  @Test
  void brokenStreamLeavesNoFileAndANewAttemptSucceeds() throws Exception {
    Node b = new Node("b", null);
    byte[] data = random(4 * CHUNK, 4);
    // Send half, then cancel: the receiver deletes its partial file.
    Status s = rawTransfer(b, data, crc(data), 2 * CHUNK).join();
    assertThat(s.getCode()).isEqualTo(Status.Code.CANCELLED);
    awaitFiles(b, List.of());
    assertThat(b.inbox.drainFor(100)).isEmpty();

    // A new attempt starts from offset 0 and completes.
    Node a = new Node("a", null);
    a.store.save(META, data);
    a.transport.streamSnapshot(MSG, a.store.latestSource().orElseThrow());
    Inbox.Staged got = b.inbox.next(Inbox.Staged.class);
    b.store.publish(got.staged());
    assertThat(b.store.latest().orElseThrow().data()).isEqualTo(data);
  }

  @Test
  void aRepeatedInstallSnapshotWhileOneIsInFlightIsNotRestarted() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger chunkCount = new AtomicInteger();
    Node a = new Node("a", null);
    Node b = new Node("b", (m, len, crc) -> {
      if (chunkCount.incrementAndGet() == 2) {
        try {
          release.await(20, TimeUnit.SECONDS); // a slow disk: the transfer stays in flight
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return null;
    });
    byte[] data = random(3 * CHUNK, 5);
    a.store.save(META, data);
    SnapshotStore.Source source = a.store.latestSource().orElseThrow();
    a.transport.streamSnapshot(MSG, source);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (chunkCount.get() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    for (int i = 0; i < 5; i++) {
      a.transport.streamSnapshot(MSG, source); // the core repeating itself every heartbeat
    }
    assertThat(a.inbox.drainFor(300)).isEmpty(); // neither restarted nor reported failed
    release.countDown();
    b.inbox.next(Inbox.Staged.class);
    b.transport.send(new Message.AppendResponse("b", "a", 6, true, 100, 0, 0, 0));
    assertThat(a.inbox.next(Inbox.SnapshotSent.class)).isEqualTo(new Inbox.SnapshotSent("b", true));
    assertThat(chunkCount.get()).isEqualTo(3); // one transfer, three chunks
    assertThat(b.inbox.drainFor(300)).isEmpty();

    // Once it ended, the next one starts.
    a.transport.streamSnapshot(MSG, source);
    assertThat(b.inbox.next(Inbox.Staged.class).message()).isEqualTo(MSG);
  }

  @Test
  void sourceOfAStoreIsItsNewestSnapshotByHeaderOnly() throws Exception {
    FileSnapshotStore store = new FileSnapshotStore(tmp.resolve("s"), FileIo.SYSTEM);
    assertThat(store.latestSource()).isEmpty();
    byte[] d1 = random(1000, 6);
    store.save(new SnapshotMeta(10, 1, Membership.ofVoterIds("a")), d1);
    byte[] d2 = random(2000, 7);
    store.save(new SnapshotMeta(20, 2, Membership.ofVoterIds("a")), d2);
    SnapshotStore.Source s = store.latestSource().orElseThrow();
    assertThat(s.meta().index()).isEqualTo(20);
    assertThat(s.dataLength()).isEqualTo(2000);
    assertThat(s.dataCrc()).isEqualTo(crc(d2));
    try (InputStream in = s.openData()) {
      assertThat(in.readAllBytes()).isEqualTo(d2);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static int crc(byte[] data) {
    CRC32C c = new CRC32C();
    c.update(data);
    return (int) c.getValue();
  }

  private static void awaitFiles(Node n, List<String> expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!n.files().equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(n.files()).isEqualTo(expected);
  }

  /**
   * Streams {@code data} to {@code to} as a raw client declaring checksum {@code crc}; sends only
   * the first {@code upTo} bytes and then cancels when that is less than all of it. Completes with
   * the call's status.
   */
  private CompletableFuture<Status> rawTransfer(Node to, byte[] data, int crc, int upTo) {
    ManagedChannel ch = NettyChannelBuilder.forTarget(addresses.get(to.id)).usePlaintext().build();
    toClose.add(() -> {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    });
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<InstallSnapshotRequest> req = RaftGrpc.newStub(ch).installSnapshot(
        new StreamObserver<InstallSnapshotResponse>() {
          @Override
          public void onNext(InstallSnapshotResponse r) {}

          @Override
          public void onError(Throwable t) {
            done.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            done.complete(Status.OK);
          }
        });
    int off = 0;
    while (off < upTo) {
      int n = Math.min(CHUNK, data.length - off);
      InstallSnapshotRequest.Builder b = off == 0
          ? PeerMessages.snapshotHeader(CLUSTER, MSG, data.length, crc)
          : InstallSnapshotRequest.newBuilder().setClusterId(CLUSTER).setFromId("a")
              .setToId("b").setTerm(6);
      req.onNext(b.setOffset(off).setData(ByteString.copyFrom(data, off, n))
          .setDone(off + n == data.length).build());
      off += n;
    }
    if (upTo < data.length) {
      // Let the chunks arrive, then break the stream.
      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() ->
          ((ClientCallStreamObserver<InstallSnapshotRequest>) req).cancel("broken", null));
    } else {
      req.onCompleted();
    }
    return done;
  }

  @Test
  void incomingFileRefusesDataPastItsDeclaredLength() throws Exception {
    FileSnapshotStore store = new FileSnapshotStore(tmp.resolve("r"), FileIo.SYSTEM);
    SnapshotReceiver r = FileSnapshotStore.receiver(tmp.resolve("r"), FileIo.SYSTEM);
    SnapshotReceiver.Incoming in = r.begin(META, 10, 0);
    assertThat(Files.list(store.directory()).count()).isEqualTo(1);
    assertThatThrownBy(() -> in.write(ByteBuffer.wrap(new byte[11])))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Files.list(store.directory()).count()).isZero();
    in.abort(); // idempotent
  }
}
