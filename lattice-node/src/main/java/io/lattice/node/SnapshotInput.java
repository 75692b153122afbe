package io.lattice.node;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.function.BooleanSupplier;
import java.util.zip.Checksum;

/**
 * The data of a snapshot as a state machine's restore reads it: exactly {@code length} bytes of the
 * underlying stream (it ends there, whatever follows), each counted into a checksum as it passes,
 * and a restore that was cancelled stops at its next read ({@link InterruptedIOException}) instead
 * of reading on. {@link #finish()} reads what the decoder left and checks that the data was as long
 * as it should be, so that the checksum covers all of it. Not thread-safe (one reader).
 */
final class SnapshotInput extends InputStream {
  private final InputStream in;
  private final long length;
  private final BooleanSupplier cancelled;
  private final Checksum checksum;
  private long read;

  /**
   * Prepares the restore of {@code stateMachine} from the snapshot {@code source} of a store,
   * streaming its data and checking its length and CRC-32C as it goes: a mismatch, a short file or
   * a malformed snapshot throws, and nothing is in place (the caller installs the result). When the
   * source is a file, the state machine is also given its {@linkplain
   * io.lattice.storage.SnapshotRegions regions} to map large values from.
   *
   * @throws IOException if the data cannot be read or is damaged, or {@code cancelled} turned true
   *     ({@link InterruptedIOException})
   * @throws IllegalArgumentException if the snapshot is malformed
   */
  static StateMachine.Restoration prepare(StateMachine stateMachine,
      io.lattice.storage.SnapshotStore.Source source, BooleanSupplier cancelled)
      throws IOException {
    long length = source.dataLength();
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    StateMachine.Restoration r;
    java.util.Optional<io.lattice.storage.SnapshotRegions> regions = source.openRegions();
    try (SnapshotInput in = new SnapshotInput(source.openData(), length, cancelled, crc)) {
      r = regions.isPresent()
          ? stateMachine.prepareRestore(in, length, regions.get())
          : stateMachine.prepareRestore(in, length);
      in.finish(); // what the decoder left unread still counts for the checksum and the length
    } finally {
      if (regions.isPresent()) {
        regions.get().close();
      }
    }
    if ((int) crc.getValue() != source.dataCrc()) {
      throw new IOException("snapshot " + source.meta().index() + " does not match its CRC-32C:"
          + " it changed on disk after it was written");
    }
    return r;
  }

  /**
   * @param checksum updated with every byte read; null: none
   */
  SnapshotInput(InputStream in, long length, BooleanSupplier cancelled, Checksum checksum) {
    this.in = in;
    this.length = length;
    this.cancelled = cancelled;
    this.checksum = checksum;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (cancelled.getAsBoolean()) {
      throw new InterruptedIOException("the restore was cancelled: a newer snapshot replaced it");
    }
    if (len == 0) {
      return 0;
    }
    long left = length - read;
    if (left <= 0) {
      return -1;
    }
    int n = in.read(b, off, (int) Math.min(len, left));
    if (n > 0) {
      read += n;
      if (checksum != null) {
        checksum.update(b, off, n);
      }
    }
    return n;
  }

  @Override
  public int available() throws IOException {
    return (int) Math.min(in.available(), length - read);
  }

  /**
   * Reads to the end of the data (what the decoder left unread after the snapshot's end marker).
   *
   * @throws EOFException if the underlying stream ended before {@code length} bytes
   */
  void finish() throws IOException {
    byte[] buf = new byte[8192];
    while (read(buf, 0, buf.length) > 0) {
      // counted and checksummed by read
    }
    if (read < length) {
      throw new EOFException("the snapshot data ends after " + read + " of its " + length
          + " bytes");
    }
  }

  /** Bytes read so far. */
  long bytesRead() {
    return read;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
