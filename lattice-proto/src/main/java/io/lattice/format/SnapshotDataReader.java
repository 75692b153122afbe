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

    void session(long sessionId, long lastSequence, byte[] lastResult, long lastActiveMillis);
  }

  private static final int MAX_LEN = 64 << 20;

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
          visitor.key(bin(u), bin(u), u.unpackLong(), u.unpackLong(), u.unpackLong());
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
    int len = u.unpackBinaryHeader();
    if (len < 0 || len > MAX_LEN) {
      throw new FormatException("impossible length " + len, u.getTotalReadBytes());
    }
    return u.readPayload(len);
  }
}
