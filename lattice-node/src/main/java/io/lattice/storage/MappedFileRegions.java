package io.lattice.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link SnapshotRegions} over the data of a snapshot file: the file is mapped read-only in
 * windows of {@value #WINDOW_BYTES} bytes (or one region's length, when larger), each opened when a
 * region falls outside the current one, and every region is a slice of its window. A slice keeps
 * its window mapped, so a window is unmapped (by the garbage collector) only once no region of it
 * is reachable. Regions asked for in ascending order, as a restore reads them, cost one mapping per
 * window; any order works.
 */
final class MappedFileRegions implements SnapshotRegions {
  /** Large enough that a 1 GiB state is a handful of mappings, small enough to map anywhere. */
  static final long WINDOW_BYTES = 64L << 20;

  private final FileChannel channel;
  private final long dataOffset;
  private final long dataLength;
  private MappedByteBuffer window;
  /** The data range {@link #window} covers: [windowStart, windowEnd). */
  private long windowStart;
  private long windowEnd;

  private MappedFileRegions(FileChannel channel, long dataOffset, long dataLength) {
    this.channel = channel;
    this.dataOffset = dataOffset;
    this.dataLength = dataLength;
  }

  /** Opens {@code file} whose data is the {@code dataLength} bytes from {@code dataOffset}. */
  static MappedFileRegions open(Path file, long dataOffset, long dataLength) throws IOException {
    return new MappedFileRegions(FileChannel.open(file, StandardOpenOption.READ), dataOffset,
        dataLength);
  }

  @Override
  public ByteBuffer map(long offset, int length) throws IOException {
    if (offset < 0 || length < 0 || offset > dataLength - length) {
      throw new IOException("region [" + offset + ", +" + length + ") is outside the "
          + dataLength + " bytes of snapshot data");
    }
    if (window == null || offset < windowStart || offset + length > windowEnd) {
      long size = Math.min(Math.max(WINDOW_BYTES, length), dataLength - offset);
      window = channel.map(FileChannel.MapMode.READ_ONLY, dataOffset + offset, size);
      windowStart = offset;
      windowEnd = offset + size;
    }
    return window.slice((int) (offset - windowStart), length);
  }

  @Override
  public void close() throws IOException {
    window = null;
    channel.close(); // mappings outlive the channel
  }
}
