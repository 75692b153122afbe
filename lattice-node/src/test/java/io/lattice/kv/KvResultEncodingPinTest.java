package io.lattice.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bytes of {@link KvResultCodec#encode} are replicated state (session results are kept encoded,
 * hashed and snapshotted), so they must never change: this pins them, for hand-picked results and
 * for a seeded corpus of random ones, and checks that they do not depend on what the encoding
 * thread encoded before (the codec reuses one packer per thread).
 */
class KvResultEncodingPinTest {
  private static final long CORPUS_SEED = 13;
  private static final int CORPUS_SIZE = 2000;
  /** SHA-256 of the length-prefixed encodings of {@link #corpus()}, as the format defines them. */
  private static final String CORPUS_SHA256 =
      "d77fbfdf8f5c5521db6b6ceb3ba276fcfdb96b9f93afc949375e5fdafa19a245";

  @Test
  void handPickedEncodingsArePinned() {
    // [1, 1, 9, 4, nil]
    assertThat(hex(new KvResult.Put(9, 4, null))).isEqualTo("9501010904c0");
    // [1, 1, 10, 5, [b"a", b"1", 3, 9, 4]]
    assertThat(hex(new KvResult.Put(10, 5, Commands.kv("a", "1", 3, 9, 4))))
        .isEqualTo("9501010a0595c40161c40131030904");
    // [1, 0, 17, 1, "bad"]
    assertThat(hex(new KvResult.Error(17, KvResult.ErrorKind.values()[1], "bad")))
        .isEqualTo("95010011" + "01" + "a3626164");
    // [1, 5, 2^63-1, 2^63-1]
    assertThat(hex(new KvResult.SessionOpened(Long.MAX_VALUE, Long.MAX_VALUE)))
        .isEqualTo("940105cf7fffffffffffffffcf7fffffffffffffff");
  }

  @Test
  void corpusEncodingsArePinned() {
    System.out.println("KvResultEncodingPinTest corpus seed " + CORPUS_SEED);
    assertThat(corpusDigest()).isEqualTo(CORPUS_SHA256);
  }

  @Test
  void encodingDoesNotDependOnWhatTheThreadEncodedBefore() {
    // A large result (bigger than any buffer the codec keeps), then small ones again.
    byte[] big = new byte[3 << 20];
    new SplittableRandom(1).nextBytes(big);
    KvResult large = new KvResult.Put(1, 1, new KvEntry(new byte[] {1}, big, 1, 1, 1));
    byte[] encoded = KvResultCodec.encode(large);
    assertThat(encoded.length).isEqualTo(big.length + 17);
    assertThat(KvResultCodec.decodeTrusted(encoded)).isEqualTo(large);
    assertThat(corpusDigest()).isEqualTo(CORPUS_SHA256);
    assertThat(hex(new KvResult.Put(9, 4, null))).isEqualTo("9501010904c0");
  }

  @Test
  void encodingFromSeveralThreadsAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> digests = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        digests.add(pool.submit(KvResultEncodingPinTest::corpusDigest));
      }
      for (Future<String> d : digests) {
        assertThat(d.get(60, TimeUnit.SECONDS)).isEqualTo(CORPUS_SHA256);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static String hex(KvResult r) {
    return HexFormat.of().formatHex(KvResultCodec.encode(r));
  }

  private static String corpusDigest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (KvResult r : corpus()) {
        byte[] bytes = KvResultCodec.encode(r);
        sha.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
            (byte) (bytes.length >>> 8), (byte) bytes.length});
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Results of every type, with every field drawn from {@link #CORPUS_SEED}: same seed, same list. */
  static List<KvResult> corpus() {
    SplittableRandom rnd = new SplittableRandom(CORPUS_SEED);
    List<KvResult> out = new ArrayList<>(KvResultCodecTest.samples());
    for (int i = 0; i < CORPUS_SIZE; i++) {
      long index = number(rnd);
      out.add(switch (rnd.nextInt(7)) {
        case 0 -> new KvResult.Error(index,
            KvResult.ErrorKind.values()[rnd.nextInt(KvResult.ErrorKind.values().length)],
            text(rnd));
        case 1 -> new KvResult.Put(index, number(rnd), maybeKv(rnd));
        case 2 -> {
          List<KvEntry> prev = new ArrayList<>();
          for (int k = rnd.nextInt(4); k > 0; k--) {
            prev.add(kv(rnd));
          }
          yield new KvResult.Delete(index, number(rnd), prev);
        }
        case 3 -> new KvResult.CompareAndSwap(index, rnd.nextBoolean(), maybeKv(rnd));
        case 4 -> {
          List<KvResult.OpResult> ops = new ArrayList<>();
          for (int k = rnd.nextInt(5); k > 0; k--) {
            ops.add(switch (rnd.nextInt(3)) {
              case 0 -> new KvResult.PutOp(number(rnd), maybeKv(rnd));
              case 1 -> new KvResult.DeleteOp(rnd.nextBoolean(), maybeKv(rnd));
              default -> new KvResult.GetOp(maybeKv(rnd));
            });
          }
          yield new KvResult.Txn(index, rnd.nextBoolean(), ops);
        }
        case 5 -> new KvResult.SessionOpened(index, number(rnd));
        default -> new KvResult.SessionClosed(index, rnd.nextBoolean());
      });
    }
    return out;
  }

  /** Numbers of every MessagePack width: fixint, uint8..uint64. */
  private static long number(SplittableRandom rnd) {
    return switch (rnd.nextInt(5)) {
      case 0 -> rnd.nextInt(128);
      case 1 -> rnd.nextInt(256);
      case 2 -> rnd.nextInt(1 << 16);
      case 3 -> rnd.nextLong(1L << 32);
      default -> rnd.nextLong(Long.MAX_VALUE);
    };
  }

  private static KvEntry maybeKv(SplittableRandom rnd) {
    return rnd.nextInt(3) == 0 ? null : kv(rnd);
  }

  private static KvEntry kv(SplittableRandom rnd) {
    return new KvEntry(bytes(rnd, 1 + rnd.nextInt(40)), bytes(rnd, sizeOfValue(rnd)),
        number(rnd), number(rnd), number(rnd));
  }

  /** Value sizes across the binary header widths (bin8, bin16, bin32), and past 8 KiB. */
  private static int sizeOfValue(SplittableRandom rnd) {
    return switch (rnd.nextInt(10)) {
      case 0 -> 0;
      case 1 -> 256 + rnd.nextInt(70_000);
      case 2 -> 8192 + rnd.nextInt(100);
      default -> rnd.nextInt(300);
    };
  }

  private static byte[] bytes(SplittableRandom rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  private static String text(SplittableRandom rnd) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int k = rnd.nextInt(30); k > 0; k--) {
      out.write('a' + rnd.nextInt(26));
    }
    return out.toString(StandardCharsets.UTF_8) + (rnd.nextInt(4) == 0 ? " \u00e9\u4e2d" : "");
  }
}
