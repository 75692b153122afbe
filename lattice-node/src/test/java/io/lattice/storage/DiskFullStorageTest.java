package io.lattice.storage;

import static io.lattice.storage.StorageFixtures.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.raft.HardState;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk (ENOSPC, injected through {@link FileIo}) leaves the stores clean: no partial
 * snapshot or temp file holding on to space, and a log cut back to its last whole record that
 * reopens with exactly what was durable.
 */
class DiskFullStorageTest {
  private static final String ENOSPC = "No space left on device";
  private static final Membership MEMBERS =
      Membership.ofVoters(List.of(Member.voter("a", "127.0.0.1:7001")));

  @TempDir Path dir;

  /**
   * The real file system, except that writes fail with ENOSPC once {@code room} bytes went; the
   * file {@code givesBack}, once deleted, gives {@code givesBackBytes} of room back.
   */
  private static final class FillingIo implements FileIo {
    long room = Long.MAX_VALUE;
    boolean failRename;
    Path givesBack;
    long givesBackBytes;
    String failForceWith;

    @Override
    public void force(FileChannel channel, Path file) throws IOException {
      if (failForceWith != null) {
        throw new IOException(file + ": " + failForceWith);
      }
      FileIo.SYSTEM.force(channel, file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      FileIo.SYSTEM.fsyncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      if (failRename) {
        throw new IOException(from + ": " + ENOSPC);
      }
      FileIo.SYSTEM.rename(from, to);
    }

    @Override
    public int write(FileChannel channel, ByteBuffer src, long position) throws IOException {
      if (givesBack != null && !Files.exists(givesBack)) {
        room += givesBackBytes;
        givesBack = null;
      }
      if (room <= 0) {
        throw new IOException(ENOSPC);
      }
      // a short write up to the room left, as a file system does before it fails
      int n = (int) Math.min(src.remaining(), room);
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + n);
      int written = channel.write(part, position);
      src.position(src.position() + written);
      room -= written;
      return written;
    }
  }

  @Test
  void isNoSpaceRecognisesTheSystemsMessageAlsoAsACause() {
    assertThat(FreeSpace.isNoSpace(new IOException(ENOSPC))).isTrue();
    assertThat(FreeSpace.isNoSpace(new java.nio.file.FileSystemException("/d/f", null, ENOSPC)))
        .isTrue();
    assertThat(FreeSpace.isNoSpace(new RuntimeException(new IOException("x: " + ENOSPC))))
        .isTrue();
    assertThat(FreeSpace.isNoSpace(new IOException("Input/output error"))).isFalse();
    assertThat(FreeSpace.isNoSpace(null)).isFalse();
  }

