package io.lattice.transport;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.InstallSnapshotResponse;
import io.lattice.proto.v1.SnapshotMetadata;
import io.lattice.raft.Message;
import io.lattice.storage.SnapshotReceiver;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one InstallSnapshot stream: checks every chunk (envelope, same sender and
 * term, offsets contiguous from 0, never past the declared size, which is at most the options'
 * maximum), writes it through the transport's {@link SnapshotReceiver} as it arrives, and when
 * the last chunk has come and the CRC-32C verifies, hands the staged snapshot to the inbox and
 * leaves the call to {@link PeerServer} to answer once the core has installed it.
 *
 * <p>Memory stays bounded by a chunk: gRPC asks for the next message only after {@link #onNext}
 * returned, so a slow disk slows the sender down rather than buffering. Any failure (a bad chunk,
 * a checksum mismatch, the stream broken or cancelled, the deadline passed, a disk error) aborts
 * the receiver, which deletes what it wrote: a new attempt of the leader starts again from offset
 * 0 on a fresh file. gRPC serialises the calls on one stream observer.
 */
final class SnapshotIntake implements StreamObserver<InstallSnapshotRequest> {
  private static final Logger log = LoggerFactory.getLogger(SnapshotIntake.class);

  private final GrpcPeerTransport t;
  private final StreamObserver<InstallSnapshotResponse> obs;
  private final PeerServer server;
  private InstallSnapshotRequest first;
  private Message.InstallSnapshot message;
  private SnapshotReceiver.Incoming incoming;
  private long total;
  private boolean failed;
  private boolean complete;

  SnapshotIntake(GrpcPeerTransport t, StreamObserver<InstallSnapshotResponse> obs,
      PeerServer server) {
    this.t = t;
    this.obs = obs;
    this.server = server;
  }

  private void fail(StatusRuntimeException e) {
    failed = true;
    abort();
    t.warn("snapshot from " + (first == null ? "?" : first.getFromId()) + " rejected: "
        + e.getStatus().getDescription());
    try {
      obs.onError(e);
    } catch (RuntimeException ignored) {
      // cancelled meanwhile
    }
  }

  private void abort() {
    if (incoming != null) {
      incoming.abort();
      incoming = null;
    }
  }

  @Override
  public void onNext(InstallSnapshotRequest c) {
    if (failed) {
      return;
    }
    StatusRuntimeException e = server.checkSnapshotChunk(c);
    if (e != null) {
      fail(e);
      return;
    }
    t.heardFrom(c.getFromId());
    if (complete) {
      fail(PeerErrors.invalid(t.selfId, "snapshot chunk after the last one"));
      return;
    }
    if (first == null && !begin(c)) {
      return;
    }
    if (!c.getFromId().equals(first.getFromId()) || c.getTerm() != first.getTerm()) {
      fail(PeerErrors.invalid(t.selfId, "snapshot chunks of different senders or terms"));
      return;
    }
    long received = incoming.received();
    int n = c.getData().size();
    if (c.getOffset() != received || received + n > total) {
      fail(PeerErrors.invalid(t.selfId, "snapshot chunk at offset " + c.getOffset() + " of "
          + n + " bytes does not follow " + received + " of " + total));
      return;
    }
    try {
      incoming.write(c.getData().asReadOnlyByteBuffer());
      if (!c.getDone()) {
        return;
      }
      SnapshotStore.Staged staged = incoming.finish();
      incoming = null;
      complete = true;
      server.awaitSnapshotAnswer(first, obs);
      log.info("received snapshot {}@{} ({} bytes) from {}", message.snapshot().index(),
          message.snapshot().term(), total, first.getFromId());
      t.inbox.deliverSnapshot(message, staged);
    } catch (IllegalArgumentException ex) {
      fail(PeerErrors.invalid(t.selfId, ex.getMessage()));
    } catch (IOException ex) {
      fail(PeerErrors.error(io.lattice.errors.Reason.INTERNAL, t.selfId,
          "writing the snapshot failed: " + ex));
    }
  }

  /** Handles the first chunk; false if the stream was failed. */
  private boolean begin(InstallSnapshotRequest c) {
    if (!c.hasMetadata()) {
      fail(PeerErrors.invalid(t.selfId, "first snapshot chunk lacks metadata"));
      return false;
    }
    SnapshotMetadata md = c.getMetadata();
    if (md.getTotalSize() < 0 || md.getTotalSize() > t.options.maxSnapshotSize()) {
      fail(PeerErrors.invalid(t.selfId, "snapshot of " + Long.toUnsignedString(md.getTotalSize())
          + " bytes exceeds the limit of " + t.options.maxSnapshotSize()));
      return false;
    }
    try {
      message = PeerMessages.fromWire(c);
    } catch (RuntimeException ex) {
      fail(PeerErrors.invalid(t.selfId, "malformed snapshot metadata: " + ex.getMessage()));
      return false;
    }
    first = c;
    total = md.getTotalSize();
    try {
      incoming = t.snapshotReceiver.begin(message.snapshot(), total, md.getCrc32C());
    } catch (IllegalArgumentException ex) {
      fail(PeerErrors.invalid(t.selfId, ex.getMessage()));
      return false;
    } catch (IOException ex) {
      fail(PeerErrors.error(io.lattice.errors.Reason.INTERNAL, t.selfId,
          "cannot store the snapshot: " + ex));
      return false;
    }
    return true;
  }

  @Override
  public void onError(Throwable err) {
    // The sender broke the stream, cancelled it, or its deadline passed.
    failed = true;
    abort();
  }

  @Override
  public void onCompleted() {
    if (!failed && !complete) {
      fail(PeerErrors.invalid(t.selfId, "snapshot stream ended before the last chunk"));
    }
  }
}
