package io.lattice.node;

import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import io.lattice.storage.SnapshotWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A snapshot of the node's own state between {@link ReadyHandler#beginSnapshot} and {@link
 * ReadyHandler#finishSnapshot}. Its {@link #write()} is the slow part (encode, write, fsync) and
 * may run on any thread while the loop goes on; it counts the bytes it writes, which the {@link
 * SnapshotPolicy} weighs the next snapshot against.
 */
public final class SnapshotJob {
  private final SnapshotMeta meta;
  private final SnapshotWriter capture;
  private final SnapshotStore store;
  private final long appliedBytesAt;
  private final boolean replacesDamaged;
  private volatile SnapshotStore.Staged staged;
  private volatile long bytesWritten;

  SnapshotJob(SnapshotMeta meta, SnapshotWriter capture, SnapshotStore store,
      long appliedBytesAt, boolean replacesDamaged) {
    this.meta = meta;
    this.capture = capture;
    this.store = store;
    this.appliedBytesAt = appliedBytesAt;
    this.replacesDamaged = replacesDamaged;
  }

  public SnapshotMeta meta() {
    return meta;
  }

  /** Writes the captured state durably (not yet visible); call once, on any thread. */
  public void write() throws IOException {
    if (staged != null) {
      throw new IllegalStateException("snapshot " + meta.index() + " written twice");
    }
    long[] count = new long[1];
    staged = store.stage(meta, out -> {
      CountingStream counted = new CountingStream(out);
      capture.writeTo(counted);
      count[0] = counted.count;
    });
    bytesWritten = count[0];
  }

  /** Bytes of data {@link #write()} wrote (0 before). */
  public long bytesWritten() {
    return bytesWritten;
  }

  boolean written() {
    return staged != null;
  }

  SnapshotStore.Staged staged() {
    return staged;
  }

  /** The handler's running total of applied log bytes at this snapshot's index. */
  long appliedBytesAt() {
    return appliedBytesAt;
  }

  /** Whether this snapshot is the fresh one for a newest file found damaged (same index ok). */
  boolean replacesDamaged() {
    return replacesDamaged;
  }

  @Override
  public String toString() {
    return "snapshot " + meta.index() + "@" + meta.term() + (staged == null ? "" : " (written)");
  }

  /** Counts the bytes written through it (the store owns, and closes, what it wraps). */
  private static final class CountingStream extends FilterOutputStream {
    private long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
