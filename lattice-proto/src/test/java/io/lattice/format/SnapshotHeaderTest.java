package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class SnapshotHeaderTest {

  private static final byte[] MEMBERSHIP = MembershipCodec.encode(List.of(
      new MemberRecord("n1", "a:1", true, false), new MemberRecord("n2", "b:2", false, true)));

  private static void assertSameHeader(SnapshotHeader actual, SnapshotHeader expected) {
    assertThat(actual.lastIndex()).isEqualTo(expected.lastIndex());
    assertThat(actual.lastTerm()).isEqualTo(expected.lastTerm());
    assertThat(actual.membership()).isEqualTo(expected.membership());
    assertThat(actual.dataLength()).isEqualTo(expected.dataLength());
    assertThat(actual.dataCrc()).isEqualTo(expected.dataCrc());
  }

  @Test
  void roundTripsAndConsumesExactlyTheHeader() throws FormatException {
    SnapshotHeader h = new SnapshotHeader(1234, 7, MEMBERSHIP, 99_999, 0xCAFEBABE);
    byte[] header = h.encode();
    assertThat(header).hasSize(h.encodedSize());
    // The data follows the header in the file: decode must stop exactly where it starts.
    ByteBuffer buf = ByteBuffer.allocate(header.length + 50);
    buf.put(header).put(new byte[50]).flip();
    assertSameHeader(SnapshotHeader.decode(buf), h);
    assertThat(buf.position()).isEqualTo(header.length);
  }

  @Test
  void emptyMembershipAndZeroesRoundTrip() throws FormatException {
    SnapshotHeader h = new SnapshotHeader(0, 0, new byte[0], 0, 0);
    assertThat(h.encodedSize()).isEqualTo(FileHeader.SIZE + 4 + 32 + 4);
    assertSameHeader(SnapshotHeader.decode(ByteBuffer.wrap(h.encode())), h);
  }

  @Test
  void extremeValuesRoundTrip() throws FormatException {
    SnapshotHeader h = new SnapshotHeader(Long.MAX_VALUE, Long.MAX_VALUE, MEMBERSHIP, Long.MAX_VALUE, -1);
    assertSameHeader(SnapshotHeader.decode(ByteBuffer.wrap(h.encode())), h);
  }

  @Test
  void decodesAtANonZeroBufferPosition() throws FormatException {
    SnapshotHeader h = new SnapshotHeader(5, 2, MEMBERSHIP, 10, 3);
    byte[] header = h.encode();
    ByteBuffer buf = ByteBuffer.allocate(header.length + 11);
    buf.position(11);
    buf.put(header).position(11);
    assertSameHeader(SnapshotHeader.decode(buf), h);
    assertThat(buf.position()).isEqualTo(11 + header.length);
  }

  @Test
  void randomHeadersRoundTrip() throws FormatException {
    Random rnd = new Random(Fixtures.baseSeed());
    for (int i = 0; i < 300; i++) {
      SnapshotHeader h = Fixtures.randomSnapshotHeader(rnd);
      byte[] bytes = h.encode();
      assertSameHeader(SnapshotHeader.decode(ByteBuffer.wrap(bytes)), h);
      assertThat(SnapshotHeader.requiredBytes(ByteBuffer.wrap(bytes, 0, 12))).isEqualTo(bytes.length);
    }
  }

  @Test
  void layoutMatchesTheDocumentation() {
    SnapshotHeader h = new SnapshotHeader(1234, 7, MEMBERSHIP, 99_999, 0x0BADF00D);
    byte[] bytes = h.encode();
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    buf.position(FileHeader.SIZE);
    int metaLength = buf.getInt();
    assertThat(metaLength).isEqualTo(32 + MEMBERSHIP.length);
    assertThat(buf.getLong()).isEqualTo(1234);
    assertThat(buf.getLong()).isEqualTo(7);
    assertThat(buf.getInt()).isEqualTo(MEMBERSHIP.length);
    buf.position(buf.position() + MEMBERSHIP.length);
    assertThat(buf.getLong()).isEqualTo(99_999);
    assertThat(buf.getInt()).isEqualTo(0x0BADF00D);
    CRC32C crc = new CRC32C();
    crc.update(bytes, FileHeader.SIZE, 4 + metaLength);
    assertThat(buf.getInt()).isEqualTo((int) crc.getValue());
    assertThat(buf.hasRemaining()).isFalse();
  }

  @Test
  void requiredBytesNeedsTwelveBytesAndASaneLength() {
    byte[] bytes = new SnapshotHeader(1, 1, MEMBERSHIP, 0, 0).encode();
    for (int n = 0; n < 12; n++) {
      ByteBuffer b = ByteBuffer.wrap(bytes, 0, n);
      assertThatThrownBy(() -> SnapshotHeader.requiredBytes(b)).isInstanceOf(FormatException.class);
    }
    for (int bad : new int[] {0, 31, SnapshotHeader.MAX_META + 1, -1, Integer.MIN_VALUE}) {
      byte[] b = bytes.clone();
      ByteBuffer.wrap(b).putInt(FileHeader.SIZE, bad);
      assertThatThrownBy(() -> SnapshotHeader.requiredBytes(ByteBuffer.wrap(b)))
          .isInstanceOf(FormatException.class).hasMessageContaining("impossible");
      assertThatThrownBy(() -> SnapshotHeader.decode(ByteBuffer.wrap(b)))
          .isInstanceOf(FormatException.class).hasMessageContaining("impossible");
    }
  }

  @Test
  void everyTruncationIsRejected() {
    byte[] valid = new SnapshotHeader(1, 1, MEMBERSHIP, 0, 0).encode();
    for (int n = 0; n < valid.length; n++) {
      ByteBuffer b = ByteBuffer.wrap(Fixtures.truncate(valid, n));
      assertThatThrownBy(() -> SnapshotHeader.decode(b)).as("truncated to %d", n)
          .isInstanceOf(FormatException.class);
    }
  }

  @Test
  void everySingleBitFlipIsRejected() {
    byte[] valid = new SnapshotHeader(77, 3, MEMBERSHIP, 4096, 0x12345678).encode();
    for (int at = 0; at < valid.length; at++) {
      for (int bit = 0; bit < 8; bit++) {
        // with data after the header, so that a grown length cannot fail merely for lack of bytes
        byte[] bytes = Arrays.copyOf(Fixtures.flipBit(valid, at, bit), valid.length + 300);
        assertThatThrownBy(() -> SnapshotHeader.decode(ByteBuffer.wrap(bytes)))
            .as("flip of bit %d of byte %d", bit, at)
            .isInstanceOf(FormatException.class);
      }
    }
  }

  @Test
  void membershipLengthThatDisagreesWithTheHeaderLengthIsRejected() {
    byte[] bytes = new SnapshotHeader(1, 1, MEMBERSHIP, 0, 0).encode();
    ByteBuffer.wrap(bytes).putInt(FileHeader.SIZE + 20, MEMBERSHIP.length - 1);
    assertThatThrownBy(() -> SnapshotHeader.decode(ByteBuffer.wrap(bytes)))
        .isInstanceOf(FormatException.class).hasMessageContaining("membership length");
  }

  @Test
  void negativeFieldsWithAValidChecksumAreRejected() {
    for (SnapshotHeader h : new SnapshotHeader[] {new SnapshotHeader(-1, 1, MEMBERSHIP, 0, 0),
        new SnapshotHeader(1, -1, MEMBERSHIP, 0, 0), new SnapshotHeader(1, 1, MEMBERSHIP, -1, 0)}) {
      assertThatThrownBy(() -> SnapshotHeader.decode(ByteBuffer.wrap(h.encode())))
          .isInstanceOf(FormatException.class).hasMessageContaining("negative");
    }
  }

  @Test
  void anotherFileKindIsRejected() {
    byte[] bytes = new SnapshotHeader(1, 1, MEMBERSHIP, 0, 0).encode();
    System.arraycopy(FileHeader.current(FileKind.LOG_SEGMENT).toBytes(), 0, bytes, 0, FileHeader.SIZE);
    assertThatThrownBy(() -> SnapshotHeader.decode(ByteBuffer.wrap(bytes)))
        .isInstanceOf(FormatException.class).hasMessageContaining("not a SNAPSHOT file");
  }
}