  @Test
  void aFailedAppendIsCutBackToTheLastDurableRecordAndTheLogReopensClean() throws IOException {
    FillingIo io = new FillingIo();
    Path file = dir.resolve(SegmentedLogStore.OPEN_SEGMENT);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, io, 1 << 20)) {
      log.append(entries(1, 10, 1, 100));
      log.sync();
      long durable = Files.size(file);
      io.room = 250; // the next batch gets two records and a half in before the disk is full
      assertThatThrownBy(() -> log.append(entries(11, 20, 1, 100)))
          .isInstanceOf(IOException.class).hasMessageContaining(ENOSPC);
      assertThat(Files.size(file)).as("no partial record, the space is back")
          .isEqualTo(durable);
      assertThatThrownBy(log::sync).as("the store still refuses to go on")
          .isInstanceOf(IOException.class);
    }
    try (SegmentedLogStore reopened = SegmentedLogStore.open(dir, FileIo.SYSTEM, 1 << 20)) {
      assertThat(reopened.lastIndex()).isEqualTo(10);
      assertThat(StorageFixtures.readAll(reopened)).isEqualTo(entries(1, 10, 1, 100));
    }
  }

  @Test
  void aFailedStageLeavesNoFileBehind() throws IOException {
    FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    store.save(new SnapshotMeta(5, 1, MEMBERS), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> store.stage(new SnapshotMeta(9, 1, MEMBERS), out -> {
      out.write(new byte[100_000]);
      throw new IOException(ENOSPC); // the file system ran out half way
    })).hasMessageContaining(ENOSPC);
    assertThat(StorageFixtures.fileNames(store.directory()))
        .containsExactly(FileSnapshotStore.fileName(1, 5));
    assertThat(store.latest().orElseThrow().meta().index()).isEqualTo(5);
  }

  @Test
  void aPublishWhoseRenameFailsLeavesNoTempFileAndTheOldSnapshot() throws IOException {
    FillingIo io = new FillingIo();
    FileSnapshotStore store = new FileSnapshotStore(dir, io);
    store.save(new SnapshotMeta(5, 1, MEMBERS), new byte[] {1, 2, 3});
    SnapshotStore.Staged staged = store.stage(new SnapshotMeta(9, 1, MEMBERS),
        out -> out.write(new byte[1000]));
    io.failRename = true;
    assertThatThrownBy(() -> store.publish(staged)).hasMessageContaining(ENOSPC);
    assertThat(StorageFixtures.fileNames(store.directory()))
        .containsExactly(FileSnapshotStore.fileName(1, 5));
  }

  @Test
  void aHardStateSaveThatFailsLeavesTheOldStateAndNoTempFile() throws IOException {
    FillingIo io = new FillingIo();
    FileHardStateStore store = new FileHardStateStore(dir, io);
    store.save(new HardState(3, "a"));
    io.failRename = true;
    assertThatThrownBy(() -> store.save(new HardState(4, "a"))).hasMessageContaining(ENOSPC);
    assertThat(StorageFixtures.fileNames(dir)).containsExactly(FileHardStateStore.FILE_NAME);
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(new HardState(3, "a"));
  }

  /** A reservation in {@link #dir}, made, and registered with {@code io} as what frees room. */
  private FileSpaceReservation reservation(FillingIo io) throws IOException {
    FileSpaceReservation r = new FileSpaceReservation(dir, io, SpaceReservation.DEFAULT_BYTES);
    assertThat(r.ensure()).isTrue();
    io.givesBack = r.file();
    io.givesBackBytes = r.bytes();
    return r;
  }

  @Test
  void aHardStateSaveOnAFullDiskReleasesTheReservationAndIsDurable() throws IOException {
    FillingIo io = new FillingIo();
    FileSpaceReservation reservation = reservation(io);
    FileHardStateStore store = new FileHardStateStore(dir, io, reservation);
    store.save(new HardState(3, "a"));
    io.room = 0; // full to the last byte
    store.save(new HardState(4, "b"));
    assertThat(reservation.held()).isFalse();
    assertThat(StorageFixtures.fileNames(dir)).as("the reservation went, no temp file stayed")
        .containsExactly(FileHardStateStore.FILE_NAME);
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).as("what a restart reads")
        .isEqualTo(new HardState(4, "b"));
    store.save(new HardState(5, "b")); // the freed room serves later saves too
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(new HardState(5, "b"));
  }

  @Test
  void withTheReservationUsedUpASaveOnAFullDiskFailsAndLeavesTheOldState() throws IOException {
    FillingIo io = new FillingIo();
    FileSpaceReservation reservation = reservation(io);
    FileHardStateStore store = new FileHardStateStore(dir, io, reservation);
    io.room = 0;
    store.save(new HardState(4, "a"));
    io.room = 0; // something else took the freed room too
    assertThatThrownBy(() -> store.save(new HardState(5, "a"))).hasMessageContaining(ENOSPC);
    assertThat(StorageFixtures.fileNames(dir)).containsExactly(FileHardStateStore.FILE_NAME);
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(new HardState(4, "a"));
  }

  @Test
  void aFailureOtherThanAFullDiskKeepsTheReservation() throws IOException {
    FillingIo io = new FillingIo();
    FileSpaceReservation reservation = reservation(io);
    FileHardStateStore store = new FileHardStateStore(dir, io, reservation);
    store.save(new HardState(3, "a"));
    io.failForceWith = "Input/output error";
    assertThatThrownBy(() -> store.save(new HardState(4, "a")))
        .hasMessageContaining("Input/output error");
    assertThat(reservation.held()).isTrue();
    assertThat(Files.size(reservation.file())).isEqualTo(SpaceReservation.DEFAULT_BYTES);
    assertThat(new FileHardStateStore(dir, FileIo.SYSTEM).load()).isEqualTo(new HardState(3, "a"));
  }

  @Test
  void theReservationIsRealIncompressibleBytesAndIsNotMadeOnAFullDisk() throws IOException {
    FillingIo io = new FillingIo();
    io.room = 100_000; // room for a part of it only
    FileSpaceReservation r = new FileSpaceReservation(dir, io, SpaceReservation.DEFAULT_BYTES);
    assertThat(r.ensure()).as("no room").isFalse();
    assertThat(r.held()).isFalse();
    assertThat(StorageFixtures.fileNames(dir)).as("the partial file is gone").isEmpty();
    assertThat(r.release()).as("nothing to give").isFalse();

    io.room = Long.MAX_VALUE;
    assertThat(r.ensure()).isTrue();
    assertThat(r.held()).isTrue();
    byte[] content = Files.readAllBytes(r.file());
    assertThat(content).hasSize(SpaceReservation.DEFAULT_BYTES);
    java.util.zip.Deflater deflater = new java.util.zip.Deflater();
    deflater.setInput(content);
    deflater.finish();
    byte[] out = new byte[content.length * 2];
    int compressed = deflater.deflate(out);
    deflater.end();
    assertThat(compressed).as("no file system compresses it away")
        .isGreaterThan(content.length * 9 / 10);
    assertThat(new FileSpaceReservation(dir, io, SpaceReservation.DEFAULT_BYTES).ensure())
        .as("found in place on the next start").isTrue();
    assertThat(r.release()).isTrue();
    assertThat(Files.exists(r.file())).isFalse();
  }
}
