package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class HardStateRecordTest {

  private static HardStateRecord roundTrip(HardStateRecord r) throws FormatException {
    return HardStateRecord.decode(r.encode());
  }

  @Test
  void roundTripsTypicalAndExtremeValues() throws FormatException {
    for (HardStateRecord r : new HardStateRecord[] {
        new HardStateRecord(0, null, 0),
        new HardStateRecord(1, "n1", 0),
        new HardStateRecord(7, "node-3.example.com:7000", 42),
        new HardStateRecord(Long.MAX_VALUE, "x", Long.MAX_VALUE),
        new HardStateRecord(3, "節点-1\uD83D\uDE00 Ünïcödé", 0),
    }) {
      assertThat(roundTrip(r)).isEqualTo(r);
    }
  }

  /** An empty vote is stored as length 0, which is "no vote": it reads back as null. */
  @Test
  void emptyVoteReadsBackAsAbsent() throws FormatException {
    assertThat(roundTrip(new HardStateRecord(4, "", 9))).isEqualTo(new HardStateRecord(4, null, 9));
    assertThat(new HardStateRecord(4, "", 9).encode()).isEqualTo(new HardStateRecord(4, null, 9).encode());
  }

  @Test
  void longestVoteRoundTrips() throws FormatException {
    String vote = "v".repeat(0xFFFF);
    assertThat(roundTrip(new HardStateRecord(2, vote, 0)).votedFor()).isEqualTo(vote);
  }

  /** A vote that does not fit the u16 length field cannot be written (it could never be read). */
  @Test
  void voteTooLongForItsLengthFieldIsRefused() {
    HardStateRecord r = new HardStateRecord(2, "v".repeat(0x10000), 0);
    assertThatThrownBy(r::encode).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void layoutMatchesTheDocumentation() {
    byte[] vote = "n2".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new HardStateRecord(5, "n2", 17).encode();
    assertThat(bytes).hasSize(FileHeader.SIZE + 8 + 8 + 2 + vote.length + 4);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    assertThat(Arrays.copyOf(bytes, FileHeader.SIZE)).isEqualTo(FileHeader.current(FileKind.HARD_STATE).toBytes());
    buf.position(FileHeader.SIZE);
    assertThat(buf.getLong()).isEqualTo(5);
    assertThat(buf.getLong()).isEqualTo(17);
    assertThat(buf.getShort()).isEqualTo((short) 2);
    byte[] v = new byte[2];
    buf.get(v);
    assertThat(v).isEqualTo(vote);
    CRC32C crc = new CRC32C();
    crc.update(bytes, FileHeader.SIZE, bytes.length - 4 - FileHeader.SIZE);
    assertThat(buf.getInt()).isEqualTo((int) crc.getValue());
  }

  @Test
  void randomRecordsRoundTrip() throws FormatException {
    Random rnd = new Random(Fixtures.baseSeed());
    for (int i = 0; i < 500; i++) {
      HardStateRecord r = Fixtures.randomHardState(rnd);
      assertThat(roundTrip(r)).as("case %d", i).isEqualTo(r);
    }
  }

  @Test
  void everyTruncationIsRejected() {
    byte[] valid = new HardStateRecord(9, "n3", 4).encode();
    for (int n = 0; n < valid.length; n++) {
      byte[] bytes = Fixtures.truncate(valid, n);
      assertThatThrownBy(() -> HardStateRecord.decode(bytes)).as("truncated to %d", n)
          .isInstanceOf(FormatException.class);
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] valid = new HardStateRecord(9, "n3", 4).encode();
    assertThatThrownBy(() -> HardStateRecord.decode(Arrays.copyOf(valid, valid.length + 1)))
        .isInstanceOf(FormatException.class).hasMessageContaining("unexpected bytes");
  }

  @Test
  void everySingleBitFlipIsRejected() {
    for (HardStateRecord r : new HardStateRecord[] {new HardStateRecord(9, "n3", 4),
        new HardStateRecord(1, null, 0)}) {
      byte[] valid = r.encode();
      for (int at = 0; at < valid.length; at++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] bytes = Fixtures.flipBit(valid, at, bit);
          assertThatThrownBy(() -> HardStateRecord.decode(bytes))
              .as("%s: flip of bit %d of byte %d", r, bit, at)
              .isInstanceOf(FormatException.class);
        }
      }
    }
  }

  @Test
  void negativeFieldsWithAValidChecksumAreRejected() {
    assertThatThrownBy(() -> HardStateRecord.decode(new HardStateRecord(-1, "n1", 0).encode()))
        .isInstanceOf(FormatException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> HardStateRecord.decode(new HardStateRecord(1, "n1", -5).encode()))
        .isInstanceOf(FormatException.class).hasMessageContaining("negative");
  }

  @Test
  void anotherFileKindIsRejected() {
    byte[] bytes = new HardStateRecord(1, "n1", 0).encode();
    System.arraycopy(FileHeader.current(FileKind.SNAPSHOT).toBytes(), 0, bytes, 0, FileHeader.SIZE);
    assertThatThrownBy(() -> HardStateRecord.decode(bytes))
        .isInstanceOf(FormatException.class).hasMessageContaining("not a HARD_STATE file");
  }

  @Test
  void voteLengthBeyondTheFileIsRejectedWithItsOffset() {
    byte[] bytes = new HardStateRecord(1, "n1", 0).encode();
    bytes[FileHeader.SIZE + 16] = (byte) 0x7F; // vote length high byte
    assertThatThrownBy(() -> HardStateRecord.decode(bytes))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("exceeds")
        .satisfies(e -> assertThat(((FormatException) e).offset()).isEqualTo(FileHeader.SIZE + 16));
  }
}
