package io.lattice.storage;

import io.lattice.raft.SnapshotMeta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Where a snapshot arriving from the leader is written while it arrives, so that the receiver
 * holds one chunk in memory at a time, never the whole snapshot.
 *
 * <p>A transfer is {@link #begin begun} with the data's declared length and CRC-32C, fed its data in
 * order ({@link Incoming#write}), then either {@link Incoming#finish finished}, which verifies
 * length and checksum and makes the data durable as a {@link SnapshotStore.Staged} that the node's
 * store can {@link SnapshotStore#publish publish}, or {@link Incoming#abort aborted}. Until it is
 * published nothing of it is visible to {@link SnapshotStore#latest()}: a broken transfer leaves
 * nothing that could be taken for a snapshot, and a new one starts from the beginning.
 */
@FunctionalInterface
public interface SnapshotReceiver {
  /**
   * Starts receiving the data of snapshot {@code meta}.
   *
   * @param dataLength the data's declared length in bytes
   * @param dataCrc the CRC-32C of the data, checked by {@link Incoming#finish}
   */
  Incoming begin(SnapshotMeta meta, long dataLength, int dataCrc) throws IOException;

  /** One transfer in progress. Used by one thread at a time. */
  interface Incoming {
    /**
     * Appends the next bytes of the data.
     *
     * @throws IllegalArgumentException if they would pass the declared length (the transfer is
     *     then aborted)
     */
    void write(ByteBuffer chunk) throws IOException;

    /** Bytes written so far. */
    long received();

    /**
     * Verifies that exactly the declared length arrived with the declared checksum and makes the
     * data durable, ready to publish.
     *
     * @throws IllegalArgumentException if the length or checksum does not match (the transfer is
     *     then aborted)
     */
    SnapshotStore.Staged finish() throws IOException;

    /** Forgets the transfer and whatever it wrote. Idempotent; never throws. */
    void abort();
  }

  /**
   * A receiver that collects the data in memory (bounded by {@code maxBytes}), for tests and stores
   * without files; what it stages is a {@link SnapshotStore.Buffered}.
   */
  static SnapshotReceiver inMemory(long maxBytes) {
    return (meta, dataLength, dataCrc) -> {
      if (dataLength < 0 || dataLength > Math.min(maxBytes, Integer.MAX_VALUE - 16)) {
        throw new IllegalArgumentException("snapshot of " + dataLength
            + " bytes is too large to receive in memory");
      }
      return new Incoming() {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CRC32C crc = new CRC32C();

        @Override
        public void write(ByteBuffer chunk) {
          if (out.size() + (long) chunk.remaining() > dataLength) {
            throw new IllegalArgumentException("snapshot data passes its declared length "
                + dataLength);
          }
          byte[] b = new byte[chunk.remaining()];
          chunk.get(b);
          crc.update(b);
          out.write(b, 0, b.length);
        }

        @Override
        public long received() {
          return out.size();
        }

        @Override
        public SnapshotStore.Staged finish() {
          IncomingSnapshotFile.verify(out.size(), dataLength, (int) crc.getValue(), dataCrc);
          return new SnapshotStore.Buffered(meta, out.toByteArray());
        }

        @Override
        public void abort() {
          out.reset();
        }
      };
    };
  }
}
