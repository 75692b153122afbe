package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.Fixtures.Scanned;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Bounded fuzzing of every decoder: random bytes, random MessagePack, and mutations of valid
 * encodings (bit flips, overwrites, inserted, deleted and duplicated bytes, truncation). The only
 * failure a decoder may report is {@link FormatException}; the scanner reports problems in its
 * result and throws nothing.
 *
 * <p>Seeded: a failure names the decoder, the case and the input; {@code -Dlattice.seed=N} runs
 * another set of inputs.
 */
class DecoderFuzzTest {
  static final int RANDOM_TRIES = 3000;
  static final int MUTATED_TRIES = 3000;
  static final int SCANNER_TRIES = 1000;

  @TempDir
  Path dir;

  interface Decoder {
    void decode(byte[] bytes) throws Exception;
  }

  /** Runs {@code tries} inputs from {@code inputs}; every outcome but FormatException fails. */
  private static int fuzz(String name, long salt, int tries, Function<Random, byte[]> inputs, Decoder decoder) {
    int accepted = 0;
    for (int i = 0; i < tries; i++) {
      Random rnd = Fixtures.caseRandom(salt, i);
      byte[] bytes = inputs.apply(rnd);
      try {
        decoder.decode(bytes);
        accepted++;
      } catch (FormatException expected) {
        // the one allowed failure
      } catch (Throwable t) {
        throw new AssertionError(String.format("%s, case %d (seed %d): %s on %d bytes: %s", name, i,
            Fixtures.baseSeed(), t, bytes.length, hex(bytes)), t);
      }
    }
    return accepted;
  }

  static String hex(byte[] b) {
    return b.length > 512 ? HexFormat.of().formatHex(b, 0, 512) + "…" : HexFormat.of().formatHex(b);
  }

  // ------------------------------------------------------------------ inputs

  static byte[] randomBytes(Random rnd) {
    return Fixtures.randomBlob(rnd, rnd.nextInt(10) == 0 ? 4096 : 300);
  }

  /** Random bytes behind a valid header of {@code kind} (else the magic check stops nearly all). */
  static byte[] behindHeader(Random rnd, FileKind kind) {
    byte[] tail = randomBytes(rnd);
    ByteBuffer buf = ByteBuffer.allocate(FileHeader.SIZE + tail.length);
    FileHeader.current(kind).writeTo(buf);
    return buf.put(tail).array();
  }

  static byte[] randomOrBehindHeader(Random rnd, FileKind kind) {
    return rnd.nextBoolean() ? randomBytes(rnd) : behindHeader(rnd, kind);
  }

