package io.lattice.kv;

import static io.lattice.kv.Commands.kv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.FormatException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KvResultCodecTest {
  static List<KvResult> samples() {
    KvEntry a = kv("a", "1", 3, 9, 4);
    KvEntry empty = kv("k", "", 1, 1, 1);
    return List.of(
        new KvResult.Put(9, 4, null),
        new KvResult.Put(10, 5, a),
        new KvResult.Delete(11, 0, List.of()),
        new KvResult.Delete(12, 2, List.of(a, empty)),
        new KvResult.CompareAndSwap(13, true, null),
        new KvResult.CompareAndSwap(14, false, a),
        new KvResult.Txn(15, true, List.of()),
        new KvResult.Txn(16, false, List.of(new KvResult.PutOp(2, a), new KvResult.PutOp(1, null),
            new KvResult.DeleteOp(true, a), new KvResult.DeleteOp(false, null),
            new KvResult.GetOp(empty), new KvResult.GetOp(null))),
        new KvResult.Error(17, KvResult.ErrorKind.MALFORMED_COMMAND, "bad"),
        new KvResult.Error(18, KvResult.ErrorKind.INVALID_ARGUMENT, ""),
        new KvResult.Error(19, KvResult.ErrorKind.SESSION_EXPIRED, "gone \u00e9"),
        new KvResult.SessionOpened(20, 20),
        new KvResult.SessionOpened(Long.MAX_VALUE, Long.MAX_VALUE),
        new KvResult.SessionClosed(21, true),
        new KvResult.SessionClosed(22, false),
        new KvResult.Put(Long.MAX_VALUE, Long.MAX_VALUE, kv("\u0000", "\u00ff", 1, 2, 3)));
  }

  @ParameterizedTest
  @MethodSource("samples")
  void roundTrips(KvResult r) throws FormatException {
    byte[] bytes = KvResultCodec.encode(r);
    assertThat(KvResultCodec.decode(bytes)).isEqualTo(r);
    assertThat(KvResultCodec.encode(KvResultCodec.decode(bytes))).as("canonical").isEqualTo(bytes);
  }

  @Test
  void sessionResultsHaveTheirOwnTypes() throws FormatException {
    // [1, 5, 20, 20] and [1, 6, 21, true]
    assertThat(KvResultCodec.encode(new KvResult.SessionOpened(20, 20)))
        .containsExactly(0x94, 1, 5, 20, 20);
    assertThat(KvResultCodec.encode(new KvResult.SessionClosed(21, true)))
        .containsExactly(0x94, 1, 6, 21, 0xc3);
    byte[] fiveFields = {(byte) 0x95, 1, 5, 20, 20, 0};
    assertThatThrownBy(() -> KvResultCodec.decode(fiveFields)).isInstanceOf(FormatException.class)
        .hasMessageContaining("has 5 fields");
  }

  @Test
  void deleteConveniences() {
    KvResult.Delete none = new KvResult.Delete(1, 0, List.of());
    assertThat(none.deleted()).isFalse();
    assertThat(none.prevKv()).isNull();
    KvResult.Delete one = new KvResult.Delete(1, 1, List.of(kv("a", "b", 1, 1, 1)));
    assertThat(one.deleted()).isTrue();
    assertThat(one.prevKv()).isEqualTo(kv("a", "b", 1, 1, 1));
  }

  @Test
  void errorKindOrdinalsAreStable() {
    // Stored by ordinal in replicated results: reordering would change the meaning of old bytes.
    assertThat(KvResult.ErrorKind.values()).containsExactly(KvResult.ErrorKind.MALFORMED_COMMAND,
        KvResult.ErrorKind.INVALID_ARGUMENT, KvResult.ErrorKind.SESSION_EXPIRED,
        KvResult.ErrorKind.TOO_MANY_OPS, KvResult.ErrorKind.RESULT_TOO_LARGE,
        KvResult.ErrorKind.RESULT_NOT_RETAINED, KvResult.ErrorKind.APPLY_FAILED);
  }

  @Test
  void rejectsGarbageEveryTruncationAndTrailingBytes() {
    assertThatThrownBy(() -> KvResultCodec.decode(new byte[0])).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> KvResultCodec.decode(new byte[] {(byte) 0xC1}))
        .isInstanceOf(FormatException.class);
    for (KvResult r : samples()) {
      byte[] bytes = KvResultCodec.encode(r);
      for (int n = 0; n < bytes.length; n++) {
        byte[] cut = Arrays.copyOf(bytes, n);
        assertThatThrownBy(() -> KvResultCodec.decode(cut)).as("%s cut at %d", r, n)
            .isInstanceOf(FormatException.class);
      }
      byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
      assertThatThrownBy(() -> KvResultCodec.decode(longer)).isInstanceOf(FormatException.class);
    }
  }

  @Test
  void decodeNeverThrowsAnythingButFormatExceptionOnFlippedBytes() {
    java.util.Random rnd = new java.util.Random(42);
    for (KvResult r : samples()) {
      byte[] bytes = KvResultCodec.encode(r);
      for (int i = 0; i < 200; i++) {
        byte[] bad = bytes.clone();
        bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
        try {
          KvResultCodec.decode(bad);
        } catch (FormatException expected) {
          // fine: either decodes to something or is reported as malformed
        }
      }
    }
  }

  @Test
  void trustedDecodeReportsABug() {
    assertThatThrownBy(() -> KvResultCodec.decodeTrusted(new byte[] {1}))
        .isInstanceOf(IllegalStateException.class);
  }
}
