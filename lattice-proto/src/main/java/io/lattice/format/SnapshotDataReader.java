package io.lattice.format;

import java.io.IOException;
import java.io.InputStream;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;

/** Reads what {@link SnapshotDataWriter} wrote, calling back for every key and session. */
public final class SnapshotDataReader {
  /** Receives the contents of a snapshot in stream order. */
  public interface Visitor {
    void summary(long appliedIndex, long keyCount, long sessionCount);

    void key(byte[] key, byte[] value, long createIndex, long modIndex, long version);

    /**
     * Whether the value about to be read, {@code length} bytes long, should be passed by its
     * position in the stream ({@link #keyAt}) instead of being read into an array: a visitor that
     * can reach the stream's bytes later (a file it maps) saves the copy. The reader then skips
     * the value's bytes (they still pass through the stream, and through its checksum). The
     * default is never.
     */
    default boolean valueByPosition(int length) {
      return false;
    }

    /**
     * A key whose value {@link #valueByPosition} asked for by position: the value is the {@code
     * valueLength} bytes at {@code valueOffset} from the first byte of the stream.
     */
    default void keyAt(byte[] key, long valueOffset, int valueLength, long createIndex,
        long modIndex, long version) {
      throw new UnsupportedOperationException("this visitor takes values as arrays");
    }

    void session(long sessionId, long lastSequence, byte[] lastResult, long lastActiveMillis);
  }

  private static final int MAX_LEN = 64 << 20;
  private static final int SKIP_CHUNK = 64 << 10;

  private SnapshotDataReader() {}

  /**
   * Reads a whole snapshot stream.
   *
   * @throws FormatException if the stream is malformed, truncated or its counts disagree
   * @throws IOException if reading the stream fails
   */
  public static void read(InputStream in, Visitor visitor) throws IOException, FormatException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(in)) {
      if (u.unpackArrayHeader() != 4 || u.unpackInt() != SnapshotDataWriter.TAG_SUMMARY) {
        throw new FormatException("snapshot data does not start with a summary", 0);
      }
      long applied = u.unpackLong();
      long keys = u.unpackLong();
      long sessions = u.unpackLong();
      if (applied < 0 || keys < 0 || sessions < 0) {
        throw new FormatException("negative counts in snapshot summary", 0);
      }
      visitor.summary(applied, keys, sessions);
      long seenKeys = 0;
      byte[] scratch = null;
      long seenSessions = 0;
      while (true) {
        if (!u.hasNext()) {
          throw new FormatException("snapshot data is truncated (no end marker)", u.getTotalReadBytes());
        }
        int n = u.unpackArrayHeader();
        int tag = u.unpackInt();
        if (tag == SnapshotDataWriter.TAG_END && n == 1) {
          break;
        } else if (tag == SnapshotDataWriter.TAG_KV && n == 6) {
          byte[] key = bin(u);
          int len = binHeader(u);
          if (visitor.valueByPosition(len)) {
            long at = u.getTotalReadBytes();
            skip(u, len, scratch == null ? scratch = new byte[SKIP_CHUNK] : scratch);
            visitor.keyAt(key, at, len, u.unpackLong(), u.unpackLong(), u.unpackLong());
          } else {
            visitor.key(key, u.readPayload(len), u.unpackLong(), u.unpackLong(), u.unpackLong());
          }
          seenKeys++;
        } else if (tag == SnapshotDataWriter.TAG_SESSION && n == 5) {
          visitor.session(u.unpackLong(), u.unpackLong(), bin(u), u.unpackLong());
          seenSessions++;
        } else {
          throw new FormatException("unknown snapshot record [" + tag + "] of " + n + " fields",
              u.getTotalReadBytes());
        }
      }
      if (seenKeys != keys || seenSessions != sessions) {
        throw new FormatException("snapshot holds " + seenKeys + " keys and " + seenSessions
            + " sessions, its summary says " + keys + " and " + sessions, u.getTotalReadBytes());
      }
    } catch (MessagePackException e) {
      throw new FormatException("malformed snapshot data: " + e.getMessage(), -1, e);
    }
  }

  private static byte[] bin(MessageUnpacker u) throws IOException, FormatException {
    return u.readPayload(binHeader(u));
  }

  private static int binHeader(MessageUnpacker u) throws IOException, FormatException {
    int len = u.unpackBinaryHeader();
    if (len < 0 || len > MAX_LEN) {
      throw new FormatException("impossible length " + len, u.getTotalReadBytes());
    }
    return len;
  }

  /** Reads past {@code len} payload bytes through {@code scratch}, keeping none of them. */
  private static void skip(MessageUnpacker u, int len, byte[] scratch) throws IOException {
    int left = len;
    while (left > 0) {
      int n = Math.min(left, scratch.length);
      u.readPayload(scratch, 0, n);
      left -= n;
    }
  }
}
