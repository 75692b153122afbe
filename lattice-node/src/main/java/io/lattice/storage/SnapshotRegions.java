package io.lattice.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Read-only access to ranges of one snapshot's data, mapped from its file instead of read into the
 * heap, for a state machine that keeps large values where they lie ({@link
 * SnapshotStore.Source#openRegions()}).
 *
 * <p>Contract: a region returned by {@link #map} holds exactly the bytes of the data at that range
 * and stays valid, unchanged, for as long as the buffer (or any buffer made from it) is reachable,
 * after this object is closed and after the file is pruned (snapshot files are never modified once
 * written; a deleted file's pages stay readable while mapped). The bytes are those of the file:
 * they are the verified data only once the stream they were read from passed its checksum. Not
 * thread-safe: one restore maps its regions, in any order, from one thread.
 */
public interface SnapshotRegions extends Closeable {
  /**
   * The {@code length} bytes at {@code offset} from the data's first byte, as a read-only buffer
   * (position 0, limit {@code length}).
   *
   * @throws IOException if the range is outside the data or cannot be mapped
   */
  ByteBuffer map(long offset, int length) throws IOException;

  /** Releases what was needed to map more regions; the regions already mapped stay valid. */
  @Override
  void close() throws IOException;
}
