package io.lattice.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class SnapshotDataTest {

  record Kv(byte[] key, byte[] value, long createIndex, long modIndex, long version) {}

  record Sess(long sessionId, long lastSequence, byte[] lastResult, long lastActiveMillis) {}

  /** Everything a reader reported, in order. */
  static final class Collected implements SnapshotDataReader.Visitor {
    long applied = -1;
    long keyCount = -1;
    long sessionCount = -1;
    int summaries;
    final List<Kv> keys = new ArrayList<>();
    final List<Sess> sessions = new ArrayList<>();

    @Override
    public void summary(long appliedIndex, long keyCount, long sessionCount) {
      summaries++;
      this.applied = appliedIndex;
      this.keyCount = keyCount;
      this.sessionCount = sessionCount;
    }

    @Override
    public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
      keys.add(new Kv(key, value, createIndex, modIndex, version));
    }

    @Override
    public void session(long sessionId, long lastSequence, byte[] lastResult, long lastActiveMillis) {
      sessions.add(new Sess(sessionId, lastSequence, lastResult, lastActiveMillis));
    }
  }

  static byte[] write(long applied, List<Kv> keys, List<Sess> sessions) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SnapshotDataWriter w = new SnapshotDataWriter(out, applied, keys.size(), sessions.size())) {
      for (Kv kv : keys) {
        w.key(kv.key(), kv.value(), kv.createIndex(), kv.modIndex(), kv.version());
      }
      for (Sess s : sessions) {
        w.session(s.sessionId(), s.lastSequence(), s.lastResult(), s.lastActiveMillis());
      }
      w.finish();
    }
    return out.toByteArray();
  }

  static Collected read(InputStream in) throws IOException, FormatException {
    Collected c = new Collected();
    SnapshotDataReader.read(in, c);
    return c;
  }

  static Collected read(byte[] bytes) throws IOException, FormatException {
    return read(new ByteArrayInputStream(bytes));
  }

  private static void assertRoundTrip(long applied, List<Kv> keys, List<Sess> sessions) throws Exception {
    byte[] bytes = write(applied, keys, sessions);
    for (InputStream in : new InputStream[] {new ByteArrayInputStream(bytes), trickle(bytes)}) {
      Collected c = read(in);
      assertThat(c.summaries).isEqualTo(1);
      assertThat(c.applied).isEqualTo(applied);
      assertThat(c.keyCount).isEqualTo(keys.size());
      assertThat(c.sessionCount).isEqualTo(sessions.size());
      assertThat(c.keys).hasSameSizeAs(keys);
      for (int i = 0; i < keys.size(); i++) {
        Kv got = c.keys.get(i);
        Kv want = keys.get(i);
        if (!Arrays.equals(got.key(), want.key()) || !Arrays.equals(got.value(), want.value())
            || got.createIndex() != want.createIndex() || got.modIndex() != want.modIndex()
            || got.version() != want.version()) {
          fail("key %d differs: read %s, wrote %s", i, got, want);
        }
      }
      assertThat(c.sessions).hasSameSizeAs(sessions);
      for (int i = 0; i < sessions.size(); i++) {
        Sess got = c.sessions.get(i);
        Sess want = sessions.get(i);
        if (got.sessionId() != want.sessionId() || !Arrays.equals(got.lastResult(), want.lastResult())
            || got.lastSequence() != want.lastSequence() || got.lastActiveMillis() != want.lastActiveMillis()) {
          fail("session %d differs: read %s, wrote %s", i, got, want);
        }
      }
    }
  }

  /** A stream that returns at most 3 bytes per read, so values straddle the reader's buffer refills. */
  private static InputStream trickle(byte[] bytes) {
    return new FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return super.read(b, off, Math.min(len, 3));
      }
    };
  }

  @Test
  void emptySnapshotRoundTrips() throws Exception {
    assertRoundTrip(0, List.of(), List.of());
    assertRoundTrip(Long.MAX_VALUE, List.of(), List.of());
  }

  @Test
  void emptySnapshotIsTheSummaryAndTheEndMarker() throws Exception {
    // [1, 5, 0, 0] then [0]
    assertThat(write(5, List.of(), List.of())).containsExactly(0x94, 1, 5, 0, 0, 0x91, 0);
  }

  @Test
  void edgeCaseKeysAndSessionsRoundTrip() throws Exception {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    List<Kv> keys = List.of(
        new Kv(new byte[0], new byte[0], 0, 0, 0),
        new Kv(all, all, 1, 2, 3),
        new Kv("ключ".getBytes(StandardCharsets.UTF_8), new byte[100_000], Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE));
    List<Sess> sessions = List.of(
        new Sess(1, 0, new byte[0], 0),
        new Sess(Long.MAX_VALUE, Long.MAX_VALUE, all, Long.MIN_VALUE),
        new Sess(0, -1, new byte[] {1}, -1),
        new Sess(Long.MIN_VALUE, 5, new byte[0], 5));
    assertRoundTrip(99, keys, sessions);
    assertRoundTrip(99, keys, List.of());
    assertRoundTrip(99, List.of(), sessions);
  }

  @Test
  void manyKeysAndSessionsRoundTrip() throws Exception {
    Random rnd = new Random(Fixtures.baseSeed());
    List<Kv> keys = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      keys.add(new Kv(String.format("key/%08d", i).getBytes(StandardCharsets.UTF_8), Fixtures.randomBlob(rnd, 200),
          i, i + rnd.nextInt(100), 1 + rnd.nextInt(10)));
    }
    List<Sess> sessions = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      sessions.add(new Sess(rnd.nextLong(), rnd.nextLong(), Fixtures.randomBlob(rnd, 40),
          rnd.nextLong()));
    }
    assertRoundTrip(123_456, keys, sessions);
  }

  @Test
  void randomSnapshotsReadCompletely() throws Exception {
    Random rnd = new Random(Fixtures.baseSeed() + 1);
    for (int i = 0; i < 200; i++) {
      byte[] bytes = Fixtures.randomSnapshotData(rnd, 50, 10);
      Collected c = read(bytes);
      assertThat(c.keys).hasSize((int) c.keyCount);
      assertThat(c.sessions).hasSize((int) c.sessionCount);
    }
  }

  @Test
  void everyTruncationIsRejected() throws Exception {
    byte[] valid = write(7, List.of(new Kv(new byte[] {1, 2}, new byte[] {3}, 1, 2, 3)),
        List.of(new Sess(3, 4, new byte[] {5}, 6)));
    for (int n = 0; n < valid.length; n++) {
      byte[] bytes = Arrays.copyOf(valid, n);
      assertThatThrownBy(() -> read(bytes)).as("truncated to %d", n).isInstanceOf(FormatException.class);
    }
  }

  @Test
  void streamWithoutEndMarkerIsTruncation() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SnapshotDataWriter w = new SnapshotDataWriter(out, 1, 1, 0)) {
      w.key(new byte[] {1}, new byte[] {2}, 1, 1, 1);
    } // closed without finish()
    assertThatThrownBy(() -> read(out.toByteArray())).isInstanceOf(FormatException.class)
        .hasMessageContaining("no end marker");
  }

  @Test
  void countsThatDisagreeWithTheSummaryAreRejected() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SnapshotDataWriter w = new SnapshotDataWriter(out, 1, 2, 0)) {
      w.key(new byte[] {1}, new byte[] {2}, 1, 1, 1);
      w.finish();
    }
    assertThatThrownBy(() -> read(out.toByteArray())).isInstanceOf(FormatException.class)
        .hasMessageContaining("holds 1 keys and 0 sessions");
    out.reset();
    try (SnapshotDataWriter w = new SnapshotDataWriter(out, 1, 0, 0)) {
      w.session(2, 1, new byte[0], 1);
      w.finish();
    }
    assertThatThrownBy(() -> read(out.toByteArray())).isInstanceOf(FormatException.class)
        .hasMessageContaining("holds 0 keys and 1 sessions");
  }

  private interface Body {
    void pack(MessageBufferPacker p) throws IOException;
  }

  private static byte[] pack(Body body) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      body.pack(p);
      return p.toByteArray();
    }
  }

  @Test
  void malformedStreamsAreRejected() throws Exception {
    assertThatThrownBy(() -> read(new byte[0])).isInstanceOf(FormatException.class);
    assertThatThrownBy(() -> read(pack(p -> {
      p.packArrayHeader(1);
      p.packInt(0);
    }))).isInstanceOf(FormatException.class).hasMessageContaining("summary");
    assertThatThrownBy(() -> read(pack(p -> {
      p.packArrayHeader(4);
      p.packInt(1);
      p.packLong(1);
      p.packLong(-1);
      p.packLong(0);
      p.packArrayHeader(1);
      p.packInt(0);
    }))).isInstanceOf(FormatException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> read(pack(p -> {
      p.packArrayHeader(4);
      p.packInt(1);
      p.packLong(1);
      p.packLong(0);
      p.packLong(0);
      p.packArrayHeader(2);
      p.packInt(9);
    }))).isInstanceOf(FormatException.class).hasMessageContaining("unknown snapshot record [9]");
    assertThatThrownBy(() -> read(pack(p -> {
      p.packArrayHeader(4);
      p.packInt(1);
      p.packLong(1);
      p.packLong(1);
      p.packLong(0);
      p.packArrayHeader(6);
      p.packInt(2);
      p.packBinaryHeader(Integer.MAX_VALUE); // a key "longer" than any snapshot
    }))).isInstanceOf(FormatException.class).hasMessageContaining("impossible length");
  }
}
