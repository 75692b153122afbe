package io.lattice.format;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;

/**
 * Shared builders for the format tests: log segments, random records, commands, memberships, and
 * the damage the corruption and fuzz tests apply.
 *
 * <p>The randomized tests are seeded loops (no property-testing engine): every failure message names
 * the seed and case, and {@code -Dlattice.seed=N} replays a run with another base seed.
 */
final class Fixtures {
  private Fixtures() {}

  /** Field by field, arrays by content in one step (AssertJ's default walks arrays element by element: slow). */
  static final RecursiveComparisonConfiguration SAME_FIELDS = RecursiveComparisonConfiguration.builder()
      .withStrictTypeChecking(true)
      .withEqualsForType(Arrays::equals, byte[].class)
      .build();

  /** The base seed of the randomized tests: {@code -Dlattice.seed}, else a fixed default. */
  static long baseSeed() {
    return Long.getLong("lattice.seed", 0x1A77_1CE5L);
  }

  /**
   * The random source of case {@code i} of the test identified by {@code salt}. The seed is mixed
   * (SplitMix64): java.util.Random's first outputs for consecutive seeds are nearly identical.
   */
  static Random caseRandom(long salt, int i) {
    long z = baseSeed() * 0x9E3779B97F4A7C15L + salt * 0xD1B54A32D192ED03L + i;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return new Random(z ^ (z >>> 31));
  }

  // ---------------------------------------------------------------- log segments

  /** A record seen by the scanner, with where it was. */
  record Seen(long offset, int framedSize, LogRecord record) {}

  /** A scan's result together with every record the visitor received. */
  record Scanned(LogScan scan, List<Seen> seen) {
    List<LogRecord> records() {
      return seen.stream().map(Seen::record).toList();
    }
  }

