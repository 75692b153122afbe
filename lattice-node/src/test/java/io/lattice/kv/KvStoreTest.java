package io.lattice.kv;

import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.kv;
import static io.lattice.kv.Commands.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class KvStoreTest {
  private final KvStore store = new KvStore();

  private List<String> keys(RangeResult r) {
    return r.kvs().stream().map(e -> s(e.key())).collect(Collectors.toList());
  }

  @Test
  void putCreatesAtVersionOneThenIncrementsAndDeleteForgets() {
    assertThat(store.put(b("a"), b("1"), 5)).isEqualTo(kv("a", "1", 5, 5, 1));
    assertThat(store.put(b("a"), b("2"), 7)).isEqualTo(kv("a", "2", 5, 7, 2));
    assertThat(store.remove(b("a"))).isEqualTo(kv("a", "2", 5, 7, 2));
    assertThat(store.get(b("a"))).isNull();
    assertThat(store.remove(b("a"))).isNull();
    assertThat(store.put(b("a"), b("3"), 9)).isEqualTo(kv("a", "3", 9, 9, 1));
  }

  @Test
  void keysAreOrderedAsUnsignedBytes() {
    store.put(new byte[] {(byte) 0x80}, b("high"), 1);
    store.put(new byte[] {0x7F}, b("low"), 2);
    store.put(new byte[] {0x7F, 0x00}, b("longer"), 3);
    store.put(new byte[] {(byte) 0xFF}, b("top"), 4);
    RangeResult r = store.range(KeyRange.all(), 0, false, false);
    assertThat(r.kvs()).extracting(e -> s(e.value())).containsExactly("low", "longer", "high", "top");
  }

  @Test
  void prefixEndIncrementsTheLastByteBelowFf() {
    assertThat(Bytes.prefixEnd(b("abc"))).isEqualTo(b("abd"));
    assertThat(Bytes.prefixEnd(new byte[] {1, (byte) 0xFF})).isEqualTo(new byte[] {2});
    assertThat(Bytes.prefixEnd(new byte[] {(byte) 0xFF, (byte) 0xFF})).isEmpty();
    assertThat(Bytes.prefixEnd(new byte[0])).isEmpty();
  }

  @Test
  void prefixRangeSelectsExactlyTheKeysWithThePrefix() {
    for (String k : List.of("a", "ab", "ab\u0000", "abc", "abd", "ac", "b")) {
      store.put(b(k), b("v"), 1);
    }
    assertThat(keys(store.range(KeyRange.prefix(b("ab")), 0, false, false)))
        .containsExactly("ab", "ab\u0000", "abc", "abd");
    assertThat(keys(store.range(KeyRange.prefix(b("")), 0, false, false))).hasSize(7);
    assertThat(keys(store.range(KeyRange.prefix(b("zz")), 0, false, false))).isEmpty();
  }

  @Test
  void prefixOfFfBytesIsUnboundedAbove() {
    store.put(new byte[] {(byte) 0xFF}, b("1"), 1);
    store.put(new byte[] {(byte) 0xFF, (byte) 0xFF, 3}, b("2"), 1);
    store.put(new byte[] {(byte) 0xFE}, b("3"), 1);
    RangeResult r = store.range(KeyRange.prefix(new byte[] {(byte) 0xFF}), 0, false, false);
    assertThat(r.count()).isEqualTo(2);
  }

  @Test
  void intervalEdges() {
    for (String k : List.of("a", "b", "c", "d")) {
      store.put(b(k), b("v"), 1);
    }
    assertThat(keys(store.range(KeyRange.interval(b("b"), b("d")), 0, false, false)))
        .containsExactly("b", "c");
    assertThat(keys(store.range(KeyRange.interval(b(""), b("c")), 0, false, false)))
        .as("empty start: from the first key").containsExactly("a", "b");
    assertThat(keys(store.range(KeyRange.interval(b("c"), b("")), 0, false, false)))
        .as("empty end: no upper bound").containsExactly("c", "d");
    assertThat(keys(store.range(KeyRange.interval(b(""), b("")), 0, false, false))).hasSize(4);
    assertThat(keys(store.range(KeyRange.interval(b("bb"), b("c\u0000")), 0, false, false)))
        .containsExactly("c");
    assertThat(store.range(KeyRange.interval(b("c"), b("c")), 0, false, false).count())
        .as("start == end").isZero();
    assertThat(store.range(KeyRange.interval(b("d"), b("a")), 0, false, false).count())
        .as("start > end").isZero();
    assertThat(KeyRange.interval(b("d"), b("a")).isEmpty()).isTrue();
  }

  @Test
  void limitKeysOnlyAndCountOnly() {
    for (String k : List.of("a", "b", "c", "d")) {
      store.put(b(k), b("value-" + k), 1);
    }
    RangeResult limited = store.range(KeyRange.all(), 2, false, false);
    assertThat(keys(limited)).containsExactly("a", "b");
    assertThat(limited.more()).isTrue();
    assertThat(limited.count()).isEqualTo(4);

    RangeResult exact = store.range(KeyRange.all(), 4, false, false);
    assertThat(exact.more()).isFalse();
    assertThat(exact.kvs()).hasSize(4);

    RangeResult big = store.range(KeyRange.all(), 100, false, false);
    assertThat(big.more()).isFalse();

    RangeResult unsignedHuge = store.range(KeyRange.all(), -1, false, false);
    assertThat(unsignedHuge.kvs()).hasSize(4);

    RangeResult keysOnly = store.range(KeyRange.all(), 0, true, false);
    assertThat(keysOnly.kvs()).allSatisfy(e -> assertThat(e.value()).isEmpty());
    assertThat(keysOnly.kvs().get(0)).isEqualTo(kv("a", "", 1, 1, 1));

    RangeResult countOnly = store.range(KeyRange.prefix(b("")), 1, false, true);
    assertThat(countOnly.kvs()).isEmpty();
    assertThat(countOnly.count()).isEqualTo(4);
    assertThat(countOnly.more()).isFalse();
  }

  @Test
  void removeRangeReturnsRemovedInOrder() {
    for (String k : List.of("x/1", "x/2", "x0", "y")) {
      store.put(b(k), b("v"), 1);
    }
    assertThat(store.removeRange(KeyRange.prefix(b("x/")))).extracting(e -> s(e.key()))
        .containsExactly("x/1", "x/2");
    assertThat(store.size()).isEqualTo(2);
    assertThat(store.removeRange(KeyRange.interval(b("z"), b("a")))).isEmpty();
  }

  /** A range read agrees with filtering every key by {@link KeyRange#contains}. */
  @Test
  void rangeAgreesWithAFilter() {
    Random seeds = new Random(Long.getLong("lattice.seed.kv", 20261124L));
    for (int t = 0; t < 300; t++) {
      long seed = seeds.nextLong();
      Random r = new Random(seed);
      List<byte[]> keys = new ArrayList<>();
      for (int n = r.nextInt(31); n > 0; n--) {
        keys.add(randomBytes(r, 1, 3));
      }
      rangeAgreesWithAFilter(keys, randomBytes(r, 0, 3), randomBytes(r, 0, 3),
          randomBytes(r, 0, 2), r.nextBoolean(), seed);
    }
  }

  private static byte[] randomBytes(Random r, int min, int max) {
    byte[] b = new byte[min + r.nextInt(max - min + 1)];
    r.nextBytes(b);
    return b;
  }

  private void rangeAgreesWithAFilter(List<byte[]> keys, byte[] start, byte[] end, byte[] prefix,
      boolean usePrefix, long seed) {
    KvStore st = new KvStore();
    for (byte[] k : keys) {
      st.put(k, new byte[0], 1);
    }
    KeyRange range = usePrefix ? KeyRange.prefix(prefix) : KeyRange.interval(start, end);
    List<byte[]> expected = new ArrayList<>();
    for (java.util.Iterator<KvEntry> it = st.iterator(); it.hasNext(); ) {
      byte[] k = it.next().key();
      boolean in = usePrefix ? startsWith(k, prefix) : range.contains(k);
      if (in) {
        expected.add(k);
      }
    }
    RangeResult r = st.range(range, 0, false, false);
    assertThat(r.kvs()).as("case seed %d", seed).extracting(KvEntry::key)
        .containsExactlyElementsOf(expected);
    assertThat(r.count()).as("case seed %d", seed).isEqualTo(expected.size());
  }

  private static boolean startsWith(byte[] k, byte[] prefix) {
    if (k.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (k[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
