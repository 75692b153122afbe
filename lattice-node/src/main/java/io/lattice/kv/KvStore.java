package io.lattice.kv;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The sorted key space: keys in unsigned lexicographic order, each with its value, create index,
 * mod index and version (etcd semantics: a put creates the key at version 1 or increments its
 * version; a delete forgets the key and all its metadata).
 *
 * <p>Knows nothing of commands, sessions or results; not thread-safe.
 */
final class KvStore {
  private final TreeMap<byte[], KvEntry> map = new TreeMap<>(Bytes::compare);

  /** The entry of {@code key}, or null if the key does not exist. */
  KvEntry get(byte[] key) {
    return map.get(key);
  }

  /**
   * Sets {@code key} to {@code value} by the entry at {@code index}: creates it (version 1, create
   * index = {@code index}) or bumps its version. Returns the new entry.
   */
  KvEntry put(byte[] key, byte[] value, long index) {
    KvEntry prev = map.get(key);
    KvEntry next = prev == null
        ? new KvEntry(key, value, index, index, 1)
        : new KvEntry(prev.key(), value, prev.createIndex(), index, prev.version() + 1);
    map.put(next.key(), next);
    return next;
  }

  /** Removes {@code key}; returns the removed entry, or null if it did not exist. */
  KvEntry remove(byte[] key) {
    return map.remove(key);
  }

  /** Removes every key in {@code range}; returns the removed entries in key order. */
  List<KvEntry> removeRange(KeyRange range) {
    NavigableMap<byte[], KvEntry> view = view(range);
    List<KvEntry> removed = new ArrayList<>(view.values());
    view.clear();
    return removed;
  }

  /**
   * Reads {@code range}: at most {@code limit} entries ({@code limit <= 0}: no limit; a negative
   * limit is an unsigned 64-bit limit beyond any real count), with empty values if {@code keysOnly},
   * none at all if {@code countOnly}.
   */
  RangeResult range(KeyRange range, long limit, boolean keysOnly, boolean countOnly) {
    Collection<KvEntry> selected = view(range).values();
    if (countOnly) {
      return new RangeResult(List.of(), false, selected.size());
    }
    List<KvEntry> out = new ArrayList<>();
    long count = 0;
    for (KvEntry e : selected) {
      if (limit <= 0 || count < limit) {
        out.add(keysOnly ? e.withoutValue() : e);
      }
      count++;
    }
    return new RangeResult(out, count > out.size(), count);
  }

  /** Adds an entry as read from a snapshot; the caller guarantees ascending, distinct keys. */
  void load(KvEntry entry) {
    map.put(entry.key(), entry);
  }

  /** Last key in order, or null when empty (restore checks that keys arrive in order). */
  byte[] lastKey() {
    return map.isEmpty() ? null : map.lastKey();
  }

  int size() {
    return map.size();
  }

  /** Every entry in key order (read-only). */
  Iterator<KvEntry> iterator() {
    return Collections.unmodifiableCollection(map.values()).iterator();
  }

  private NavigableMap<byte[], KvEntry> view(KeyRange range) {
    if (range.isEmpty()) {
      return new TreeMap<>(Bytes::compare);
    }
    if (range.end().length == 0) {
      return map.tailMap(range.start(), true);
    }
    return map.subMap(range.start(), true, range.end(), false);
  }
}
