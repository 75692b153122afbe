package io.lattice.node;

import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;

/**
 * The restore of the state machine from a snapshot installed from the leader. Its {@link
 * #prepare()} is the slow part (read, decode, verify) and may run on any thread while the loop
 * goes on; the state machine changes only when the handler installs the result, on the loop.
 */
public final class RestoreJob {
  private final SnapshotMeta meta;
  private final StateMachine stateMachine;
  /** The snapshot's file in the store (its data checked against its CRC-32C), or null. */
  private final SnapshotStore.Source source;
  /** The snapshot's bytes when it was received in memory, or null. */
  private final byte[] data;
  private volatile boolean cancelled;
  private volatile StateMachine.Restoration restoration;

  RestoreJob(SnapshotMeta meta, StateMachine stateMachine, SnapshotStore.Source source,
      byte[] data) {
    this.meta = meta;
    this.stateMachine = stateMachine;
    this.source = source;
    this.data = data;
  }

  public SnapshotMeta meta() {
    return meta;
  }

  /** Length of the snapshot's data in bytes. */
  long dataBytes() {
    return source != null ? source.dataLength() : data.length;
  }

  /** Whether a newer snapshot replaced this one (its {@link #prepare()} stops early). */
  public boolean cancelled() {
    return cancelled;
  }

  void cancel() {
    cancelled = true;
  }

  /** Whether {@link #prepare()} returned. */
  boolean prepared() {
    return restoration != null;
  }

  /** What {@link #prepare()} read, to be installed on the loop; null before. */
  StateMachine.Restoration restoration() {
    return restoration;
  }

  /**
   * Reads the snapshot into a state of its own ({@link StateMachine#prepareRestore}), streaming
   * a file's data and checking its CRC-32C on the way (it was checked on receipt; this catches
   * the disk damaging it since): a mismatch, a short file or a malformed snapshot throws, and
   * nothing is in place. Call once, on any thread.
   *
   * @throws IOException if the data cannot be read, is damaged, or the job was cancelled ({@link
   *     java.io.InterruptedIOException})
   * @throws IllegalArgumentException if the snapshot is malformed
   */
  public void prepare() throws IOException {
    if (restoration != null) {
      throw new IllegalStateException("restore of snapshot " + meta.index() + " run twice");
    }
    if (source == null) {
      restoration = stateMachine.prepareRestore(
          new SnapshotInput(new java.io.ByteArrayInputStream(data), data.length, this::cancelled,
              null), data.length);
      return;
    }
    restoration = SnapshotInput.prepare(stateMachine, source, this::cancelled);
  }

  @Override
  public String toString() {
    return "restore of snapshot " + meta.index() + "@" + meta.term()
        + (cancelled ? " (cancelled)" : restoration != null ? " (prepared)" : "");
  }
}
