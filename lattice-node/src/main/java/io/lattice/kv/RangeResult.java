package io.lattice.kv;

import java.util.List;

/**
 * The answer to a range read.
 *
 * @param kvs the selected key-values in ascending key order, at most the limit of them; empty for a
 *     count-only read; values are empty for a keys-only read
 * @param more whether more keys are selected than returned (always false for count-only, as etcd)
 * @param count how many keys the range selects, regardless of the limit
 */
public record RangeResult(List<KvEntry> kvs, boolean more, long count) {
  public RangeResult {
    kvs = List.copyOf(kvs);
  }
}