  /** A random MessagePack value stream, biased towards the shapes the decoders expect. */
  static byte[] randomMsgpack(Random rnd, boolean commandShaped) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      if (commandShaped) {
        p.packArrayHeader(rnd.nextInt(5) == 0 ? rnd.nextInt(16) : 9 + rnd.nextInt(4) - 1);
        p.packInt(rnd.nextInt(8) == 0 ? rnd.nextInt(3) : 1);
        p.packInt(rnd.nextInt(6));
        p.packString(Fixtures.randomString(rnd, 5));
        p.packLong(rnd.nextLong());
        p.packLong(rnd.nextLong());
        p.packLong(rnd.nextLong());
      }
      for (int n = rnd.nextInt(12); n > 0; n--) {
        randomValue(rnd, p, 3);
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void randomValue(Random rnd, MessageBufferPacker p, int depth) throws IOException {
    switch (rnd.nextInt(depth > 0 ? 13 : 10)) {
      case 0 -> p.packNil();
      case 1 -> p.packBoolean(rnd.nextBoolean());
      case 2 -> p.packInt(rnd.nextInt(8) - 2);
      case 3 -> p.packLong(rnd.nextLong());
      case 4 -> p.packString(Fixtures.randomString(rnd, 8));
      case 5 -> {
        byte[] b = Fixtures.randomBlob(rnd, 40);
        p.packBinaryHeader(b.length);
        p.writePayload(b);
      }
      case 6 -> p.packDouble(rnd.nextDouble());
      case 7 -> { // a length header with too few bytes behind it
        if (rnd.nextBoolean()) {
          p.packBinaryHeader(rnd.nextInt(Integer.MAX_VALUE));
        } else {
          p.packRawStringHeader(rnd.nextInt(Integer.MAX_VALUE));
        }
      }
      case 8 -> p.packExtensionTypeHeader((byte) rnd.nextInt(128), rnd.nextInt(4));
      case 9 -> p.packBigInteger(java.math.BigInteger.valueOf(Long.MAX_VALUE).shiftLeft(1));
      case 10 -> p.packArrayHeader(rnd.nextInt(8) == 0 ? rnd.nextInt(Integer.MAX_VALUE) : rnd.nextInt(6));
      case 11 -> {
        int n = rnd.nextInt(6);
        p.packArrayHeader(n);
        for (int i = 0; i < n; i++) {
          randomValue(rnd, p, depth - 1);
        }
      }
      default -> {
        p.packMapHeader(1);
        randomValue(rnd, p, depth - 1);
        randomValue(rnd, p, depth - 1);
      }
    }
  }

  // ------------------------------------------------------------------ decoders

  @Test
  void fileHeaderRead() {
    for (FileKind kind : FileKind.values()) {
      Decoder d = b -> FileHeader.read(ByteBuffer.wrap(b), kind);
      fuzz("FileHeader.read(" + kind + ")", 10 + kind.ordinal(), RANDOM_TRIES,
          rnd -> rnd.nextBoolean() ? Fixtures.randomBytes(rnd, rnd.nextInt(12)) : randomOrBehindHeader(rnd, kind), d);
      fuzz("FileHeader.read(" + kind + ") of mutated headers", 20 + kind.ordinal(), MUTATED_TRIES,
          rnd -> Fixtures.mutate(rnd, FileHeader.current(kind).toBytes()), d);
    }
  }

  @Test
  void hardStateDecode() {
    Decoder d = HardStateRecord::decode;
    fuzz("HardStateRecord.decode", 30, RANDOM_TRIES, rnd -> randomOrBehindHeader(rnd, FileKind.HARD_STATE), d);
    int accepted = fuzz("HardStateRecord.decode of mutated files", 31, MUTATED_TRIES,
        rnd -> Fixtures.mutate(rnd, Fixtures.randomHardState(rnd).encode()), d);
    // checksummed: a mutation is accepted only if it undid itself
    assertThat(accepted).isLessThan(MUTATED_TRIES / 50);
  }

  @Test
  void snapshotHeaderDecode() {
    Decoder d = b -> {
      SnapshotHeader.decode(ByteBuffer.wrap(b));
    };
    Decoder twoStep = b -> {
      int required = SnapshotHeader.requiredBytes(ByteBuffer.wrap(b, 0, Math.min(12, b.length)));
      SnapshotHeader.decode(ByteBuffer.wrap(b, 0, Math.min(required, b.length)).slice());
    };
    fuzz("SnapshotHeader.decode", 40, RANDOM_TRIES, rnd -> randomOrBehindHeader(rnd, FileKind.SNAPSHOT), d);
    fuzz("SnapshotHeader.requiredBytes+decode", 41, RANDOM_TRIES, rnd -> randomOrBehindHeader(rnd, FileKind.SNAPSHOT),
        twoStep);
    int accepted = fuzz("SnapshotHeader.decode of mutated headers", 42, MUTATED_TRIES,
        rnd -> Fixtures.mutate(rnd, Fixtures.randomSnapshotHeader(rnd).encode()), d);
    fuzz("SnapshotHeader.requiredBytes+decode of mutated headers", 43, MUTATED_TRIES,
        rnd -> Fixtures.mutate(rnd, Fixtures.randomSnapshotHeader(rnd).encode()), twoStep);
    assertThat(accepted).isLessThan(MUTATED_TRIES / 50);
  }

  @Test
  void membershipDecode() {
    Decoder d = b -> {
      List<MemberRecord> members = MembershipCodec.decode(b);
      // whatever decodes is a membership that encodes again
      assertThat(MembershipCodec.decode(MembershipCodec.encode(members))).isEqualTo(members);
    };
    fuzz("MembershipCodec.decode", 50, RANDOM_TRIES, rnd -> {
      byte[] b = randomBytes(rnd);
      if (b.length > 0 && rnd.nextBoolean()) {
        b[0] = 1; // the version, to get further
      }
      return b;
    }, d);
    fuzz("MembershipCodec.decode of mutated encodings", 51, MUTATED_TRIES,
        rnd -> Fixtures.mutate(rnd, MembershipCodec.encode(Fixtures.randomMembers(rnd, 6))), d);
  }

  @Test
  void kvCommandDecode() {
    Decoder d = b -> {
      KvCommand c = KvCommandCodec.decode(b);
      // whatever decodes can be shown by `lattice log inspect` and encodes again, to a canonical form
      KvCommandCodec.describe(c);
      byte[] canonical = KvCommandCodec.encode(c);
      assertThat(KvCommandCodec.encode(KvCommandCodec.decode(canonical))).isEqualTo(canonical);
    };
    fuzz("KvCommandCodec.decode", 60, RANDOM_TRIES, DecoderFuzzTest::randomBytes, d);
    fuzz("KvCommandCodec.decode of random MessagePack", 61, RANDOM_TRIES, rnd -> randomMsgpack(rnd, rnd.nextInt(4) != 0), d);
    fuzz("KvCommandCodec.decode of mutated commands", 62, MUTATED_TRIES,
        rnd -> Fixtures.mutate(rnd, KvCommandCodec.encode(Fixtures.randomCommand(rnd))), d);
  }

  @Test
  void snapshotDataRead() {
    SnapshotDataReader.Visitor ignore = new SnapshotDataReader.Visitor() {
      @Override
      public void summary(long appliedIndex, long keyCount, long sessionCount) {}

      @Override
      public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {}

      @Override
      public void session(long sessionId, long lastSequence, byte[] lastResult, long lastActiveMillis) {}
    };
    Decoder d = b -> SnapshotDataReader.read(new ByteArrayInputStream(b), ignore);
    fuzz("SnapshotDataReader.read", 70, RANDOM_TRIES, DecoderFuzzTest::randomBytes, d);
    fuzz("SnapshotDataReader.read of random MessagePack", 71, RANDOM_TRIES, rnd -> {
      try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
        p.packArrayHeader(4);
        p.packInt(1);
        p.packLong(rnd.nextInt(100));
        p.packLong(rnd.nextInt(3));
        p.packLong(rnd.nextInt(3));
        p.writePayload(randomMsgpack(rnd, false));
        return p.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, d);
    fuzz("SnapshotDataReader.read of mutated snapshots", 72, MUTATED_TRIES,
        rnd -> Fixtures.mutate(rnd, Fixtures.randomSnapshotData(rnd, 5, 3)), d);
  }

  // ------------------------------------------------------------------ the scanner

  /** Scans the bytes as a segment file; checks the result is coherent whatever the contents. */
  private Scanned scanAny(byte[] bytes) {
    Scanned s = Fixtures.scan(Fixtures.write(dir.resolve("fuzz.log"), bytes));
    LogScan scan = s.scan();
    assertThat(scan.fileSize()).isEqualTo(bytes.length);
    assertThat(scan.validEnd()).isBetween(0L, (long) bytes.length);
    assertThat(scan.records()).isEqualTo(s.seen().size());
    assertThat(scan.clean()).isEqualTo(scan.problem() == null);
    if (scan.clean()) {
      assertThat(scan.validEnd()).isEqualTo(bytes.length);
    }
    long offset = scan.recordsStart();
    for (Fixtures.Seen seen : s.seen()) {
      assertThat(seen.offset()).isEqualTo(offset);
      assertThat(seen.framedSize()).isEqualTo(LogRecordCodec.framedSize(seen.record().payload().length));
      offset += seen.framedSize();
    }
    if (!s.seen().isEmpty()) {
      assertThat(scan.validEnd()).isEqualTo(offset);
    }
    if (scan.problem() != null && scan.problem().kind() != LogProblem.Kind.BAD_HEADER
        && bytes.length >= FileHeader.SIZE) {
      assertThat(scan.problem().offset()).isEqualTo(scan.validEnd());
      assertThat(scan.problem().lastGoodIndex()).isEqualTo(scan.lastIndex());
    }
    return s;
  }

  @Test
  void logScannerOnRandomContents() {
    fuzz("LogScanner on random files", 80, SCANNER_TRIES, DecoderFuzzTest::randomBytes, this::scanAny);
    fuzz("LogScanner on random bytes behind a segment header", 81, SCANNER_TRIES,
        rnd -> behindHeader(rnd, FileKind.LOG_SEGMENT), this::scanAny);
  }

  @Test
  void logScannerOnMutatedSegments() {
    for (int i = 0; i < SCANNER_TRIES; i++) {
      Random rnd = Fixtures.caseRandom(82, i);
      List<LogRecord> records = Fixtures.randomRecords(rnd, 1 + rnd.nextInt(20), 1 + rnd.nextInt(100), 200);
      byte[] bytes = Fixtures.mutate(rnd, Fixtures.segment(records));
      Scanned s;
      try {
        s = scanAny(bytes);
      } catch (Throwable t) {
        throw new AssertionError(String.format("LogScanner on a mutated segment, case %d (seed %d): %s on %s", i,
            Fixtures.baseSeed(), t, hex(bytes)), t);
      }
      // only original records, in order: a mutation never yields a record that was not written
      long first = records.get(0).index();
      for (LogRecord r : s.records()) {
        assertThat(r.index() - first).as("case %d", i).isBetween(0L, (long) records.size() - 1);
        assertThat(r).as("case %d", i).isEqualTo(records.get((int) (r.index() - first)));
      }
    }
  }
}
