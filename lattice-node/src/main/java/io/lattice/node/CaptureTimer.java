package io.lattice.node;

import io.lattice.storage.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongSupplier;

/**
 * A {@link StateMachine} that passes every call on to another and times {@link #capture()}, the
 * only part of taking a snapshot that runs on the loop thread (writes wait for it): each capture's
 * duration goes to {@link NodeMetrics#snapshotCaptured} and is kept for the loop's snapshot log
 * line. Everything else is delegated unchanged, including the methods with default bodies, so
 * the wrapped machine's own versions of them are the ones that run.
 *
 * <p>Loop thread only, like the state machine it wraps.
 */
final class CaptureTimer implements StateMachine {
  private final StateMachine delegate;
  private final NodeClock clock;
  private final NodeMetrics metrics;
  private long lastCaptureNanos = -1;

  CaptureTimer(StateMachine delegate, NodeClock clock, NodeMetrics metrics) {
    this.delegate = delegate;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** How long the last {@link #capture()} took, in nanoseconds; -1 before the first. */
  long lastCaptureNanos() {
    return lastCaptureNanos;
  }

  @Override
  public SnapshotWriter capture() {
    long start = clock.nanoTime();
    SnapshotWriter w = delegate.capture();
    lastCaptureNanos = clock.nanoTime() - start;
    metrics.snapshotCaptured(lastCaptureNanos);
    return w;
  }

  @Override
  public byte[] apply(long index, byte[] command) {
    return delegate.apply(index, command);
  }

  @Override
  public byte[] apply(long index, byte[] command, boolean awaited) {
    return delegate.apply(index, command, awaited);
  }

  @Override
  public byte[] snapshot() {
    return delegate.snapshot();
  }

  @Override
  public void restore(byte[] snapshot) {
    delegate.restore(snapshot);
  }

  @Override
  public void restore(InputStream data, long length) throws IOException {
    delegate.restore(data, length);
  }

  @Override
  public Restoration prepareRestore(InputStream data, long length) throws IOException {
    return delegate.prepareRestore(data, length);
  }

  @Override
  public Restoration prepareRestore(InputStream data, long length,
      io.lattice.storage.SnapshotRegions regions) throws IOException {
    return delegate.prepareRestore(data, length, regions);
  }

  @Override
  public long hash() {
    return delegate.hash();
  }

  @Override
  public LongSupplier hasher() {
    return delegate.hasher();
  }
}
