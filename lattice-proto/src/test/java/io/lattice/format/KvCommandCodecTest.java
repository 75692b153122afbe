package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.KvCommand.Compare;
import io.lattice.format.KvCommand.CompareAndSwap;
import io.lattice.format.KvCommand.CompareOp;
import io.lattice.format.KvCommand.CompareTarget;
import io.lattice.format.KvCommand.Delete;
import io.lattice.format.KvCommand.Expect;
import io.lattice.format.KvCommand.Op;
import io.lattice.format.KvCommand.OpKind;
import io.lattice.format.KvCommand.Put;
import io.lattice.format.KvCommand.Txn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class KvCommandCodecTest {

  private static final Session SESSION = new Session(7, 42, 40);
  private static final byte[] ALL_BYTES = new byte[256];

  static {
    for (int i = 0; i < 256; i++) {
      ALL_BYTES[i] = (byte) i;
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Encodes, decodes, compares field by field (arrays by content) and checks re-encoding is identical. */
  private static KvCommand roundTrip(KvCommand c) throws FormatException {
    byte[] bytes = KvCommandCodec.encode(c);
    KvCommand d = KvCommandCodec.decode(bytes);
    assertThat(d).usingRecursiveComparison(Fixtures.SAME_FIELDS).isEqualTo(c);
    assertThat(KvCommandCodec.encode(d)).isEqualTo(bytes);
    return d;
  }

  @Test
  void putRoundTrips() throws FormatException {
    roundTrip(new Put(SESSION, 1_700_000_000_123L, b("k"), b("v"), false));
    roundTrip(new Put(SESSION, 0, b("k"), b("v"), true));
    roundTrip(new Put(Session.NONE, -1, new byte[0], new byte[0], false)); // empty key and value
    roundTrip(new Put(SESSION, Long.MIN_VALUE, ALL_BYTES, ALL_BYTES, true)); // binary key
    roundTrip(new Put(SESSION, Long.MAX_VALUE, b("k"), new byte[70_000], false)); // bin32
  }

  @Test
  void sessionsRoundTrip() throws FormatException {
    for (Session s : new Session[] {Session.NONE, new Session(1, 1, 0),
        new Session(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE), new Session(0, 5, 3),
        new Session(-3, -1, -2)}) {
      KvCommand d = roundTrip(new Put(s, 5, b("k"), b("v"), false));
      assertThat(d.session()).isEqualTo(s);
    }
  }

  @Test
  void noSessionDecodesAsNone() throws FormatException {
    KvCommand d = KvCommandCodec.decode(KvCommandCodec.encode(new Put(Session.NONE, 5, b("k"), b("v"), false)));
    assertThat(d.session()).isSameAs(Session.NONE);
    assertThat(d.session().present()).isFalse();
  }

  @Test
  void sessionCommandsRoundTrip() throws FormatException {
    for (long at : new long[] {0, 1_700_000_000_123L, Long.MIN_VALUE, Long.MAX_VALUE}) {
      KvCommand open = roundTrip(new KvCommand.RegisterSession(at));
      assertThat(open.session()).isSameAs(Session.NONE);
      assertThat(open.proposedAtMillis()).isEqualTo(at);
      for (long id : new long[] {1, 42, Long.MAX_VALUE, 0, -1}) {
        KvCommand.CloseSession close = (KvCommand.CloseSession) roundTrip(
            new KvCommand.CloseSession(at, id));
        assertThat(close.sessionId()).isEqualTo(id);
        assertThat(close.session()).isSameAs(Session.NONE);
      }
    }
    // [2, 5, 0, 0, 0, 9]: the whole of a registration
    assertThat(KvCommandCodec.encode(new KvCommand.RegisterSession(9)))
        .containsExactly(0x96, 2, 5, 0, 0, 0, 9);
  }

  @Test
  void sessionCommandsCarryNoSessionAndExactlyTheirFields() {
    assertRejected(pack(p -> header(p, 6, 2, 5)), "REGISTER_SESSION carries a session");
    assertRejected(pack(p -> {
      header(p, 7, 2, 6);
      p.packLong(3);
    }), "CLOSE_SESSION carries a session");
    assertRejected(pack(p -> {
      headerWithoutSession(p, 7, 5);
      p.packLong(3);
    }), "REGISTER_SESSION has 1 fields, expected 0");
    assertRejected(pack(p -> headerWithoutSession(p, 6, 6)), "CLOSE_SESSION has 0 fields");
    assertRejected(pack(p -> {
      headerWithoutSession(p, 7, 6);
      p.packString("3");
    }), "malformed command");
  }

  @Test
  void version1CommandsAreRefusedByName() {
    assertRejected(pack(p -> {
      p.packArrayHeader(9);
      p.packInt(1);
      p.packInt(1);
      p.packString("client-1");
      p.packLong(1);
      p.packLong(0);
      p.packLong(5);
      bin(p, "k");
      bin(p, "v");
      p.packBoolean(false);
    }), "command format version 1 (client-chosen session ids");
  }

  @Test
  void deleteRoundTrips() throws FormatException {
    for (boolean prefix : new boolean[] {false, true}) {
      for (boolean prevKv : new boolean[] {false, true}) {
        roundTrip(new Delete(SESSION, 9, b("dir/"), prefix, prevKv));
      }
    }
    roundTrip(new Delete(Session.NONE, 9, new byte[0], true, false)); // delete everything
    roundTrip(new Delete(SESSION, 9, ALL_BYTES, false, true));
  }

  @Test
  void casRoundTripsWithEveryExpectKind() throws FormatException {
    List<Expect> expects = List.of(Expect.value(b("old")), Expect.value(new byte[0]), Expect.value(ALL_BYTES),
        Expect.version(0), Expect.version(17), Expect.version(-1), Expect.version(Long.MAX_VALUE),
        Expect.absent());
    for (Expect e : expects) {
      for (byte[] newValue : new byte[][] {null, new byte[0], b("new"), ALL_BYTES}) {
        for (boolean prevKv : new boolean[] {false, true}) {
          CompareAndSwap d = (CompareAndSwap) roundTrip(new CompareAndSwap(SESSION, 3, b("k"), e, newValue, prevKv));
          assertThat(d.expect().kind()).isEqualTo(e.kind());
          assertThat(d.newValue()).isEqualTo(newValue);
        }
      }
    }
    // every kind in the enum is covered above
    assertThat(expects.stream().map(Expect::kind).distinct()).containsExactlyInAnyOrder(KvCommand.ExpectKind.values());
  }

  /** A version expectation that also carries a value keeps it (the codec stores both fields). */
  @Test
  void casKeepsBothExpectFields() throws FormatException {
    roundTrip(new CompareAndSwap(SESSION, 3, b("k"), new Expect(KvCommand.ExpectKind.VERSION, b("x"), 4), b("n"), false));
  }

  @Test
  void emptyTxnRoundTrips() throws FormatException {
    roundTrip(new Txn(SESSION, 1, List.of(), List.of(), List.of()));
  }

  @Test
  void txnWithEveryCompareAndOpRoundTrips() throws FormatException {
    List<Compare> compares = new ArrayList<>();
    for (CompareOp op : CompareOp.values()) {
      for (CompareTarget target : CompareTarget.values()) {
        compares.add(new Compare(b("k-" + op + target), op, target, null, op.ordinal() * 10L + target.ordinal()));
        compares.add(new Compare(ALL_BYTES, op, target, b("v"), -1));
        compares.add(new Compare(new byte[0], op, target, new byte[0], Long.MIN_VALUE));
      }
    }
    List<Op> success = new ArrayList<>();
    List<Op> failure = new ArrayList<>();
    for (OpKind kind : OpKind.values()) {
      for (boolean prevKv : new boolean[] {false, true}) {
        success.add(new Op(kind, b("s-" + kind), kind == OpKind.PUT ? b("value") : null, prevKv));
        failure.add(new Op(kind, ALL_BYTES, new byte[0], prevKv));
      }
    }
    Txn d = (Txn) roundTrip(new Txn(SESSION, 77, compares, success, failure));
    assertThat(d.compares()).hasSize(CompareOp.values().length * CompareTarget.values().length * 3);
    assertThat(d.success()).hasSize(6);
    assertThat(d.failure()).hasSize(6);
  }

  @Test
  void txnWithOnlyOneBranchRoundTrips() throws FormatException {
    Op get = new Op(OpKind.GET, b("a"), null, false);
    roundTrip(new Txn(Session.NONE, 1, List.of(), List.of(get), List.of()));
    roundTrip(new Txn(Session.NONE, 1, List.of(), List.of(), List.of(get, get)));
  }

  @Test
  void randomCommandsRoundTrip() throws FormatException {
    Random rnd = new Random(Fixtures.baseSeed());
    for (int i = 0; i < 2000; i++) {
      KvCommand c = Fixtures.randomCommand(rnd);
      if (i < 300) {
        roundTrip(c); // field by field
      } else { // cheaper: the encoding is canonical, so equal bytes mean equal commands
        byte[] bytes = KvCommandCodec.encode(c);
        assertThat(KvCommandCodec.encode(KvCommandCodec.decode(bytes))).as("case %d", i).isEqualTo(bytes);
      }
    }
  }

  // ------------------------------------------------------------------ malformed commands

  private interface Body {
    void pack(MessageBufferPacker p) throws IOException;
  }

  private static byte[] pack(Body body) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      body.pack(p);
      return p.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** [version, type, sessionId, seq, ack, at] as the first six elements of an n-element command. */
  private static void header(MessageBufferPacker p, int n, int version, int type) throws IOException {
    p.packArrayHeader(n);
    p.packInt(version);
    p.packInt(type);
    p.packLong(3);
    p.packLong(1);
    p.packLong(0);
    p.packLong(5);
  }

  /** [2, type, 0, 0, 0, at] as the first six elements of an n-element command. */
  private static void headerWithoutSession(MessageBufferPacker p, int n, int type)
      throws IOException {
    p.packArrayHeader(n);
    p.packInt(2);
    p.packInt(type);
    p.packLong(0);
    p.packLong(0);
    p.packLong(0);
    p.packLong(5);
  }

  private static void bin(MessageBufferPacker p, String s) throws IOException {
    byte[] b = b(s);
    p.packBinaryHeader(b.length);
    p.writePayload(b);
  }

  private static void assertRejected(byte[] bytes, String message) {
    assertThatThrownBy(() -> KvCommandCodec.decode(bytes)).isInstanceOf(FormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void malformedCommandsAreRejected() {
    assertRejected(new byte[0], "malformed command");
    assertRejected(new byte[] {(byte) 0xc1}, "malformed command"); // never-used format byte
    assertRejected(pack(p -> p.packInt(3)), "malformed command"); // not an array
    assertRejected(pack(p -> {
      header(p, 9, 3, 1);
      bin(p, "k");
      bin(p, "v");
      p.packBoolean(false);
    }), "unknown command format version 3");
    assertRejected(pack(p -> {
      p.packArrayHeader(3);
      p.packInt(2);
      p.packInt(1);
      p.packLong(3);
    }), "too short");
    assertRejected(pack(p -> header(p, 6, 2, 9)), "unknown command type 9");
    assertRejected(pack(p -> header(p, 6, 2, 0)), "unknown command type 0");
    assertRejected(pack(p -> {
      header(p, 10, 2, 1);
      bin(p, "k");
      bin(p, "v");
      p.packBoolean(false);
      p.packBoolean(false);
    }), "PUT has 4 fields");
    assertRejected(pack(p -> {
      header(p, 9, 2, 1);
      p.packNil();
      bin(p, "v");
      p.packBoolean(false);
    }), "missing required bytes");
    assertRejected(pack(p -> {
      header(p, 9, 2, 1);
      p.packInt(7); // an integer where a key belongs
      bin(p, "v");
      p.packBoolean(false);
    }), "malformed command");
    assertRejected(pack(p -> {
      header(p, 9, 2, 1);
      bin(p, "k");
      bin(p, "v");
      p.packBoolean(false);
      p.packInt(0); // one value too many
    }), "trailing bytes");
  }

  @Test
  void malformedCasIsRejected() {
    assertRejected(pack(p -> {
      header(p, 12, 2, 3);
      bin(p, "k");
      p.packInt(KvCommand.ExpectKind.values().length); // no such expect kind
      p.packNil();
      p.packLong(0);
      p.packNil();
      p.packBoolean(false);
    }), "unknown enum value 3");
    assertRejected(pack(p -> {
      header(p, 12, 2, 3);
      bin(p, "k");
      p.packInt(-1);
      p.packNil();
      p.packLong(0);
      p.packNil();
      p.packBoolean(false);
    }), "unknown enum value -1");
    assertRejected(KvCommandCodec.encode(new CompareAndSwap(SESSION, 1, b("k"),
        new Expect(KvCommand.ExpectKind.VALUE, null, 0), b("n"), false)), "carries none");
  }

  @Test
  void malformedTxnIsRejected() {
    assertRejected(pack(p -> {
      header(p, 9, 2, 4);
      p.packArrayHeader(1);
      p.packArrayHeader(4); // a compare has 5 elements
      bin(p, "k");
      p.packInt(0);
      p.packInt(0);
      p.packNil();
      p.packArrayHeader(0);
      p.packArrayHeader(0);
    }), "malformed compare");
    assertRejected(pack(p -> {
      header(p, 9, 2, 4);
      p.packArrayHeader(1);
      p.packArrayHeader(5);
      bin(p, "k");
      p.packInt(CompareOp.values().length);
      p.packInt(0);
      p.packNil();
      p.packLong(0);
      p.packArrayHeader(0);
      p.packArrayHeader(0);
    }), "unknown enum value");
    assertRejected(pack(p -> {
      header(p, 9, 2, 4);
      p.packArrayHeader(0);
      p.packArrayHeader(1);
      p.packArrayHeader(4);
      p.packInt(OpKind.values().length);
      bin(p, "k");
      p.packNil();
      p.packBoolean(false);
      p.packArrayHeader(0);
    }), "unknown enum value");
    assertRejected(pack(p -> {
      header(p, 9, 2, 4);
      p.packArrayHeader(0);
      p.packArrayHeader(1);
      p.packArrayHeader(3); // an op has 4 elements
      p.packInt(0);
      bin(p, "k");
      p.packNil();
      p.packArrayHeader(0);
    }), "malformed transaction op");
    // A compare count far beyond the bytes present: rejected without allocating for it.
    assertRejected(pack(p -> {
      header(p, 9, 2, 4);
      p.packArrayHeader(Integer.MAX_VALUE);
    }), "impossible length");
  }

  @Test
  void hugeLengthHeadersAreRejected() {
    byte[] put = KvCommandCodec.encode(new Put(SESSION, 5, b("k"), b("v"), false));
    // replace the key's bin8 header (c4 01) by a bin32 header claiming 2^31 - 1 bytes
    int at = indexOf(put, new byte[] {(byte) 0xc4, 1, 'k'});
    byte[] bytes = new byte[put.length + 3];
    System.arraycopy(put, 0, bytes, 0, at);
    bytes[at] = (byte) 0xc6;
    bytes[at + 1] = 0x7f;
    bytes[at + 2] = (byte) 0xff;
    bytes[at + 3] = (byte) 0xff;
    bytes[at + 4] = (byte) 0xff;
    System.arraycopy(put, at + 2, bytes, at + 5, put.length - at - 2);
    assertRejected(bytes, "impossible length");
    bytes[at + 1] = (byte) 0xff; // 2^32 - 1: does not fit an int
    assertRejected(bytes, "malformed command");
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  // ------------------------------------------------------------------ describe

  @Test
  void describesCommandsForLogInspection() {
    assertThat(KvCommandCodec.describe(new Put(SESSION, 1, b("user/1"), b("alice"), false)))
        .isEqualTo("PUT key=user/1 value=alice (5 bytes) session=7#42");
    assertThat(KvCommandCodec.describe(new Delete(Session.NONE, 1, b("dir/"), true, false)))
        .isEqualTo("DELETE prefix=dir/");
    assertThat(KvCommandCodec.describe(new CompareAndSwap(Session.NONE, 1, b("k"), Expect.version(3), null, false)))
        .isEqualTo("CAS key=k expect version=3 then DELETE");
    assertThat(KvCommandCodec.describe(new CompareAndSwap(Session.NONE, 1, b("k"), Expect.absent(), b("v"), false)))
        .isEqualTo("CAS key=k expect absent then PUT value=v");
    assertThat(KvCommandCodec.describe(new Txn(Session.NONE, 1, List.of(), List.of(), List.of())))
        .isEqualTo("TXN compares=0 success=0 failure=0");
    assertThat(KvCommandCodec.describe(new KvCommand.RegisterSession(1)))
        .isEqualTo("OPEN SESSION (id = this entry's index)");
    assertThat(KvCommandCodec.describe(new KvCommand.CloseSession(1, 57)))
        .isEqualTo("CLOSE SESSION id=57");
  }

  @Test
  void printableShowsTextOrHex() {
    assertThat(KvCommandCodec.printable(b("héllo"))).isEqualTo("héllo");
    assertThat(KvCommandCodec.printable(new byte[] {0, 1, (byte) 0xff})).isEqualTo("0x0001ff");
    assertThat(KvCommandCodec.printable(new byte[] {(byte) 0xc3})).startsWith("0x"); // invalid UTF-8
    assertThat(KvCommandCodec.printable(null)).isEqualTo("nil");
    assertThat(KvCommandCodec.printable(new byte[0])).isEmpty();
    assertThat(KvCommandCodec.printable(ALL_BYTES)).hasSize(2 + 64 + 1).endsWith("…");
    assertThat(KvCommandCodec.printable(b("x".repeat(100)))).isEqualTo("x".repeat(64) + "…");
  }
}
