package io.lattice.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A backup file ({@code lattice snapshot save FILE}): a header saying where it comes from, then one
 * snapshot file exactly as the leader holds it ({@link SnapshotHeader} and its data).
 *
 * <pre>
 *   file header        {@link FileKind#BACKUP}
 *   metaLength   u32   bytes from clusterId to snapshotCrc
 *   clusterId    u16 length + UTF-8
 *   memberId     u16 length + UTF-8   the member (leader) it was taken from
 *   createdMillis u64                 when it was saved (milliseconds since the epoch)
 *   version      u16 length + UTF-8   the server's version
 *   snapshotLength u64                bytes of the snapshot file that follow
 *   snapshotCrc  u32                  CRC-32C of those bytes
 *   metaCrc      u32                  CRC-32C of metaLength .. snapshotCrc
 *   snapshot file                     {@link SnapshotHeader}, then its data
 * </pre>
 *
 * The snapshot inside carries index, term and membership with checksums of its own, so a backup is
 * checked twice over: the whole by {@code snapshotCrc}, the state by the snapshot's data CRC.
 */
public final class BackupFile {
  private static final int MAX_META = 1 << 16;

  private BackupFile() {}

  /** Where a backup comes from and what it holds (its header, and the snapshot's header). */
  public record Meta(String clusterId, String memberId, long createdMillis, String version,
      long snapshotLength, int snapshotCrc) {
    /** The header's bytes. */
    public byte[] encode() {
      byte[] c = clusterId.getBytes(StandardCharsets.UTF_8);
      byte[] m = memberId.getBytes(StandardCharsets.UTF_8);
      byte[] v = version.getBytes(StandardCharsets.UTF_8);
      int metaLength = 2 + c.length + 2 + m.length + 8 + 2 + v.length + 8 + 4;
      ByteBuffer buf = ByteBuffer.allocate(FileHeader.SIZE + 4 + metaLength + 4);
      FileHeader.current(FileKind.BACKUP).writeTo(buf);
      buf.putInt(metaLength);
      putString(buf, c);
      putString(buf, m);
      buf.putLong(createdMillis);
      putString(buf, v);
      buf.putLong(snapshotLength);
      buf.putInt(snapshotCrc);
      CRC32C crc = new CRC32C();
      crc.update(buf.array(), FileHeader.SIZE, buf.position() - FileHeader.SIZE);
      buf.putInt((int) crc.getValue());
      return buf.array();
    }

    /** Bytes of the backup file's header: the snapshot file starts here. */
    public int encodedSize() {
      return encode().length;
    }

    private static void putString(ByteBuffer buf, byte[] b) {
      if (b.length > 0xFFFF) {
        throw new IllegalArgumentException("text of " + b.length + " bytes in a backup header");
      }
      buf.putShort((short) b.length);
      buf.put(b);
    }
  }

  /** A backup whose checksums were all verified. */
  public record Verified(Meta meta, SnapshotHeader snapshot, long snapshotOffset) {
    /** Offset in the backup file of the snapshot's data (after its header). */
    public long dataOffset() {
      return snapshotOffset + snapshot.encodedSize();
    }
  }

  /**
   * Reads {@code file}'s headers and checks every byte: the backup's header, the length and
   * CRC-32C of the snapshot inside, the snapshot's own header and its data's CRC-32C.
   *
   * @throws FormatException naming the offset, if anything does not verify
   */
  public static Verified verify(Path file) throws IOException, FormatException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, FileHeader.SIZE + 4 + MAX_META
          + 4L));
      readFully(ch, head, 0);
      head.flip();
      Meta meta = decodeMeta(head, size);
      long snapshotOffset = head.position();
      if (snapshotOffset + meta.snapshotLength() != size) {
        throw new FormatException("the backup is " + size + " bytes, its header promises "
            + (snapshotOffset + meta.snapshotLength()) + " (a copy cut short?)", size);
      }
      ByteBuffer first = ByteBuffer.allocate((int) Math.min(meta.snapshotLength(),
          SnapshotHeader.MAX_META + 64L));
      readFully(ch, first, snapshotOffset);
      first.flip();
      SnapshotHeader snap;
      try {
        snap = SnapshotHeader.decode(first);
      } catch (FormatException e) {
        throw new FormatException("the snapshot inside the backup: " + e.getMessage(),
            snapshotOffset + e.offset());
      }
      long dataOffset = snapshotOffset + snap.encodedSize();
      if (dataOffset + snap.dataLength() != size) {
        throw new FormatException("the snapshot inside the backup declares " + snap.dataLength()
            + " bytes of data, the file holds " + (size - dataOffset), dataOffset);
      }
      CRC32C whole = new CRC32C();
      CRC32C data = new CRC32C();
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      long at = snapshotOffset;
      while (at < size) {
        buf.clear();
        int n = ch.read(buf, at);
        if (n < 0) {
          break;
        }
        whole.update(buf.array(), 0, n);
        long dataFrom = Math.max(at, dataOffset);
        if (dataFrom < at + n) {
          data.update(buf.array(), (int) (dataFrom - at), (int) (at + n - dataFrom));
        }
        at += n;
      }
      if ((int) whole.getValue() != meta.snapshotCrc()) {
        throw new FormatException("the backup's checksum does not match its bytes (CRC-32C): "
            + "the file is damaged", snapshotOffset);
      }
      if ((int) data.getValue() != snap.dataCrc()) {
        throw new FormatException("the snapshot's data does not match its checksum (CRC-32C)",
            dataOffset);
      }
      return new Verified(meta, snap, snapshotOffset);
    }
  }

  /** A stream over the snapshot's data in a verified backup; the caller closes it. */
  public static InputStream openData(Path file, Verified backup) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    ch.position(backup.dataOffset());
    return Channels.newInputStream(ch);
  }

  private static Meta decodeMeta(ByteBuffer buf, long fileSize) throws FormatException {
    FileHeader.read(buf, FileKind.BACKUP);
    try {
      int metaLength = buf.getInt();
      if (metaLength < 0 || metaLength > MAX_META || metaLength > buf.remaining() - 4) {
        throw new FormatException("backup header length " + metaLength + " is out of range",
            FileHeader.SIZE);
      }
      int start = FileHeader.SIZE;
      String cluster = getString(buf);
      String member = getString(buf);
      long created = buf.getLong();
      String version = getString(buf);
      long snapshotLength = buf.getLong();
      int snapshotCrc = buf.getInt();
      if (buf.position() != start + 4 + metaLength) {
        throw new FormatException("backup header fields do not add up to its length", start);
      }
      CRC32C crc = new CRC32C();
      crc.update(buf.array(), start, 4 + metaLength);
      if ((int) crc.getValue() != buf.getInt()) {
        throw new FormatException("backup header checksum mismatch (CRC-32C)", start);
      }
      return new Meta(cluster, member, created, version, snapshotLength, snapshotCrc);
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new FormatException("backup header is cut short (file of " + fileSize + " bytes)",
          buf.position());
    }
  }

  private static String getString(ByteBuffer buf) {
    int n = Short.toUnsignedInt(buf.getShort());
    byte[] b = new byte[n];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, at);
      if (n < 0) {
        return;
      }
      at += n;
    }
  }
}
