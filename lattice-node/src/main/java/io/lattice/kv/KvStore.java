package io.lattice.kv;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The sorted key space as the state machine changes it: keys in unsigned lexicographic order, each
 * with its value, create index, mod index and version (etcd semantics: a put creates the key at
 * version 1 or increments its version; a delete forgets the key and all its metadata).
 *
 * <p>Holds the current {@link KeySpace}, an immutable version: every change replaces it with a new
 * version in O(log n), so {@link #keys()} hands out a consistent view in O(1) and {@link #reset}
 * undoes a command that failed half-way in O(1).
 *
 * <p>Knows nothing of commands, sessions or results; not thread-safe (the versions it hands out
 * are).
 */
final class KvStore {
  private KeySpace keys = KeySpace.EMPTY;

  /** The current version: immutable, safe to read on any thread while this store goes on. */
  KeySpace keys() {
    return keys;
  }

  /** Makes {@code version} current again (undoing everything since it was taken). */
  void reset(KeySpace version) {
    keys = version;
  }

  /** The entry of {@code key}, or null if the key does not exist. */
  KvEntry get(byte[] key) {
    return keys.get(key);
  }

  /**
   * Sets {@code key} to {@code value} by the entry at {@code index}: creates it (version 1, create
   * index = {@code index}) or bumps its version. Returns the new entry.
   */
  KvEntry put(byte[] key, byte[] value, long index) {
    KvEntry prev = keys.get(key);
    KvEntry next = prev == null
        ? new KvEntry(key, value, index, index, 1)
        : new KvEntry(prev.key(), value, prev.createIndex(), index, prev.version() + 1);
    keys = keys.plus(next);
    return next;
  }

  /** Removes {@code key}; returns the removed entry, or null if it did not exist. */
  KvEntry remove(byte[] key) {
    KvEntry prev = keys.get(key);
    if (prev != null) {
      keys = keys.minus(key);
    }
    return prev;
  }

  /** Removes every key in {@code range}; returns the removed entries in key order. */
  List<KvEntry> removeRange(KeyRange range) {
    List<KvEntry> removed = new ArrayList<>(keys.select(range).values());
    for (KvEntry e : removed) {
      keys = keys.minus(e.key());
    }
    return removed;
  }

  /**
   * Removes every key in {@code range}, counting each removed entry against {@code budget} when
   * {@code keep} (the caller then gets them back); returns how many were removed and, if {@code
   * keep}, the removed entries in key order. Stops with {@link ResultBudget.Exceeded} before the
   * kept entries pass the budget (the caller {@link #reset}s the store).
   */
  List<KvEntry> removeRange(KeyRange range, boolean keep, ResultBudget budget, long[] count) {
    List<KvEntry> removed = new ArrayList<>();
    long n = 0;
    for (KvEntry e : keys.select(range).values()) {
      if (keep) {
        budget.entry(e, "the deletion of " + Bytes.show(e.key()));
        removed.add(e);
      }
      keys = keys.minus(e.key());
      n++;
    }
    count[0] = n;
    return removed;
  }

  /** {@link KeySpace#range} of the current version, with the answer limit. */
  RangeResult range(KeyRange range, long limit, boolean keysOnly, boolean countOnly) {
    return keys.range(range, limit, keysOnly, countOnly, KvLimits.MAX_RESULT_BYTES);
  }

  /** Last key in order, or null when empty. */
  byte[] lastKey() {
    return keys.lastKey();
  }

  int size() {
    return keys.size();
  }

  /** Every entry of the current version in key order. */
  Iterator<KvEntry> iterator() {
    return keys.iterator();
  }
}
