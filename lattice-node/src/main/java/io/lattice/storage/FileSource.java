package io.lattice.storage;

import io.lattice.format.FormatException;
import io.lattice.format.SnapshotHeader;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A snapshot file of {@link FileSnapshotStore} as a {@link SnapshotStore.Source}: its header,
 * read and verified when this is made, and the position of its data, read only by {@link
 * #openData()}. The file may be pruned while a stream over it is open; on POSIX systems the open
 * stream still reads it to the end.
 */
record FileSource(Path file, SnapshotMeta meta, long dataOffset, long dataLength, int dataCrc)
    implements SnapshotStore.Source {

  /**
   * Reads the header of {@code file}.
   *
   * @throws CorruptStorageException if the header does not verify or the file is shorter than it
   *     says
   */
  static FileSource open(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      try {
        ByteBuffer first = ByteBuffer.allocate(16);
        readFully(ch, first, 0);
        first.flip();
        int size = SnapshotHeader.requiredBytes(first);
        ByteBuffer header = ByteBuffer.allocate(size);
        readFully(ch, header, 0);
        header.flip();
        SnapshotHeader h = SnapshotHeader.decode(header);
        if (ch.size() - size != h.dataLength()) {
          throw new FormatException("snapshot data is " + (ch.size() - size)
              + " bytes, the header says " + h.dataLength(), size);
        }
        Membership membership;
        try {
          membership = Membership.decode(h.membership());
        } catch (IllegalArgumentException e) {
          throw new FormatException("snapshot membership: " + e.getMessage(), 28);
        }
        return new FileSource(file, new SnapshotMeta(h.lastIndex(), h.lastTerm(), membership),
            size, h.dataLength(), h.dataCrc());
      } catch (FormatException e) {
        throw new CorruptStorageException(file, Math.max(0, e.offset()),
            "damaged snapshot: " + e.getMessage(),
            "An older snapshot (or the leader) will be used instead; delete the file to silence this.");
      }
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException,
      FormatException {
    long pos = at;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new FormatException("snapshot file is shorter than its header", (int) pos);
      }
      pos += n;
    }
  }

  @Override
  public java.util.Optional<SnapshotRegions> openRegions() throws IOException {
    return java.util.Optional.of(MappedFileRegions.open(file, dataOffset, dataLength));
  }

  @Override
  public InputStream openData() throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      ch.position(dataOffset);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return Channels.newInputStream(ch);
  }
}
