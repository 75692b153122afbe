package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.LogProblem.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Version-2 segments: the scanner tells a torn write (records end after the sync mark) from a cut
 * (records end before it), picks the newer intact of the two slots, and reads version 1 as before.
 */
class SyncMarkScanTest {
  @TempDir Path dir;

  private static List<LogRecord> records(int n) {
    List<LogRecord> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(new LogRecord(LogRecord.KIND_COMMAND, 1, i,
          ("value-" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  /** Record offsets in a version-2 segment of {@code records}, plus the end. */
  private static long[] offsets(List<LogRecord> records) {
    long[] at = new long[records.size() + 1];
    long off = SegmentLayout.V2_RECORDS_START;
    for (int i = 0; i < records.size(); i++) {
      at[i] = off;
      off += LogRecordCodec.framedSize(records.get(i).payload().length);
    }
    at[records.size()] = off;
    return at;
  }

  /** A version-2 segment of {@code records} with {@code marks} in their slots. */
  private static byte[] segment(List<LogRecord> records, SyncMark... marks) {
    long[] at = offsets(records);
    ByteBuffer buf = ByteBuffer.allocate((int) at[records.size()]);
    buf.put(SegmentLayout.newSegment());
    for (LogRecord r : records) {
      LogRecordCodec.write(buf, r);
    }
    for (SyncMark m : marks) {
      buf.put((int) SegmentLayout.slotOffset(m), m.toBytes());
    }
    return buf.array();
  }

  private Fixtures.Scanned scan(byte[] bytes) {
    return Fixtures.scan(Fixtures.write(dir.resolve("raft.log"), bytes));
  }

  @Test
  void aFileThatReachesItsMarkIsClean() {
    List<LogRecord> rs = records(10);
    long[] at = offsets(rs);
    Fixtures.Scanned s = scan(segment(rs, new SyncMark(1, at[10], 10, 10)));
    assertThat(s.scan().clean()).isTrue();
    assertThat(s.scan().records()).isEqualTo(10);
    assertThat(s.scan().recordsStart()).isEqualTo(SegmentLayout.V2_RECORDS_START);
    assertThat(s.scan().syncMark()).isEqualTo(new SyncMark(1, at[10], 10, 10));
  }

  @Test
  void recordsEndingBeforeTheMarkAreACutWithWhatIsLost() {
    List<LogRecord> rs = records(10);
    long[] at = offsets(rs);
    byte[] whole = segment(rs, new SyncMark(1, at[10], 10, 10));
    for (long cut = at[0]; cut < at[10]; cut++) {
      Fixtures.Scanned s = scan(Arrays.copyOf(whole, (int) cut));
      int intact = 0;
      while (at[intact + 1] <= cut) {
        intact++;
      }
      LogProblem p = s.scan().problem();
      assertThat(p.kind()).as("cut at %d", cut).isEqualTo(Kind.CUT);
      assertThat(p.isCorruption()).isTrue();
      assertThat(p.offset()).isEqualTo(at[intact]);
      assertThat(s.scan().validEnd()).isEqualTo(at[intact]);
      assertThat(s.scan().records()).isEqualTo(intact);
      int lost = 10 - intact;
      assertThat(p.detail()).contains(lost + (lost == 1 ? " synced entry (index 10)"
              : " synced entries (indexes " + (intact + 1) + "..10)"))
          .contains((at[10] - at[intact]) + " bytes of synced records are missing");
    }
  }

  @Test
  void aTornTailAfterTheMarkIsStillATornTail() {
    List<LogRecord> rs = records(10);
    long[] at = offsets(rs);
    byte[] whole = segment(rs, new SyncMark(3, at[6], 6, 6)); // 7..10 written after the sync
    for (long cut = at[6] + 1; cut < at[10]; cut++) {
      Fixtures.Scanned s = scan(Arrays.copyOf(whole, (int) cut));
      long end = cut;
      boolean boundary = Arrays.stream(at).anyMatch(o -> o == end);
      if (boundary) {
        assertThat(s.scan().clean()).as("cut at %d", cut).isTrue();
      } else {
        assertThat(s.scan().problem().kind()).as("cut at %d", cut).isEqualTo(Kind.TORN_TAIL);
      }
    }
  }

  @Test
  void theNewerIntactSlotIsTheMarkAndOneTornSlotIsTolerated() {
    List<LogRecord> rs = records(10);
    long[] at = offsets(rs);
    SyncMark older = new SyncMark(4, at[5], 5, 5);
    SyncMark newer = new SyncMark(5, at[10], 10, 10);
    assertThat(scan(segment(rs, older, newer)).scan().syncMark()).isEqualTo(newer);

    byte[] tornNewer = segment(rs, older, newer);
    tornNewer[(int) SegmentLayout.slotOffset(newer) + 12] ^= 0x40; // its write was interrupted
    Fixtures.Scanned s = scan(tornNewer);
    assertThat(s.scan().clean()).isTrue();
    assertThat(s.scan().syncMark()).isEqualTo(older);

    byte[] both = tornNewer.clone();
    both[(int) SegmentLayout.slotOffset(older) + 3] ^= 0x01;
    LogProblem p = scan(both).scan().problem();
    assertThat(p.kind()).isEqualTo(Kind.BAD_HEADER);
    assertThat(p.offset()).isEqualTo(SegmentLayout.SLOTS_START);
  }

  @Test
  void aFileWithEmptySlotsClaimsNothing() {
    List<LogRecord> rs = records(5);
    long[] at = offsets(rs);
    Fixtures.Scanned s = scan(Arrays.copyOf(segment(rs), (int) at[3] + 4));
    assertThat(s.scan().syncMark()).isNull();
    assertThat(s.scan().problem().kind()).isEqualTo(Kind.TORN_TAIL);
  }

  @Test
  void aVersionTwoFileShorterThanItsSlotsIsATornCreation() {
    byte[] fresh = SegmentLayout.newSegment();
    for (int n = FileHeader.SIZE; n < fresh.length; n++) {
      Fixtures.Scanned s = scan(Arrays.copyOf(fresh, n));
      assertThat(s.scan().problem().kind()).isEqualTo(Kind.TORN_TAIL);
      assertThat(s.scan().validEnd()).isZero();
      assertThat(s.scan().formatVersion()).isEqualTo(2);
    }
  }

  @Test
  void aVersionOneFileCutInsideARecordIsATornTailAsBefore() {
    List<LogRecord> rs = records(10);
    byte[] v1 = Fixtures.segment(rs);
    long[] at = Fixtures.offsets(rs);
    Fixtures.Scanned s = scan(Arrays.copyOf(v1, (int) at[5] + 3));
    assertThat(s.scan().formatVersion()).isEqualTo(1);
    assertThat(s.scan().syncMark()).isNull();
    assertThat(s.scan().problem().kind()).isEqualTo(Kind.TORN_TAIL);
    assertThat(s.scan().records()).isEqualTo(5);
  }

  @Test
  void markSlotsRoundTripAndAlternate() {
    SyncMark m = new SyncMark(7, 1234, 99, 42);
    ByteBuffer b = ByteBuffer.wrap(m.toBytes());
    assertThat(SyncMark.stateOf(b, 0)).isEqualTo(SyncMark.SlotState.INTACT);
    assertThat(SyncMark.decode(b, 0)).isEqualTo(m);
    assertThat(SyncMark.stateOf(ByteBuffer.allocate(SyncMark.SLOT_SIZE), 0))
        .isEqualTo(SyncMark.SlotState.EMPTY);
    assertThat(SegmentLayout.slotOffset(m)).isNotEqualTo(
        SegmentLayout.slotOffset(new SyncMark(8, 0, 0, 0)));
  }
}
