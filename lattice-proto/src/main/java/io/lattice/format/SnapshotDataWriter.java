package io.lattice.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * Writes the state-machine part of a snapshot as a stream of MessagePack arrays, so that a large
 * state never has to be in memory twice:
 *
 * <pre>
 *   [1, appliedIndex, keyCount, sessionCount]                     first: a summary
 *   [2, key, value, createIndex, modIndex, version]               one per key, in key order
 *   [3, sessionId, lastSequence, lastResult, lastActiveMillis]    one per client session
 *   [0]                                                           last: the end marker
 * </pre>
 *
 * A stream without the end marker is truncated, never a valid empty tail. Session ids are numbers
 * (the log index of the session's registration, see {@link Session}); streams written before
 * sessions were registered had string ids there and are not readable.
 */
public final class SnapshotDataWriter implements AutoCloseable {
  static final int TAG_END = 0;
  static final int TAG_SUMMARY = 1;
  static final int TAG_KV = 2;
  static final int TAG_SESSION = 3;

  private static final int COPY_CHUNK = 64 << 10;

  private final MessagePacker packer;
  /** Reused to copy values that are not arrays; made on first use. */
  private byte[] scratch;

  public SnapshotDataWriter(OutputStream out, long appliedIndex, long keyCount, long sessionCount)
      throws IOException {
    this.packer = MessagePack.newDefaultPacker(out);
    packer.packArrayHeader(4);
    packer.packInt(TAG_SUMMARY);
    packer.packLong(appliedIndex);
    packer.packLong(keyCount);
    packer.packLong(sessionCount);
  }

  public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version)
      throws IOException {
    packer.packArrayHeader(6);
    packer.packInt(TAG_KV);
    packer.packBinaryHeader(key.length);
    packer.writePayload(key);
    packer.packBinaryHeader(value.length);
    packer.writePayload(value);
    packer.packLong(createIndex);
    packer.packLong(modIndex);
    packer.packLong(version);
  }

  /**
   * As {@link #key(byte[], byte[], long, long, long)}, the value read from {@code value}'s
   * remaining bytes (its position does not move): the same bytes on the stream, copied through a
   * small buffer, for values that are not in the heap (a mapped file region).
   */
  public void key(byte[] key, ByteBuffer value, long createIndex, long modIndex, long version)
      throws IOException {
    packer.packArrayHeader(6);
    packer.packInt(TAG_KV);
    packer.packBinaryHeader(key.length);
    packer.writePayload(key);
    ByteBuffer v = value.duplicate();
    packer.packBinaryHeader(v.remaining());
    if (scratch == null) {
      scratch = new byte[COPY_CHUNK];
    }
    while (v.hasRemaining()) {
      int n = Math.min(v.remaining(), scratch.length);
      v.get(scratch, 0, n);
      packer.writePayload(scratch, 0, n);
    }
    packer.packLong(createIndex);
    packer.packLong(modIndex);
    packer.packLong(version);
  }

  public void session(long sessionId, long lastSequence, byte[] lastResult, long lastActiveMillis)
      throws IOException {
    packer.packArrayHeader(5);
    packer.packInt(TAG_SESSION);
    packer.packLong(sessionId);
    packer.packLong(lastSequence);
    packer.packBinaryHeader(lastResult.length);
    packer.writePayload(lastResult);
    packer.packLong(lastActiveMillis);
  }

  /** Writes the end marker and flushes (does not close the underlying stream). */
  public void finish() throws IOException {
    packer.packArrayHeader(1);
    packer.packInt(TAG_END);
    packer.flush();
  }

  @Override
  public void close() throws IOException {
    packer.flush();
  }
}
