package io.lattice.sim;

import io.lattice.raft.Entry;
import io.lattice.raft.LogIndex;
import io.lattice.storage.LogStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link LogStore} that models a disk with a volatile write cache: every write is
 * visible at once, but only {@link #sync()} makes it durable. Unsynced writes are kept as a list of
 * operations; a {@link #crash} keeps the durable image plus a prefix of those operations (possibly
 * none), exactly what a real disk may leave behind after power loss.
 */
final class MemLogStore implements LogStore {
  /** A contiguous run of entries after {@code offset}. */
  private static final class Image {
    long offset;
    final ArrayList<Entry> entries = new ArrayList<>();

    Image copy() {
      Image c = new Image();
      c.offset = offset;
      c.entries.addAll(entries);
      return c;
    }

    long last() {
      return LogIndex.lastAfterAppend(offset, entries.size());
    }

    void append(List<Entry> es) {
      long first = es.get(0).index();
      if (first <= offset || first > LogIndex.next(last())) {
        throw new IllegalArgumentException(
            "append at " + first + " outside [" + LogIndex.next(offset) + ", " + LogIndex.next(last()) + "]");
      }
      entries.subList(LogIndex.position(first, LogIndex.next(offset)), entries.size()).clear();
      long expect = first;
      for (Entry e : es) {
        if (e.index() != expect) {
          throw new IllegalArgumentException("entries not contiguous at " + e.index());
        }
        entries.add(e);
        expect = LogIndex.next(expect);
      }
    }

    void compactUpTo(long index) {
      if (index <= offset) {
        return;
      }
      if (index >= last()) {
        entries.clear();
      } else {
        entries.subList(0, LogIndex.position(LogIndex.next(index), LogIndex.next(offset))).clear();
      }
      offset = index;
    }

    void reset(long after) {
      entries.clear();
      offset = after;
    }
  }

  private interface Op {
    void applyTo(Image image);
  }

  private Image durable = new Image();
  private Image current = new Image();
  private final List<Op> unsynced = new ArrayList<>();
  /** Unsynced appends and resets (unsynced compactions lose nothing that matters). */
  private int unsyncedData;
  private final SimDisk disk;
  /** Told of every append with the term of the entry before it (-1 when not held). */
  private AppendObserver observer = (entries, prevTerm) -> {};

  interface AppendObserver {
    void appending(List<Entry> entries, long prevTerm);
  }

  MemLogStore(SimDisk disk) {
    this.disk = disk;
  }

  void observe(AppendObserver o) {
    observer = o;
  }

  @Override
  public long firstIndex() {
    return LogIndex.next(current.offset);
  }

  @Override
  public long lastIndex() {
    return current.last();
  }

  @Override
  public List<Entry> read(long from, long to) {
    if (from < firstIndex() || to > lastIndex() || from > LogIndex.next(to)) {
      throw new IllegalArgumentException("read [" + from + ", " + to + "] outside ["
          + firstIndex() + ", " + lastIndex() + "]");
    }
    if (to < from) {
      return List.of();
    }
    int a = LogIndex.position(from, firstIndex());
    int b = LogIndex.position(LogIndex.next(to), firstIndex());
    return new ArrayList<>(current.entries.subList(a, b));
  }

  /** The entry at {@code index} if held (durable or not), else null. */
  Entry entry(long index) {
    return index >= firstIndex() && index <= lastIndex()
        ? current.entries.get(LogIndex.position(index, firstIndex()))
        : null;
  }

  @Override
  public void append(List<Entry> entries) throws IOException {
    if (entries.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (Entry e : entries) {
      bytes += e.size();
    }
    disk.beforeWrite(bytes);
    List<Entry> copy = List.copyOf(entries);
    Entry prev = entry(LogIndex.prev(copy.get(0).index()));
    observer.appending(copy, prev == null ? -1 : prev.term());
    current.append(copy);
    unsynced.add(img -> img.append(copy));
    unsyncedData++;
  }

  @Override
  public void sync() throws IOException {
    disk.beforeSync();
    if (!disk.lies()) {
      for (Op op : unsynced) {
        op.applyTo(durable);
      }
    }
    unsynced.clear();
    unsyncedData = 0;
  }

  @Override
  public void compactUpTo(long index) throws IOException {
    disk.beforeWrite(0);
    current.compactUpTo(index);
    unsynced.add(img -> img.compactUpTo(index));
  }

  @Override
  public void reset(long afterIndex) throws IOException {
    disk.beforeWrite(0);
    current.reset(afterIndex);
    unsynced.add(img -> img.reset(afterIndex));
    unsyncedData++;
  }

  /** Power loss: the durable image plus the first {@code keep} unsynced writes survive. */
  void crash(int keep) {
    if (disk.lies()) {
      // A lying disk forgot all "synced" writes; the durable image it kept is useless as a base
      // for the cache, so the log restarts from what it really persisted.
      keep = 0;
    }
    for (int i = 0; i < Math.min(keep, unsynced.size()); i++) {
      unsynced.get(i).applyTo(durable);
    }
    unsynced.clear();
    unsyncedData = 0;
    current = durable.copy();
  }

  /** The last index of the durable image. */
  long durableLastIndex() {
    return durable.last();
  }

  /**
   * What {@code lattice-node repair} does to a log with a damaged record: keeps only the durable
   * entries up to {@code index} (call right after a crash, when nothing is unsynced).
   */
  void truncateDurableAfter(long index) {
    if (index <= durable.offset) {
      durable.entries.clear();
    } else if (index < durable.last()) {
      durable.entries.subList(LogIndex.position(LogIndex.next(index), LogIndex.next(durable.offset)),
          durable.entries.size()).clear();
    }
    current = durable.copy();
  }

  /** Appends and resets not yet made durable by a sync. */
  int unsyncedDataCount() {
    return unsyncedData;
  }
}
