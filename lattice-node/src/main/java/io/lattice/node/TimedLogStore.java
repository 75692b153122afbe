package io.lattice.node;

import io.lattice.raft.Entry;
import io.lattice.storage.LogStore;
import java.io.IOException;
import java.util.List;

/**
 * A {@link LogStore} that reports how long appends and fsyncs take. Timing lives here, in the
 * node, so that the storage package stays free of clocks.
 */
final class TimedLogStore implements LogStore {
  private final LogStore delegate;
  private final NodeMetrics metrics;

  TimedLogStore(LogStore delegate, NodeMetrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  @Override
  public long firstIndex() {
    return delegate.firstIndex();
  }

  @Override
  public long lastIndex() {
    return delegate.lastIndex();
  }

  @Override
  public long sizeBytes() {
    return delegate.sizeBytes();
  }

  @Override
  public List<Entry> read(long from, long to) throws IOException {
    return delegate.read(from, to);
  }

  @Override
  public void append(List<Entry> entries) throws IOException {
    long start = System.nanoTime();
    delegate.append(entries);
    metrics.logAppended(entries.size(), System.nanoTime() - start);
  }

  @Override
  public void sync() throws IOException {
    long start = System.nanoTime();
    delegate.sync();
    metrics.logSynced(System.nanoTime() - start);
  }

  @Override
  public void compactUpTo(long index) throws IOException {
    delegate.compactUpTo(index);
  }

  @Override
  public void reset(long afterIndex) throws IOException {
    delegate.reset(afterIndex);
  }
}
