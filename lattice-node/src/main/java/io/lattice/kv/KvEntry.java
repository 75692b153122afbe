package io.lattice.kv;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A key with its value and metadata, as stored by the state machine and returned by reads and
 * results (the {@code KeyValue} message of the API).
 *
 * <p>A value lives in one of two places. Most are an array in the heap. A large value restored from
 * a snapshot file may instead be a read-only region of that file, mapped into memory ({@link
 * #mapped}): the heap then holds only the key and a small buffer object, and the bytes stay in the
 * file (the kernel's page cache), so a follower can restore a state larger than its heap. Both
 * kinds hold the same bytes for every purpose ({@link #equals}, the snapshot encoding, the state
 * hash); only {@link #valueInHeap()} tells them apart.
 *
 * <p>Instances are immutable by contract: the arrays and buffers are shared, never copied, so
 * neither the state machine nor a caller may modify them after construction. A mapped region stays
 * valid for as long as this entry is reachable, whatever becomes of the file's name (snapshot files
 * are never modified once written; on POSIX systems a deleted file's pages stay readable while
 * mapped).
 */
public final class KvEntry {
  private static final byte[] EMPTY = new byte[0];

  private final byte[] key;
  /** The value when it is in the heap; null when {@link #mapped} holds it. */
  private final byte[] value;
  /** The value as a read-only mapped region (position 0, limit = length); null when in the heap. */
  private final ByteBuffer mapped;
  private final long createIndex;
  private final long modIndex;
  private final long version;

  /**
   * @param key the key; never empty
   * @param value the value; may be empty (and is empty in keys-only reads)
   * @param createIndex log index of the entry that created the key
   * @param modIndex log index of the entry that last modified the key
   * @param version modifications since creation: 1 after the creating put
   */
  public KvEntry(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
    this(key, Objects.requireNonNull(value, "value"), null, createIndex, modIndex, version);
  }

  private KvEntry(byte[] key, byte[] value, ByteBuffer mapped, long createIndex, long modIndex,
      long version) {
    this.key = Objects.requireNonNull(key, "key");
    this.value = value;
    this.mapped = mapped;
    this.createIndex = createIndex;
    this.modIndex = modIndex;
    this.version = version;
  }

  /**
   * An entry whose value is the remaining bytes of {@code region}, a read-only mapped region of a
   * file that never changes (the buffer is kept, not copied; its position and limit must not move
   * afterwards).
   */
  public static KvEntry mapped(byte[] key, ByteBuffer region, long createIndex, long modIndex,
      long version) {
    if (!region.isReadOnly()) {
      throw new IllegalArgumentException("a mapped value must be a read-only region");
    }
    return new KvEntry(key, null, region.slice(), createIndex, modIndex, version);
  }

  public byte[] key() {
    return key;
  }

  /**
   * The value's bytes: the array itself for a value in the heap (not a copy: do not modify it), a
   * fresh copy for a mapped value. Prefer {@link #valueBuffer()} and {@link #valueLength()} where
   * a copy is not needed.
   */
  public byte[] value() {
    if (value != null) {
      return value;
    }
    byte[] copy = new byte[mapped.remaining()];
    mapped.duplicate().get(copy);
    return copy;
  }

  /** The value's length in bytes, without reading it. */
  public int valueLength() {
    return value != null ? value.length : mapped.remaining();
  }

  /** The value as a read-only buffer over the same bytes (no copy); a fresh buffer per call. */
  public ByteBuffer valueBuffer() {
    return value != null ? ByteBuffer.wrap(value).asReadOnlyBuffer() : mapped.duplicate();
  }

  /** False when the value is a mapped region of a snapshot file rather than an array. */
  public boolean valueInHeap() {
    return value != null;
  }

  public long createIndex() {
    return createIndex;
  }

  public long modIndex() {
    return modIndex;
  }

  public long version() {
    return version;
  }

  /** This key-value with an empty value (for keys-only reads). */
  public KvEntry withoutValue() {
    return valueLength() == 0 && value != null
        ? this : new KvEntry(key, EMPTY, createIndex, modIndex, version);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KvEntry e && createIndex == e.createIndex && modIndex == e.modIndex
        && version == e.version && Arrays.equals(key, e.key)
        && valueBuffer().equals(e.valueBuffer());
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(key), valueBuffer().hashCode(), createIndex, modIndex,
        version);
  }

  @Override
  public String toString() {
    return "KvEntry[key=" + Bytes.show(key) + ", value="
        + (value != null ? Bytes.show(value) : "(" + mapped.remaining() + " mapped bytes)")
        + ", createIndex=" + createIndex + ", modIndex=" + modIndex + ", version=" + version + "]";
  }
}
