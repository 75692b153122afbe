package io.lattice.format;

import java.nio.ByteBuffer;

/** The 8 bytes at the start of every file: magic (4), format version (2), reserved (2). */
public record FileHeader(FileKind kind, int version) {
  public static final int SIZE = 8;

  public static FileHeader current(FileKind kind) {
    return new FileHeader(kind, kind.currentVersion());
  }

  public void writeTo(ByteBuffer buf) {
    buf.putInt(kind.magic());
    buf.putShort((short) version);
    buf.putShort((short) 0);
  }

  public byte[] toBytes() {
    ByteBuffer buf = ByteBuffer.allocate(SIZE);
    writeTo(buf);
    return buf.array();
  }

  /**
   * Reads and checks a header of the {@code expected} kind at the buffer's position.
   *
   * @throws FormatException if the bytes are too few, of another kind, of a newer version, or
   *     the reserved bytes are not zero
   */
  public static FileHeader read(ByteBuffer buf, FileKind expected) throws FormatException {
    if (buf.remaining() < SIZE) {
      throw new FormatException("file is shorter than its " + SIZE + "-byte header", 0);
    }
    int magic = buf.getInt();
    int version = Short.toUnsignedInt(buf.getShort());
    short reserved = buf.getShort();
    FileKind kind = FileKind.ofMagic(magic);
    if (kind != expected) {
      throw new FormatException(String.format("not a %s file (magic 0x%08x%s)", expected, magic,
          kind == null ? "" : ", which is a " + kind + " file"), 0);
    }
    if (version < 1 || version > expected.currentVersion()) {
      throw new FormatException(expected + " format version " + version
          + " is not supported (this build reads up to " + expected.currentVersion() + ")", 4);
    }
    if (reserved != 0) {
      // Written as zero and not covered by any checksum: anything else is damage.
      throw new FormatException(String.format("reserved header bytes are 0x%04x, not zero",
          reserved), 6);
    }
    return new FileHeader(kind, version);
  }
}
