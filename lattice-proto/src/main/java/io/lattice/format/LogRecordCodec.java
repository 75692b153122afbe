package io.lattice.format;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The framing of one log record:
 *
 * <pre>
 *   length  u32   bytes after the checksum: 17 + payload length
 *   crc32c  u32   CRC32C of the length field and everything after the checksum
 *   kind    u8
 *   term    u64
 *   index   u64
 *   payload length − 17 bytes
 * </pre>
 *
 * All integers are big-endian. The checksum covers the length too, so a damaged length is caught
 * whenever the record it claims is complete.
 */
public final class LogRecordCodec {
  /** Length and checksum. */
  public static final int PREFIX = 8;
  /** Kind, term and index. */
  public static final int BODY_HEADER = 17;
  /** Largest record body accepted; anything larger is damage, not data. */
  public static final int MAX_BODY = 64 << 20;

  private LogRecordCodec() {}

  /** Bytes the framed record takes in a file. */
  public static int framedSize(int payloadLength) {
    return PREFIX + BODY_HEADER + payloadLength;
  }

  /** Appends the framed record at the buffer's position. */
  public static void write(ByteBuffer buf, int kind, long term, long index, byte[] payload) {
    int length = BODY_HEADER + payload.length;
    int start = buf.position();
    buf.putInt(length);
    buf.putInt(0); // checksum placeholder
    buf.put((byte) kind);
    buf.putLong(term);
    buf.putLong(index);
    buf.put(payload);
    buf.putInt(start + 4, checksum(buf, start, length));
  }

  public static void write(ByteBuffer buf, LogRecord r) {
    write(buf, r.kind(), r.term(), r.index(), r.payload());
  }

  /**
   * Reads and verifies one framed record at the buffer's position, advancing past it.
   *
   * @throws FormatException if the frame is incomplete, impossible or fails its checksum
   */
  public static LogRecord read(ByteBuffer buf) throws FormatException {
    int start = buf.position();
    if (buf.remaining() < PREFIX) {
      throw new FormatException("incomplete record header", start);
    }
    int length = buf.getInt(start);
    int stored = buf.getInt(start + 4);
    if (length < BODY_HEADER || length > MAX_BODY) {
      throw new FormatException("impossible record length " + Integer.toUnsignedString(length), start);
    }
    if (buf.remaining() < PREFIX + length) {
      throw new FormatException("incomplete record", start);
    }
    if (checksum(buf, start, length) != stored) {
      throw new FormatException("record checksum mismatch", start);
    }
    int kind = Byte.toUnsignedInt(buf.get(start + PREFIX));
    long term = buf.getLong(start + PREFIX + 1);
    long index = buf.getLong(start + PREFIX + 9);
    byte[] payload = new byte[length - BODY_HEADER];
    buf.get(start + PREFIX + BODY_HEADER, payload);
    buf.position(start + PREFIX + length);
    return new LogRecord(kind, term, index, payload);
  }

  /** CRC32C over the length field (at {@code start}) and the {@code length} body bytes. */
  static int checksum(ByteBuffer buf, int start, int length) {
    CRC32C crc = new CRC32C();
    crc.update(buf.duplicate().position(start).limit(start + 4));
    crc.update(buf.duplicate().position(start + PREFIX).limit(start + PREFIX + length));
    return (int) crc.getValue();
  }
}