  static Scanned scan(Path file) {
    List<Seen> seen = new ArrayList<>();
    try {
      LogScan scan = LogScanner.scan(file, (offset, size, r) -> seen.add(new Seen(offset, size, r)));
      return new Scanned(scan, seen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The bytes of a version-1 segment: header, then the records framed one after another (the
   * framing is the same in version 2, which has sync marks between the two: see SyncMarkScanTest).
   */
  static byte[] segment(List<LogRecord> records) {
    return segment(new FileHeader(FileKind.LOG_SEGMENT, 1).toBytes(), records);
  }

  static byte[] segment(byte[] header, List<LogRecord> records) {
    int size = header.length;
    for (LogRecord r : records) {
      size += LogRecordCodec.framedSize(r.payload().length);
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(header);
    for (LogRecord r : records) {
      LogRecordCodec.write(buf, r);
    }
    return buf.array();
  }

  /** Byte offset of each record in {@link #segment(List)}, plus the end offset as the last element. */
  static long[] offsets(List<LogRecord> records) {
    long[] at = new long[records.size() + 1];
    long off = FileHeader.SIZE;
    for (int i = 0; i < records.size(); i++) {
      at[i] = off;
      off += LogRecordCodec.framedSize(records.get(i).payload().length);
    }
    at[records.size()] = off;
    return at;
  }

  /**
   * Makes {@code file} hold exactly {@code bytes}. Rewrites in place, then trims: much faster than
   * truncate-on-open when thousands of cases reuse one file.
   */
  static Path write(Path file, byte[] bytes) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf, buf.position());
      }
      ch.truncate(bytes.length);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code n} records with consecutive indexes from {@code firstIndex} and non-decreasing terms. */
  static List<LogRecord> randomRecords(Random rnd, int n, long firstIndex, int maxPayload) {
    List<LogRecord> out = new ArrayList<>(n);
    long term = 1 + rnd.nextInt(5);
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(8) == 0) {
        term += 1 + rnd.nextInt(3);
      }
      int kind = rnd.nextInt(10) == 0 ? LogRecord.KIND_NOOP
          : rnd.nextInt(20) == 0 ? LogRecord.KIND_CONFIG : LogRecord.KIND_COMMAND;
      byte[] payload = kind == LogRecord.KIND_NOOP ? new byte[0] : randomBytes(rnd, rnd.nextInt(maxPayload + 1));
      out.add(new LogRecord(kind, term, firstIndex + i, payload));
    }
    return out;
  }

  static LogRecord record(long term, long index, String payload) {
    return new LogRecord(LogRecord.KIND_COMMAND, term, index, payload.getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- random values

  static byte[] randomBytes(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  /** Random bytes of a length biased towards small sizes. */
  static byte[] randomBlob(Random rnd, int max) {
    int n = switch (rnd.nextInt(4)) {
      case 0 -> rnd.nextInt(Math.min(max, 16) + 1);
      case 1 -> rnd.nextInt(Math.min(max, 64) + 1);
      default -> rnd.nextInt(max + 1);
    };
    return randomBytes(rnd, n);
  }

  private static final String[] ALPHABETS = {
    "abcdefghijklmnopqrstuvwxyz0123456789-_.:",
    "ÄÖÜäöüßéèêçñ",
    "節点格子分散鍵値",
    "\uD83D\uDE00\uD83C\uDF0D\uD83D\uDD11", // emoji: surrogate pairs
    "Ωπσ∆√∞",
  };

  private static final int[][] CODE_POINTS =
      Arrays.stream(ALPHABETS).map(a -> a.codePoints().toArray()).toArray(int[][]::new);

  /** A valid (well-formed UTF-16) string, often with non-ASCII characters. */
  static String randomString(Random rnd, int maxCodePoints) {
    int n = rnd.nextInt(maxCodePoints + 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int[] cps = CODE_POINTS[rnd.nextInt(4) == 0 ? rnd.nextInt(CODE_POINTS.length) : 0];
      sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
    }
    return sb.toString();
  }

  static String randomNonEmptyString(Random rnd, int maxCodePoints) {
    String s = randomString(rnd, maxCodePoints);
    return s.isEmpty() ? "n" : s;
  }

  static List<MemberRecord> randomMembers(Random rnd, int max) {
    int n = rnd.nextInt(max + 1);
    List<MemberRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new MemberRecord(randomNonEmptyString(rnd, 12) + i, randomString(rnd, 30),
          rnd.nextBoolean() ? "" : randomString(rnd, 30), rnd.nextBoolean(), rnd.nextBoolean()));
    }
    return out;
  }

  static Session randomSession(Random rnd) {
    return rnd.nextInt(4) == 0 ? Session.NONE
        : new Session(1 + (rnd.nextLong() & (Long.MAX_VALUE - 1)), rnd.nextLong() & Long.MAX_VALUE,
            rnd.nextInt(3) == 0 ? 0 : rnd.nextLong() & Long.MAX_VALUE);
  }

  static <E> E pick(Random rnd, E[] values) {
    return values[rnd.nextInt(values.length)];
  }

  static KvCommand randomCommand(Random rnd) {
    Session s = randomSession(rnd);
    long at = rnd.nextBoolean() ? rnd.nextLong() : 1_700_000_000_000L + rnd.nextInt();
    switch (rnd.nextInt(6)) {
      case 4:
        return new KvCommand.RegisterSession(at);
      case 5:
        return new KvCommand.CloseSession(at, rnd.nextBoolean() ? rnd.nextInt(1000) : rnd.nextLong());
      case 0:
        return new KvCommand.Put(s, at, randomBlob(rnd, 300), randomBlob(rnd, 2000), rnd.nextBoolean());
      case 1:
        return new KvCommand.Delete(s, at, randomBlob(rnd, 300), rnd.nextBoolean(), rnd.nextBoolean());
      case 2: {
        KvCommand.Expect expect = switch (rnd.nextInt(3)) {
          case 0 -> KvCommand.Expect.value(randomBlob(rnd, 100));
          case 1 -> KvCommand.Expect.version(rnd.nextLong());
          default -> KvCommand.Expect.absent();
        };
        return new KvCommand.CompareAndSwap(s, at, randomBlob(rnd, 300), expect,
            rnd.nextInt(3) == 0 ? null : randomBlob(rnd, 500), rnd.nextBoolean());
      }
      default: {
        List<KvCommand.Compare> compares = new ArrayList<>();
        for (int i = rnd.nextInt(5); i > 0; i--) {
          compares.add(new KvCommand.Compare(randomBlob(rnd, 50), pick(rnd, KvCommand.CompareOp.values()),
              pick(rnd, KvCommand.CompareTarget.values()), rnd.nextBoolean() ? null : randomBlob(rnd, 50),
              rnd.nextLong()));
        }
        return new KvCommand.Txn(s, at, compares, randomOps(rnd), randomOps(rnd));
      }
    }
  }

  static List<KvCommand.Op> randomOps(Random rnd) {
    List<KvCommand.Op> ops = new ArrayList<>();
    for (int i = rnd.nextInt(5); i > 0; i--) {
      ops.add(new KvCommand.Op(pick(rnd, KvCommand.OpKind.values()), randomBlob(rnd, 50),
          rnd.nextBoolean() ? null : randomBlob(rnd, 80), rnd.nextBoolean()));
    }
    return ops;
  }

  static HardStateRecord randomHardState(Random rnd) {
    String vote = switch (rnd.nextInt(6)) {
      case 0 -> null;
      case 1 -> randomNonEmptyString(rnd, 3000); // long enough to span 4 KiB blocks
      default -> randomNonEmptyString(rnd, 20);
    };
    return new HardStateRecord(rnd.nextBoolean() ? rnd.nextInt(1000) : rnd.nextLong() & Long.MAX_VALUE,
        vote, rnd.nextInt(3) == 0 ? rnd.nextLong() & Long.MAX_VALUE : 0);
  }

  static SnapshotHeader randomSnapshotHeader(Random rnd) {
    byte[] membership = MembershipCodec.encode(randomMembers(rnd, rnd.nextInt(5) == 0 ? 300 : 7));
    return new SnapshotHeader(rnd.nextLong() & Long.MAX_VALUE, rnd.nextLong() & Long.MAX_VALUE,
        membership, rnd.nextLong() & Long.MAX_VALUE, rnd.nextInt());
  }

  /** A snapshot data stream with random keys and sessions. */
  static byte[] randomSnapshotData(Random rnd, int maxKeys, int maxSessions) {
    int keys = rnd.nextInt(maxKeys + 1);
    int sessions = rnd.nextInt(maxSessions + 1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SnapshotDataWriter w = new SnapshotDataWriter(out, rnd.nextLong() & Long.MAX_VALUE, keys, sessions)) {
      for (int i = 0; i < keys; i++) {
        w.key(randomBlob(rnd, 40), randomBlob(rnd, 100), rnd.nextInt(1000), rnd.nextInt(1000), rnd.nextInt(50));
      }
      for (int i = 0; i < sessions; i++) {
        w.session(rnd.nextBoolean() ? rnd.nextInt(1000) : rnd.nextLong(), rnd.nextLong(),
            randomBlob(rnd, 30), rnd.nextLong());
      }
      w.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- damage

  static byte[] flipBit(byte[] b, int offset, int bit) {
    byte[] out = b.clone();
    out[offset] ^= (byte) (1 << bit);
    return out;
  }

  static byte[] truncate(byte[] b, int length) {
    return Arrays.copyOf(b, length);
  }

  /** Zeroes the 4 KiB block at {@code blockOffset} (clipped to the file). */
  static byte[] zeroBlock(byte[] b, int blockOffset) {
    byte[] out = b.clone();
    Arrays.fill(out, blockOffset, Math.min(out.length, blockOffset + 4096), (byte) 0);
    return out;
  }

  /**
   * One random mutation of a valid encoding, as a fuzz seed: flip bits, overwrite, insert or delete
   * bytes, truncate, duplicate a slice, or set a byte to a boundary value.
   */
  static byte[] mutate(Random rnd, byte[] valid) {
    byte[] b = valid.clone();
    int rounds = 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0);
    for (int r = 0; r < rounds; r++) {
      int op = rnd.nextInt(7);
      if (b.length == 0) {
        op = 2;
      }
      int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
      switch (op) {
        case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
        case 1 -> b[at] = (byte) rnd.nextInt(256);
        case 2 -> { // insert
          int pos = rnd.nextInt(b.length + 1);
          byte[] n = new byte[b.length + 1];
          System.arraycopy(b, 0, n, 0, pos);
          n[pos] = (byte) rnd.nextInt(256);
          System.arraycopy(b, pos, n, pos + 1, b.length - pos);
          b = n;
        }
        case 3 -> { // delete
          byte[] n = new byte[b.length - 1];
          System.arraycopy(b, 0, n, 0, at);
          System.arraycopy(b, at + 1, n, at, b.length - at - 1);
          b = n;
        }
        case 4 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        case 5 -> { // duplicate a slice in place
          int len = 1 + rnd.nextInt(Math.min(16, b.length));
          int from = rnd.nextInt(b.length - len + 1);
          int pos = rnd.nextInt(b.length + 1);
          byte[] n = new byte[b.length + len];
          System.arraycopy(b, 0, n, 0, pos);
          System.arraycopy(b, from, n, pos, len);
          System.arraycopy(b, pos, n, pos + len, b.length - pos);
          b = n;
        }
        default -> {
          byte[] specials = {0, (byte) 0x7f, (byte) 0x80, (byte) 0xff, (byte) 0xc1, (byte) 0xc6,
              (byte) 0xdb, (byte) 0xdd, (byte) 0xcf};
          b[at] = specials[rnd.nextInt(specials.length)];
        }
      }
    }
    return b;
  }
}
