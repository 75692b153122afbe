package io.lattice.transport;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.InstallSnapshotResponse;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.raft.Message;
import io.lattice.security.PeerIdentityMismatch;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one snapshot to one peer, reading it chunk by chunk from its {@link
 * SnapshotStore.Source} (the file) as the call's flow control allows, on the transport's snapshot
 * I/O executor: never on the node's loop, never the whole snapshot in memory (at most the chunks
 * gRPC has not yet written out, which its flow control bounds).
 *
 * <p>The data's CRC-32C is computed while reading; if it does not match the one recorded in the
 * snapshot's header (or the file is shorter than its header says), the last chunk is not sent and
 * the call is cancelled, so a snapshot damaged on disk is never installed anywhere (the receiver
 * checks the checksum too), and the node is told ({@link
 * io.lattice.node.PeerInbox#snapshotDamaged}): it sets the file aside and takes a fresh snapshot,
 * which the core's next InstallSnapshot sends.
 *
 * <p>The transfer ends exactly once ({@link #finish}): it frees the peer's snapshot slot and
 * reports the outcome to the core ({@code snapshotSent}). A failure is reported only after the
 * options' maximum back-off (the slot stays taken meanwhile): the core answers a failure by
 * sending the snapshot again at once, which toward a peer that is down would otherwise be a
 * connection attempt (and two log lines) per heartbeat or faster.
 */
final class SnapshotSender
    implements ClientResponseObserver<InstallSnapshotRequest, InstallSnapshotResponse> {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

  private final GrpcPeerTransport t;
  private final PeerLink peer;
  private final Message.InstallSnapshot message;
  private final SnapshotStore.Source source;
  private final Executor io;
  private final CRC32C crc = new CRC32C();
  private final AtomicBoolean finished = new AtomicBoolean();
  private ClientCallStreamObserver<InstallSnapshotRequest> requests;
  private InputStream in;
  private long offset;
  private boolean halfClosed;
  private InstallSnapshotResponse response;

  SnapshotSender(GrpcPeerTransport t, PeerLink peer, Message.InstallSnapshot message,
      SnapshotStore.Source source, Executor io) {
    this.t = t;
    this.peer = peer;
    this.message = message;
    this.source = source;
    this.io = io;
  }

  /** The snapshot this transfer sends. */
  io.lattice.raft.SnapshotMeta meta() {
    return message.snapshot();
  }

  /** Opens the call (transport thread); chunks follow on the I/O executor. */
  void start(RaftGrpc.RaftStub stub) {
    // Bounded: the receiver answers within snapshotAnswerTimeout of the last chunk; allow at least
    // 1 s per MiB (and a minute) for the transfer itself.
    long transferMillis = Math.max(60_000L, source.dataLength() / 1024);
    stub.withDeadlineAfter(t.options.snapshotAnswerTimeout().toMillis() + transferMillis,
        TimeUnit.MILLISECONDS).installSnapshot(this);
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<InstallSnapshotRequest> r) {
    this.requests = r;
    r.setOnReadyHandler(() -> execute(this::pump));
  }

  private void execute(Runnable task) {
    try {
      io.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      cancel("the transport is closed", null);
    }
  }

  /** Sends chunks while the call is ready (I/O executor). */
  private synchronized void pump() {
    if (finished.get()) {
      return;
    }
    try {
      if (in == null) {
        in = source.openData();
      }
      long total = source.dataLength();
      while (!halfClosed && requests.isReady()) {
        int n = (int) Math.min(t.options.snapshotChunkSize(), total - offset);
        byte[] chunk = in.readNBytes(n);
        if (chunk.length != n) {
          log.error("snapshot {} is damaged on disk (shorter than its header says): not sent to {}",
              meta().index(), peer.id);
          damaged();
          cancel("snapshot " + meta().index() + " is shorter than its header says", null);
          return;
        }
        crc.update(chunk);
        boolean done = offset + n == total;
        if (done && (int) crc.getValue() != source.dataCrc()) {
          log.error("snapshot {} is damaged on disk (CRC-32C mismatch): not sent to {}",
              meta().index(), peer.id);
          damaged();
          cancel("snapshot damaged on disk", null);
          return;
        }
        InstallSnapshotRequest.Builder b = offset == 0
            ? PeerMessages.snapshotHeader(t.clusterId, message, total, source.dataCrc())
            : InstallSnapshotRequest.newBuilder().setClusterId(t.clusterId)
                .setFromId(message.from()).setToId(message.to()).setTerm(message.term());
        b.setOffset(offset).setData(UnsafeByteOperations.unsafeWrap(chunk)).setDone(done);
        offset += n;
        requests.onNext(b.build());
        if (done) {
          halfClosed = true;
          closeInput();
          requests.onCompleted();
        }
      }
    } catch (IOException e) {
      log.warn("reading snapshot {} for {} failed: {}", meta().index(), peer.id, e.toString());
      cancel("reading the snapshot failed", e);
    } catch (RuntimeException e) {
      cancel("sending the snapshot failed", e); // e.g. the call was cancelled meanwhile
    }
  }

  /** Tells the node its snapshot file is damaged (it replaces it; see the class comment). */
  private void damaged() {
    if (!t.isClosed()) {
      t.inbox.snapshotDamaged(source);
    }
  }

  /** Aborts the transfer (any thread); reported as failed. */
  void cancel(String why, Throwable cause) {
    if (requests != null) {
      try {
        requests.cancel(why, cause);
      } catch (RuntimeException ignored) {
        // already finished
      }
    }
    finish(false);
  }

  @Override
  public void onNext(InstallSnapshotResponse r) {
    response = r;
  }

  @Override
  public void onError(Throwable e) {
    Status s = Status.fromThrowable(e);
    if (!finished.get()) {
      if (peer.firstFailureOf(meta().index())) {
        log.info("snapshot {} to {} failed: {} {}", meta().index(), peer.id, s.getCode(),
            s.getDescription());
      } else if (log.isDebugEnabled()) {
        log.debug("snapshot {} to {} failed again: {} {}", meta().index(), peer.id, s.getCode(),
            s.getDescription());
      }
    }
    if ((s.getCode() == Status.Code.UNAVAILABLE || PeerIdentityMismatch.in(s.getCause()) != null)
        && !t.isClosed()) {
      t.inbox.unreachable(peer.id);
    }
    finish(false);
  }

  @Override
  public void onCompleted() {
    InstallSnapshotResponse r = response;
    boolean ok = r != null
        && t.acceptResponse(peer.id, r.getClusterId(), r.getFromId(), r.getToId())
        && r.getSuccess();
    if (ok) {
      t.inbox.deliver(new Message.AppendResponse(r.getFromId(), r.getToId(), r.getTerm(), true,
          r.getMatchIndex(), 0, 0, 0));
    }
    finish(ok);
  }

  private void finish(boolean ok) {
    if (finished.compareAndSet(false, true)) {
      execute(this::closeInputLocked);
      if (ok) {
        release(true);
      } else {
        t.schedule(() -> release(false), t.options.backoffMax().toNanos());
      }
    }
  }

  private void release(boolean ok) {
    peer.snapshot.compareAndSet(this, null);
    if (!t.isClosed()) {
      t.inbox.snapshotSent(peer.id, ok);
    }
  }

  private synchronized void closeInputLocked() {
    closeInput();
  }

  private void closeInput() {
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // read-only
      }
      in = null;
    }
  }
}
