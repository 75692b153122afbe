package io.lattice.kv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A key with its value and metadata, as stored by the state machine and returned by reads and
 * results (the {@code KeyValue} message of the API).
 *
 * <p>Instances are immutable by contract: the arrays are shared, never copied, so neither the state
 * machine nor a caller may modify them after construction.
 *
 * @param key the key; never empty
 * @param value the value; may be empty (and is empty in keys-only reads)
 * @param createIndex log index of the entry that created the key
 * @param modIndex log index of the entry that last modified the key
 * @param version modifications since creation: 1 after the creating put
 */
public record KvEntry(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
  private static final byte[] EMPTY = new byte[0];

  public KvEntry {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
  }

  /** This key-value with an empty value (for keys-only reads). */
  public KvEntry withoutValue() {
    return value.length == 0 ? this : new KvEntry(key, EMPTY, createIndex, modIndex, version);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvEntry e && createIndex == e.createIndex && modIndex == e.modIndex
        && version == e.version && Arrays.equals(key, e.key) && Arrays.equals(value, e.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), createIndex, modIndex, version);
  }

  @Override
  public String toString() {
    return "KvEntry[key=" + Bytes.show(key) + ", value=" + Bytes.show(value) + ", createIndex="
        + createIndex + ", modIndex=" + modIndex + ", version=" + version + "]";
  }
}
