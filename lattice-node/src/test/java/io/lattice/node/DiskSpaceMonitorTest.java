package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.errors.Reason;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.Message;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSpaceReservation;
import io.lattice.storage.SpaceReservation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NO_SPACE alarm and the snapshot back-off, with an injected clock and free-space source. */
class DiskSpaceMonitorTest {
  private static final long MIB = 1 << 20;
  private static final long RESERVE = 64 * MIB;

  private final AtomicLong now = new AtomicLong(1_000);
  private final AtomicLong free = new AtomicLong(10_000 * MIB);
  private final AtomicInteger reads = new AtomicInteger();
  private final DiskSpaceMonitor monitor = new DiskSpaceMonitor("n1", () -> {
    reads.incrementAndGet();
    return free.get();
  }, RESERVE, now::get, NodeMetrics.NONE);

  private void advanceMillis(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void theAlarmIsRaisedBelowTheReserveAndClearsOnlyPastAMargin() {
    assertThat(monitor.noSpace()).isFalse();
    free.set(RESERVE - 1);
    advanceMillis(100);
    assertThat(monitor.noSpace()).isTrue();
    assertThat(monitor.alarms()).extracting(DiskSpaceMonitor.Alarm::type)
        .containsExactly(DiskSpaceMonitor.AlarmType.NO_SPACE);
    free.set(RESERVE + MIB); // back above the reserve, but within the margin: no flapping
    advanceMillis(100);
    assertThat(monitor.noSpace()).isTrue();
    free.set(RESERVE + 4 * MIB);
    advanceMillis(100);
    assertThat(monitor.noSpace()).as("cleared by itself").isFalse();
    assertThat(monitor.alarms()).isEmpty();
  }

  @Test
  void freeSpaceIsReadAtMostEveryHundredMillisecondsOfNodeTime() {
    for (int i = 0; i < 1000; i++) {
      monitor.noSpace();
    }
    assertThat(reads).hasValue(1);
    free.set(0);
    advanceMillis(99);
    assertThat(monitor.noSpace()).as("the last reading stands").isFalse();
    advanceMillis(1);
    assertThat(monitor.noSpace()).isTrue();
    assertThat(reads).hasValue(2);
  }

  @Test
  void underTheAlarmWritesAreRefusedWithNoSpace() {
    monitor.checkWritable();
    free.set(MIB);
    advanceMillis(100);
    assertThatThrownBy(monitor::checkWritable).isInstanceOf(NodeException.class)
        .satisfies(e -> assertThat(((NodeException) e).reason()).isEqualTo(Reason.NO_SPACE))
        .hasMessageContaining("disk of member n1 is full")
        .hasMessageContaining("reserve of 64 MiB");
  }

  @Test
  void underTheAlarmOnlyAppendsThatCarryEntriesAreRefused() {
    Message.AppendRequest withEntries = new Message.AppendRequest("n2", "n1", 3, 5, 3,
        List.of(new Entry(3, 6, EntryType.COMMAND, new byte[] {1})), 5);
    Message.AppendRequest probe = new Message.AppendRequest("n2", "n1", 3, 5, 3, List.of(), 5);
    Message.Heartbeat heartbeat = new Message.Heartbeat("n2", "n1", 3, 5, 0);
    assertThat(monitor.refuses(withEntries)).isFalse();
    free.set(0);
    advanceMillis(100);
    assertThat(monitor.refuses(withEntries)).isTrue();
    assertThat(monitor.refuses(probe)).isFalse();
    assertThat(monitor.refuses(heartbeat)).as("stays in the cluster").isFalse();
  }

  @Test
  void aFailedSnapshotIsRetriedAfterABackOffThatDoublesUpToAMinute() {
    assertThat(monitor.snapshotAllowed()).isTrue();
    IOException enospc = new IOException("No space left on device");
    long[] expected = {1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000};
    for (long delay : expected) {
      monitor.snapshotFailed(42, enospc);
      assertThat(monitor.alarms()).extracting(DiskSpaceMonitor.Alarm::type)
          .contains(DiskSpaceMonitor.AlarmType.SNAPSHOT_FAILED);
      advanceMillis(delay - 1);
      assertThat(monitor.snapshotAllowed()).as("within %d ms", delay).isFalse();
      advanceMillis(1);
      assertThat(monitor.snapshotAllowed()).isTrue();
    }
    monitor.snapshotSucceeded();
    assertThat(monitor.alarms()).isEmpty();
    monitor.snapshotFailed(43, enospc);
    advanceMillis(1_000);
    assertThat(monitor.snapshotAllowed()).as("a success resets the back-off").isTrue();
  }

  @Test
  void aFreeSpaceReadThatFailsKeepsTheLastReading() {
    AtomicLong value = new AtomicLong(MIB);
    AtomicInteger calls = new AtomicInteger();
    DiskSpaceMonitor m = new DiskSpaceMonitor("n1", () -> {
      if (calls.incrementAndGet() > 1) {
        throw new IOException("statvfs failed");
      }
      return value.get();
    }, RESERVE, now::get, NodeMetrics.NONE);
    assertThat(m.noSpace()).isTrue();
    advanceMillis(100);
    assertThat(m.noSpace()).isTrue();
    assertThat(m.freeBytes()).isEqualTo(MIB);
  }

  /** The real file system, except that writes fail with ENOSPC while {@code full}. */
  private static final class FullDiskIo implements FileIo {
    volatile boolean full;
    final AtomicInteger writes = new AtomicInteger();

    @Override
    public void force(java.nio.channels.FileChannel channel, Path file) throws IOException {
      FileIo.SYSTEM.force(channel, file);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      FileIo.SYSTEM.fsyncDirectory(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      FileIo.SYSTEM.rename(from, to);
    }

    @Override
    public int write(java.nio.channels.FileChannel channel, java.nio.ByteBuffer src, long position)
        throws IOException {
      writes.incrementAndGet();
      if (full) {
        throw new IOException("No space left on device");
      }
      return channel.write(src, position);
    }
  }

  @TempDir Path dataDir;
  private final FullDiskIo io = new FullDiskIo();

  private DiskSpaceMonitor withReservation(SpaceReservation r) {
    return new DiskSpaceMonitor("n1", free::get, r, RESERVE, now::get, NodeMetrics.NONE);
  }

  @Test
  void aReleasedReservationRaisesTheAlarmAtOnceAndItClearsOnlyOnceTheReservationIsBack()
      throws IOException {
    FileSpaceReservation r = new FileSpaceReservation(dataDir, io, SpaceReservation.DEFAULT_BYTES);
    DiskSpaceMonitor m = withReservation(r);
    m.checkAtStart(dataDir);
    assertThat(Files.size(r.file())).as("made at start").isEqualTo(SpaceReservation.DEFAULT_BYTES);
    assertThat(m.noSpace()).isFalse();

    io.full = true;
    assertThat(r.release()).isTrue(); // what a hard-state save on a full disk does
    assertThat(m.noSpace()).as("at once, not at the next reading").isTrue();
    assertThat(m.alarms()).singleElement().satisfies(a -> {
      assertThat(a.type()).isEqualTo(DiskSpaceMonitor.AlarmType.NO_SPACE);
      assertThat(a.detail()).contains("space reservation", "term and vote");
    });
    assertThatThrownBy(m::checkWritable).isInstanceOf(NodeException.class)
        .hasMessageContaining("its last free bytes went to saving its term and vote");

    advanceMillis(100);
    assertThat(m.noSpace()).as("free space reads plenty, but the disk takes nothing").isTrue();
    assertThat(Files.exists(r.file())).isFalse();

    io.full = false;
    free.set(RESERVE + 4 * MIB); // past the reserve and margin, but no room for the reservation
    advanceMillis(100);
    int writes = io.writes.get();
    assertThat(m.noSpace()).isTrue();
    assertThat(io.writes.get()).as("not even tried").isEqualTo(writes);

    free.set(10_000 * MIB);
    advanceMillis(100);
    assertThat(m.noSpace()).as("cleared by itself").isFalse();
    assertThat(m.alarms()).isEmpty();
    assertThat(r.held()).isTrue();
    assertThat(Files.size(r.file())).isEqualTo(SpaceReservation.DEFAULT_BYTES);
  }

  @Test
  void aDiskTooFullForTheReservationAtStartStartsUnderTheAlarm() throws IOException {
    io.full = true;
    FileSpaceReservation r = new FileSpaceReservation(dataDir, io, SpaceReservation.DEFAULT_BYTES);
    DiskSpaceMonitor m = withReservation(r);
    m.checkAtStart(dataDir);
    assertThat(m.noSpace()).isTrue();
    assertThat(Files.exists(r.file())).isFalse();
    assertThat(Files.exists(dataDir.resolve(SpaceReservation.FILE_NAME + ".tmp"))).isFalse();
    io.full = false;
    advanceMillis(100);
    assertThat(m.noSpace()).isFalse();
    assertThat(r.held()).isTrue();
  }
}
