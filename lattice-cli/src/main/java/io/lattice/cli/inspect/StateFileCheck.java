package io.lattice.cli.inspect;

import io.lattice.format.FormatException;
import io.lattice.format.HardStateRecord;
import io.lattice.format.MemberRecord;
import io.lattice.format.MembershipCodec;
import io.lattice.format.SnapshotDataReader;
import io.lattice.format.SnapshotHeader;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * {@code --verify} on a data directory checks the files the log depends on, the way the node reads
 * them: the hard state ({@code hardstate}: header, fields, checksum; missing is damage once the
 * member has run) and every snapshot ({@code snapshots/snap-<term>-<index>.snap}: header and its
 * checksum, the name against the header, the membership, the data's length, checksum and
 * structure). Reads only; a snapshot is streamed, never held in memory.
 */
final class StateFileCheck {
  static final String HARD_STATE = "hardstate";
  static final String SNAPSHOT_DIR = "snapshots";
  private static final Pattern SNAPSHOT_NAME =
      Pattern.compile("snap-(\\d{1,18})-(\\d{1,18})\\.snap");

  private StateFileCheck() {}

  /**
   * The hard state first, then the snapshots, newest first.
   *
   * @param hasRun whether the log or a snapshot shows that the member has run (a missing hard
   *     state is then damage: the node refuses to start without it)
   */
  static List<StateFile> check(Path dataDir, boolean hasRun) throws IOException {
    List<StateFile> out = new ArrayList<>();
    List<Path> snapshots = snapshotFiles(dataDir);
    StateFile hs = hardState(dataDir.resolve(HARD_STATE), hasRun || !snapshots.isEmpty());
    if (hs != null) {
      out.add(hs);
    }
    for (Path p : snapshots) {
      try {
        out.add(snapshot(p));
      } catch (NoSuchFileException e) {
        // a running node replaced it with a newer snapshot since the listing
      }
    }
    return out;
  }

  /** Null when there is none and the member has never run (a new member has none yet). */
  static StateFile hardState(Path file, boolean hasRun) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return hasRun ? StateFile.damaged(Verdict.Subject.HARD_STATE, file, -1, "the hard state"
          + " (term and vote) is missing, but the log or a snapshot shows that this member has run")
          : null;
    }
    try {
      HardStateRecord r = HardStateRecord.decode(bytes);
      return StateFile.intact(Verdict.Subject.HARD_STATE, file, "term " + r.term() + ", "
          + (r.votedFor() == null ? "no vote" : "voted for " + SafeText.escape(r.votedFor()))
          + (r.noVoteBelow() > 0 ? ", repaired: does not vote until its log reaches index "
              + r.noVoteBelow() : ""));
    } catch (FormatException e) {
      return StateFile.damaged(Verdict.Subject.HARD_STATE, file, Math.max(0, e.offset()),
          "the hard state (term and vote) is damaged: " + e.getMessage());
    }
  }

  /** The snapshot files by their names, newest (highest index) first. */
  static List<Path> snapshotFiles(Path dataDir) throws IOException {
    Path dir = dataDir.resolve(SNAPSHOT_DIR);
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> SNAPSHOT_NAME.matcher(p.getFileName().toString()).matches())
          .forEach(out::add);
    }
    out.sort(Comparator.comparingLong((Path p) -> nameNumber(p, 2)).reversed());
    return out;
  }

  private static long nameNumber(Path p, int group) {
    Matcher m = SNAPSHOT_NAME.matcher(p.getFileName().toString());
    m.matches();
    return Long.parseLong(m.group(group));
  }

  static StateFile snapshot(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return snapshot(file, ch);
    } catch (FormatException e) {
      return StateFile.damaged(Verdict.Subject.SNAPSHOT, file, Math.max(0, e.offset()),
          "damaged snapshot: " + e.getMessage());
    }
  }

  private static StateFile snapshot(Path file, FileChannel ch) throws IOException,
      FormatException {
    long size = ch.size();
    ByteBuffer first = read(ch, 0, (int) Math.min(size, 12));
    int headerSize = SnapshotHeader.requiredBytes(first);
    if (headerSize > size) {
      throw new FormatException("the " + size + "-byte file ends inside its " + headerSize
          + "-byte header", size);
    }
    SnapshotHeader h = SnapshotHeader.decode(read(ch, 0, headerSize));
    long nameTerm = nameNumber(file, 1);
    long nameIndex = nameNumber(file, 2);
    if (h.lastIndex() != nameIndex || h.lastTerm() != nameTerm) {
      throw new FormatException("the header says index " + h.lastIndex() + ", term "
          + h.lastTerm() + " but the name says index " + nameIndex + ", term " + nameTerm, 12);
    }
    List<MemberRecord> members = MembershipCodec.decode(h.membership());
    long dataLength = size - headerSize;
    if (dataLength != h.dataLength()) {
      throw new FormatException("snapshot data is " + dataLength + " bytes, the header says "
          + h.dataLength(), headerSize);
    }
    CRC32C crc = new CRC32C();
    CheckedInputStream data = new CheckedInputStream(new BufferedInputStream(
        Channels.newInputStream(ch.position(headerSize)), 1 << 16), crc);
    Counter counter = new Counter();
    FormatException structure = null;
    try {
      SnapshotDataReader.read(new FilterInputStream(data) {
        @Override
        public void close() {
          // the checksum is finished below, over every byte of the data
        }
      }, counter);
    } catch (FormatException e) {
      structure = e;
    }
    byte[] rest = new byte[1 << 16];
    long trailing = 0;
    for (int n; (n = data.read(rest)) > 0; ) {
      trailing += n;
    }
    if ((int) crc.getValue() != h.dataCrc()) {
      // The checksum first: damaged bytes are the cause of any structural error they produce.
      throw new FormatException(String.format("snapshot data checksum mismatch (stored %08x,"
          + " computed %08x)", h.dataCrc(), (int) crc.getValue()), headerSize);
    }
    if (structure != null) {
      throw new FormatException("snapshot data: " + structure.getMessage(),
          headerSize + Math.max(0, structure.offset()));
    }
    if (trailing > 0) {
      throw new FormatException(trailing + " bytes after the end of the snapshot data",
          size - trailing);
    }
    return StateFile.intact(Verdict.Subject.SNAPSHOT, file, "index " + h.lastIndex() + ", term "
        + h.lastTerm() + ", " + members.size() + (members.size() == 1 ? " member, " : " members, ")
        + counter.keys + (counter.keys == 1 ? " key, " : " keys, ") + size + " bytes");
  }

  private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        break;
      }
    }
    return b.flip();
  }

  /** Counts what a snapshot holds; the values themselves are skipped. */
  private static final class Counter implements SnapshotDataReader.Visitor {
    long keys;

    @Override
    public void summary(long appliedIndex, long keyCount, long sessionCount) {}

    @Override
    public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
      keys++;
    }

    @Override
    public void session(long sessionId, long lastSequence, byte[] lastResult,
        long lastActiveMillis) {}
  }
}
