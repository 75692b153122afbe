package io.lattice.kv;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import org.pcollections.TreePMap;

/**
 * One immutable version of the sorted key space: a persistent balanced tree (pcollections'
 * {@code TreePMap}) from key to {@link KvEntry}, in unsigned lexicographic key order. A write makes
 * a new version sharing all but O(log n) nodes with the old one, so keeping a version (for a read,
 * a snapshot or a hash, on another thread) costs nothing and never sees later writes.
 *
 * <p>Thread-safe: immutable, and the entries it holds are immutable too.
 */
final class KeySpace {
  static final Comparator<byte[]> ORDER = Bytes::compare;
  static final KeySpace EMPTY = new KeySpace(TreePMap.empty(ORDER));

  private final TreePMap<byte[], KvEntry> map;

  private KeySpace(TreePMap<byte[], KvEntry> map) {
    this.map = map;
  }

  /** A key space holding {@code sorted} (built in one pass, O(n)). */
  static KeySpace of(SortedMap<byte[], KvEntry> sorted) {
    return new KeySpace(TreePMap.fromSortedMap(sorted));
  }

  /**
   * A key space holding {@code sorted}, entries in strictly ascending key order (the caller has
   * checked it), built in one pass, O(n), with no map in between: what a snapshot restore builds
   * from the keys it read.
   */
  static KeySpace ofSorted(List<KvEntry> sorted) {
    return new KeySpace(TreePMap.fromSortedMap(new SortedEntries(sorted)));
  }

  /**
   * A list of entries in ascending key order seen as the sorted map {@link
   * TreePMap#fromSortedMap} reads (its comparator, size and entries in order; nothing else).
   */
  private static final class SortedEntries extends java.util.AbstractMap<byte[], KvEntry>
      implements SortedMap<byte[], KvEntry> {
    private final List<KvEntry> entries;

    SortedEntries(List<KvEntry> entries) {
      this.entries = entries;
    }

    @Override
    public Comparator<? super byte[]> comparator() {
      return ORDER;
    }

    @Override
    public java.util.Set<Entry<byte[], KvEntry>> entrySet() {
      return new java.util.AbstractSet<>() {
        @Override
        public Iterator<Entry<byte[], KvEntry>> iterator() {
          Iterator<KvEntry> it = entries.iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Entry<byte[], KvEntry> next() {
              KvEntry e = it.next();
              return new java.util.AbstractMap.SimpleImmutableEntry<>(e.key(), e);
            }
          };
        }

        @Override
        public int size() {
          return entries.size();
        }
      };
    }

    @Override
    public byte[] firstKey() {
      return entries.get(0).key();
    }

    @Override
    public byte[] lastKey() {
      return entries.get(entries.size() - 1).key();
    }

    @Override
    public SortedMap<byte[], KvEntry> subMap(byte[] from, byte[] to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<byte[], KvEntry> headMap(byte[] to) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<byte[], KvEntry> tailMap(byte[] from) {
      throw new UnsupportedOperationException();
    }
  }

  /** The entry of {@code key}, or null. O(log n). */
  KvEntry get(byte[] key) {
    return map.get(key);
  }

  /** This version with {@code e} stored under its key. O(log n). */
  KeySpace plus(KvEntry e) {
    return new KeySpace(map.plus(e.key(), e));
  }

  /** This version without {@code key}. O(log n). */
  KeySpace minus(byte[] key) {
    return new KeySpace(map.minus(key));
  }

  int size() {
    return map.size();
  }

  /** The last key, or null when empty. */
  byte[] lastKey() {
    return map.isEmpty() ? null : map.lastKey();
  }

  /** Every entry in key order. */
  Iterator<KvEntry> iterator() {
    return map.values().iterator();
  }

  /** The entries of {@code range}, in key order; O(log n) to select, O(1) for its size. */
  TreePMap<byte[], KvEntry> select(KeyRange range) {
    if (range.isEmpty()) {
      return TreePMap.empty(ORDER);
    }
    if (range.end().length == 0) {
      return map.tailMap(range.start(), true);
    }
    return map.subMap(range.start(), true, range.end(), false);
  }

  /**
   * Reads {@code range} in key order, stopping at {@code limit} entries ({@code limit <= 0}: no
   * limit; a negative limit is an unsigned 64-bit limit beyond any real count) or before the
   * entry that would take the result past {@code maxBytes} ({@link KvLimits#entryBytes}), whichever
   * comes first, but always returning at least one entry if there is one. Values are empty if
   * {@code keysOnly}; no entries at all if {@code countOnly}. {@code count} is the number of keys in
   * the range, whatever was returned; {@code more} says whether entries were left out. Only the
   * returned entries are visited: the cost is O(log n + returned).
   */
  RangeResult range(KeyRange range, long limit, boolean keysOnly, boolean countOnly,
      long maxBytes) {
    TreePMap<byte[], KvEntry> selected = select(range);
    int count = selected.size();
    if (countOnly) {
      return new RangeResult(List.of(), false, count);
    }
    List<KvEntry> out = new ArrayList<>();
    long bytes = 0;
    for (KvEntry e : selected.values()) {
      if (limit > 0 && out.size() >= limit) {
        break;
      }
      KvEntry kv = keysOnly ? e.withoutValue() : e;
      bytes += KvLimits.entryBytes(kv);
      if (bytes > maxBytes && !out.isEmpty()) {
        break;
      }
      out.add(kv);
    }
    return new RangeResult(out, count > out.size(), count);
  }

  /** {@link #get} as an Optional. */
  Optional<KvEntry> find(byte[] key) {
    return Optional.ofNullable(map.get(key));
  }
}
