package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class LogRecordCodecTest {

  @Test
  void framesLengthChecksumKindTermIndexPayload() {
    byte[] payload = {10, 20, 30};
    ByteBuffer buf = ByteBuffer.allocate(LogRecordCodec.framedSize(payload.length));
    LogRecordCodec.write(buf, LogRecord.KIND_CONFIG, 0x0102030405060708L, 0x1112131415161718L, payload);
    assertThat(buf.position()).isEqualTo(buf.capacity()).isEqualTo(8 + 17 + 3);
    byte[] b = buf.array();
    assertThat(buf.getInt(0)).isEqualTo(17 + 3);
    assertThat(b[8]).isEqualTo((byte) LogRecord.KIND_CONFIG);
    assertThat(buf.getLong(9)).isEqualTo(0x0102030405060708L);
    assertThat(buf.getLong(17)).isEqualTo(0x1112131415161718L);
    assertThat(new byte[] {b[25], b[26], b[27]}).isEqualTo(payload);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, 4); // the length is covered too
    crc.update(b, 8, b.length - 8);
    assertThat(buf.getInt(4)).isEqualTo((int) crc.getValue());
  }

  @Test
  void emptyPayloadIsTheMinimalRecord() {
    ByteBuffer buf = ByteBuffer.allocate(LogRecordCodec.framedSize(0));
    LogRecordCodec.write(buf, new LogRecord(LogRecord.KIND_NOOP, 1, 1, new byte[0]));
    assertThat(buf.capacity()).isEqualTo(LogRecordCodec.PREFIX + LogRecordCodec.BODY_HEADER);
    assertThat(buf.getInt(0)).isEqualTo(LogRecordCodec.BODY_HEADER);
  }

  /** A record written after others carries the same bytes as one written alone. */
  @Test
  void framingDoesNotDependOnThePositionInTheBuffer() {
    LogRecord r = new LogRecord(LogRecord.KIND_COMMAND, 3, 9, new byte[] {1, 2, 3, 4});
    ByteBuffer alone = ByteBuffer.allocate(LogRecordCodec.framedSize(4));
    LogRecordCodec.write(alone, r);
    ByteBuffer after = ByteBuffer.allocate(13 + LogRecordCodec.framedSize(4));
    after.position(13);
    LogRecordCodec.write(after, r);
    byte[] tail = new byte[alone.capacity()];
    after.get(13, tail);
    assertThat(tail).isEqualTo(alone.array());
  }

  @Test
  void recordEqualityComparesPayloadContents() {
    LogRecord a = new LogRecord(1, 2, 3, new byte[] {1});
    assertThat(a).isEqualTo(new LogRecord(1, 2, 3, new byte[] {1})).hasSameHashCodeAs(new LogRecord(1, 2, 3, new byte[] {1}));
    assertThat(a).isNotEqualTo(new LogRecord(1, 2, 3, new byte[] {2}));
    assertThat(a.toString()).contains("3@2").contains("command");
    assertThat(LogRecord.kindName(7)).isEqualTo("kind-7");
  }
}
