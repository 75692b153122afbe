package io.lattice.format;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The hard-state file ({@code data/hardstate}): header, then
 *
 * <pre>
 *   term          u64
 *   noVoteBelow   u64   last index held before a repair; 0 = no repair pending
 *   votedFor      u16 length + UTF-8 bytes (length 0 = no vote)
 *   crc32c        u32   of the three fields above
 * </pre>
 *
 * The file is replaced atomically as a whole (temp file, fsync, rename, fsync directory).
 */
public record HardStateRecord(long term, String votedFor, long noVoteBelow) {
  public byte[] encode() {
    byte[] vote = votedFor == null ? new byte[0] : votedFor.getBytes(StandardCharsets.UTF_8);
    if (vote.length > 0xFFFF) {
      throw new IllegalArgumentException("votedFor is " + vote.length + " bytes; at most 65535 fit");
    }
    ByteBuffer buf = ByteBuffer.allocate(FileHeader.SIZE + 8 + 8 + 2 + vote.length + 4);
    FileHeader.current(FileKind.HARD_STATE).writeTo(buf);
    buf.putLong(term);
    buf.putLong(noVoteBelow);
    buf.putShort((short) vote.length);
    buf.put(vote);
    CRC32C crc = new CRC32C();
    crc.update(buf.array(), FileHeader.SIZE, buf.position() - FileHeader.SIZE);
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /** @throws FormatException if the bytes are not an intact hard-state file */
  public static HardStateRecord decode(byte[] bytes) throws FormatException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    FileHeader.read(buf, FileKind.HARD_STATE);
    try {
      long term = buf.getLong();
      long noVoteBelow = buf.getLong();
      int len = Short.toUnsignedInt(buf.getShort());
      if (len > buf.remaining()) {
        throw new FormatException("vote length " + len + " exceeds the file", buf.position() - 2);
      }
      byte[] vote = new byte[len];
      buf.get(vote);
      int end = buf.position();
      int stored = buf.getInt();
      if (buf.hasRemaining()) {
        throw new FormatException(buf.remaining() + " unexpected bytes after the checksum", buf.position());
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes, FileHeader.SIZE, end - FileHeader.SIZE);
      if ((int) crc.getValue() != stored) {
        throw new FormatException("hard-state checksum mismatch", end);
      }
      if (term < 0 || noVoteBelow < 0) {
        throw new FormatException("negative term or repair mark", FileHeader.SIZE);
      }
      return new HardStateRecord(term, len == 0 ? null : new String(vote, StandardCharsets.UTF_8),
          noVoteBelow);
    } catch (BufferUnderflowException e) {
      throw new FormatException("hard-state file is truncated (" + bytes.length + " bytes)", bytes.length);
    }
  }
}
