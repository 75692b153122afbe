package io.lattice.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.lattice.format.SnapshotHeader;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.SnapshotSaveChunk;
import io.lattice.proto.v1.SnapshotSaveHeader;
import io.lattice.proto.v1.SnapshotSaveTrailer;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * Streams one snapshot file to a {@code SnapshotSave} caller: the header message, the file's bytes
 * (its {@link SnapshotHeader}, rebuilt from the source's metadata, then the data read from the
 * file) in chunks of {@link #CHUNK_BYTES}, then a trailer with the CRC-32C of everything sent.
 *
 * <p>Memory stays at one chunk whatever the snapshot's size: chunks are read only while the
 * client's flow-control window is open ({@code onReady}), on the gRPC thread that signals it. The
 * data's own checksum is verified on the way: a file damaged on disk ends the call with DATA_LOSS
 * before the trailer, so no client ever takes it for a good backup.
 */
final class BackupStream implements Runnable {
  static final int CHUNK_BYTES = 1 << 20;

  private final ServerCallStreamObserver<SnapshotSaveChunk> out;
  /** Null until {@link #begin}: the snapshot is still being taken. */
  private SnapshotStore.Source source;
  private byte[] fileHeader;
  private long fileSize;
  private final CRC32C fileCrc = new CRC32C();
  private final CRC32C dataCrc = new CRC32C();
  private InputStream data;
  private long sent;
  private boolean done;

  private BackupStream(ServerCallStreamObserver<SnapshotSaveChunk> out) {
    this.out = out;
  }

  /**
   * Takes over {@code out}'s handlers; call it from the service method itself (gRPC accepts them
   * only then), before the snapshot is known.
   */
  static BackupStream attach(ServerCallStreamObserver<SnapshotSaveChunk> out) {
    BackupStream s = new BackupStream(out);
    out.setOnCancelHandler(s::cancelled);
    out.setOnReadyHandler(s);
    return s;
  }

  /** Sends the header message and streams the rest as the client takes it. */
  synchronized void begin(SnapshotStore.Source source, ResponseHeader header, String clusterId,
      String version) {
    if (done) {
      return; // cancelled meanwhile
    }
    SnapshotMeta m = source.meta();
    this.source = source;
    this.fileHeader = new SnapshotHeader(m.index(), m.term(), m.membership().encode(),
        source.dataLength(), source.dataCrc()).encode();
    this.fileSize = fileHeader.length + source.dataLength();
    out.onNext(SnapshotSaveChunk.newBuilder().setHeader(SnapshotSaveHeader.newBuilder()
        .setHeader(header).setClusterId(clusterId).setSnapshotIndex(m.index())
        .setSnapshotTerm(m.term()).setFileSize(fileSize).setServerVersion(version)).build());
    run(); // the window may be open already: onReady fires only on a change
  }

  /** Ends the call with {@code error} (the snapshot could not be taken here). */
  synchronized void fail(io.grpc.StatusRuntimeException error) {
    if (!done) {
      done = true;
      try {
        out.onError(error);
      } catch (RuntimeException cancelled) {
        // the client went away
      }
    }
  }

  @Override
  public synchronized void run() {
    if (source == null) {
      return; // not begun: the snapshot is still being taken
    }
    try {
      while (!done && out.isReady()) {
        if (sent == fileSize) {
          finish();
          return;
        }
        out.onNext(SnapshotSaveChunk.newBuilder().setData(nextChunk()).build());
      }
    } catch (IOException | RuntimeException e) {
      fail(Status.UNAVAILABLE.withDescription("reading snapshot " + source.meta().index()
          + " failed: " + e.getMessage()));
    }
  }

  private ByteString nextChunk() throws IOException {
    int n = (int) Math.min(CHUNK_BYTES, fileSize - sent);
    byte[] chunk = new byte[n];
    int at = 0;
    if (sent < fileHeader.length) {
      at = (int) Math.min(n, fileHeader.length - sent);
      System.arraycopy(fileHeader, (int) sent, chunk, 0, at);
    }
    if (at < n) {
      if (data == null) {
        data = source.openData();
      }
      int from = at;
      while (at < n) {
        int r = data.read(chunk, at, n - at);
        if (r < 0) {
          throw new IOException("the snapshot file ended " + (fileSize - sent - at)
              + " bytes early");
        }
        at += r;
      }
      dataCrc.update(chunk, from, n - from);
    }
    fileCrc.update(chunk, 0, n);
    sent += n;
    return ByteString.copyFrom(chunk);
  }

  private void finish() throws IOException {
    if ((int) dataCrc.getValue() != source.dataCrc()) {
      fail(Status.DATA_LOSS.withDescription("snapshot " + source.meta().index()
          + " is damaged on disk (CRC-32C mismatch): not a backup; take another (the node "
          + "replaces a damaged snapshot with its next one)"));
      return;
    }
    done = true;
    close();
    out.onNext(SnapshotSaveChunk.newBuilder().setTrailer(SnapshotSaveTrailer.newBuilder()
        .setFileCrc32C((int) fileCrc.getValue())).build());
    out.onCompleted();
  }

  private void fail(Status status) {
    done = true;
    close();
    try {
      out.onError(status.asRuntimeException());
    } catch (RuntimeException cancelled) {
      // the client went away
    }
  }

  private synchronized void cancelled() {
    done = true;
    close();
  }

  private void close() {
    if (data != null) {
      try {
        data.close();
      } catch (IOException ignored) {
        // read-only: nothing to lose
      }
      data = null;
    }
  }
}
