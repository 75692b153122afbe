package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FileHeaderTest {

  @ParameterizedTest
  @EnumSource(FileKind.class)
  void roundTripsEveryKind(FileKind kind) throws FormatException {
    byte[] bytes = FileHeader.current(kind).toBytes();
    assertThat(bytes).hasSize(FileHeader.SIZE);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    assertThat(FileHeader.read(buf, kind)).isEqualTo(new FileHeader(kind, kind.currentVersion()));
    assertThat(buf.position()).isEqualTo(FileHeader.SIZE);
  }

  @Test
  void layoutIsMagicVersionAndZeroReserved() {
    byte[] bytes = FileHeader.current(FileKind.LOG_SEGMENT).toBytes();
    assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("LTLG");
    assertThat(bytes[4]).isEqualTo((byte) 0);
    assertThat(bytes[5]).isEqualTo((byte) 2); // log segments are at version 2 (sync marks)
    assertThat(bytes[6]).isZero();
    assertThat(bytes[7]).isZero();
    assertThat(new String(FileHeader.current(FileKind.HARD_STATE).toBytes(), 0, 4, StandardCharsets.US_ASCII))
        .isEqualTo("LTHS");
    assertThat(new String(FileHeader.current(FileKind.SNAPSHOT).toBytes(), 0, 4, StandardCharsets.US_ASCII))
        .isEqualTo("LTSN");
  }

  @Test
  void magicsAreDistinctAndResolve() {
    for (FileKind k : FileKind.values()) {
      assertThat(FileKind.ofMagic(k.magic())).isSameAs(k);
    }
    assertThat(FileKind.ofMagic(0)).isNull();
  }

  @Test
  void readsAtTheBufferPosition() throws FormatException {
    ByteBuffer buf = ByteBuffer.allocate(20);
    buf.position(5);
    FileHeader.current(FileKind.SNAPSHOT).writeTo(buf);
    buf.position(5);
    assertThat(FileHeader.read(buf, FileKind.SNAPSHOT).kind()).isEqualTo(FileKind.SNAPSHOT);
    assertThat(buf.position()).isEqualTo(13);
  }

  @Test
  void tooFewBytesAreRejected() {
    byte[] full = FileHeader.current(FileKind.HARD_STATE).toBytes();
    for (int n = 0; n < FileHeader.SIZE; n++) {
      ByteBuffer buf = ByteBuffer.wrap(full, 0, n);
      assertThatThrownBy(() -> FileHeader.read(buf, FileKind.HARD_STATE))
          .isInstanceOf(FormatException.class).hasMessageContaining("shorter");
    }
  }

  @Test
  void anotherKindIsRejectedAndNamed() {
    byte[] bytes = FileHeader.current(FileKind.SNAPSHOT).toBytes();
    assertThatThrownBy(() -> FileHeader.read(ByteBuffer.wrap(bytes), FileKind.LOG_SEGMENT))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("not a LOG_SEGMENT file")
        .hasMessageContaining("SNAPSHOT");
  }

  @Test
  void unknownMagicIsRejected() {
    byte[] bytes = "GARBAGE!".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> FileHeader.read(ByteBuffer.wrap(bytes), FileKind.LOG_SEGMENT))
        .isInstanceOf(FormatException.class).hasMessageContaining("not a LOG_SEGMENT file");
  }

  @ParameterizedTest
  @EnumSource(FileKind.class)
  void versionZeroAndNewerVersionsAreRejected(FileKind kind) {
    for (int version : new int[] {0, kind.currentVersion() + 1, 0x7FFF, 0xFFFF}) {
      byte[] bytes = new FileHeader(kind, version).toBytes();
      assertThatThrownBy(() -> FileHeader.read(ByteBuffer.wrap(bytes), kind))
          .isInstanceOf(FormatException.class)
          .hasMessageContaining("version " + version)
          .satisfies(e -> assertThat(((FormatException) e).offset()).isEqualTo(4));
    }
  }

  /** The reserved bytes are written as zero; anything else is damage (they are not checksummed). */
  @ParameterizedTest
  @EnumSource(FileKind.class)
  void nonZeroReservedBytesAreRejected(FileKind kind) {
    for (int at = 6; at < 8; at++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bytes = Fixtures.flipBit(FileHeader.current(kind).toBytes(), at, bit);
        assertThatThrownBy(() -> FileHeader.read(ByteBuffer.wrap(bytes), kind))
            .isInstanceOf(FormatException.class).hasMessageContaining("reserved");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(FileKind.class)
  void everySingleBitFlipIsRejected(FileKind kind) {
    byte[] valid = FileHeader.current(kind).toBytes();
    for (int at = 0; at < FileHeader.SIZE; at++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] bytes = Fixtures.flipBit(valid, at, bit);
        assertThatThrownBy(() -> FileHeader.read(ByteBuffer.wrap(bytes), kind))
            .as("flip of bit %d of byte %d", bit, at)
            .isInstanceOf(FormatException.class);
      }
    }
  }
}
