package io.lattice.format;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The start of a snapshot file ({@code snapshots/snap-<term>-<index>.snap}): file header, then
 *
 * <pre>
 *   metaLength   u32   bytes of the fields up to and including dataCrc
 *   lastIndex    u64   the snapshot covers every entry up to here
 *   lastTerm     u64   the term of that entry
 *   membership   u32 length + {@link MembershipCodec} bytes: the configuration at lastIndex
 *   dataLength   u64   bytes of state-machine data that follow the header
 *   dataCrc      u32   CRC32C of those bytes
 *   metaCrc      u32   CRC32C of metaLength .. dataCrc
 * </pre>
 *
 * The data (MessagePack, see {@link SnapshotDataWriter}) follows immediately.
 */
public record SnapshotHeader(long lastIndex, long lastTerm, byte[] membership, long dataLength,
    int dataCrc) {

  /** Largest header accepted: a membership of thousands of members still fits easily. */
  public static final int MAX_META = 1 << 20;

  /** Bytes {@link #encode()} produces. */
  public int encodedSize() {
    return FileHeader.SIZE + 4 + metaLength() + 4;
  }

  private int metaLength() {
    return 8 + 8 + 4 + membership.length + 8 + 4;
  }

  public byte[] encode() {
    ByteBuffer buf = ByteBuffer.allocate(encodedSize());
    FileHeader.current(FileKind.SNAPSHOT).writeTo(buf);
    buf.putInt(metaLength());
    buf.putLong(lastIndex);
    buf.putLong(lastTerm);
    buf.putInt(membership.length);
    buf.put(membership);
    buf.putLong(dataLength);
    buf.putInt(dataCrc);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), FileHeader.SIZE, buf.position() - FileHeader.SIZE);
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /**
   * Reads a header from the start of {@code buf} (which must hold at least the whole header; use
   * {@link #requiredBytes} to learn how much that is).
   *
   * @throws FormatException if the header is not intact
   */
  public static SnapshotHeader decode(ByteBuffer buf) throws FormatException {
    int start = buf.position();
    FileHeader.read(buf, FileKind.SNAPSHOT);
    try {
      int metaLength = buf.getInt();
      if (metaLength < 32 || metaLength > MAX_META) {
        throw new FormatException("impossible snapshot header length " + metaLength, FileHeader.SIZE);
      }
      if (buf.remaining() < metaLength + 4) {
        throw new FormatException("snapshot header is truncated", buf.limit() - start);
      }
      long lastIndex = buf.getLong();
      long lastTerm = buf.getLong();
      int memLen = buf.getInt();
      if (memLen < 0 || memLen != metaLength - 32) {
        throw new FormatException("membership length " + memLen + " does not fit the header",
            FileHeader.SIZE + 20);
      }
      byte[] membership = new byte[memLen];
      buf.get(membership);
      long dataLength = buf.getLong();
      int dataCrc = buf.getInt();
      int stored = buf.getInt();
      CRC32C crc = new CRC32C();
      ByteBuffer meta = buf.duplicate().position(start + FileHeader.SIZE)
          .limit(start + FileHeader.SIZE + 4 + metaLength);
      crc.update(meta);
      if ((int) crc.getValue() != stored) {
        throw new FormatException("snapshot header checksum mismatch", FileHeader.SIZE);
      }
      if (lastIndex < 0 || lastTerm < 0 || dataLength < 0) {
        throw new FormatException("negative index, term or data length", FileHeader.SIZE + 4);
      }
      return new SnapshotHeader(lastIndex, lastTerm, membership, dataLength, dataCrc);
    } catch (BufferUnderflowException e) {
      throw new FormatException("snapshot header is truncated", buf.limit() - start);
    }
  }

  /** How many bytes from the file's start the header occupies, read from its first 12 bytes. */
  public static int requiredBytes(ByteBuffer first12) throws FormatException {
    if (first12.remaining() < FileHeader.SIZE + 4) {
      throw new FormatException("snapshot file is shorter than its header", first12.remaining());
    }
    int metaLength = first12.getInt(first12.position() + FileHeader.SIZE);
    if (metaLength < 32 || metaLength > MAX_META) {
      throw new FormatException("impossible snapshot header length " + metaLength, FileHeader.SIZE);
    }
    return FileHeader.SIZE + 4 + metaLength + 4;
  }
}
