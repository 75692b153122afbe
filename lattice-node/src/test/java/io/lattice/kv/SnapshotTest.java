package io.lattice.kv;

import static io.lattice.kv.Commands.T0;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.Session;
import io.lattice.format.SnapshotDataReader;
import io.lattice.format.SnapshotDataWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class SnapshotTest {
  private final KvStateMachine sm = new KvStateMachine();

  @BeforeEach
  void fill() {
    sm.apply(1, put("a", "1"));
    sm.apply(2, put("b", "2"));
    sm.apply(3, put("a", "3"));
    sm.apply(4, Commands.register(T0 + 1)); // session 4
    sm.apply(5, put(new Session(4, 1, 0), T0 + 10, "c", "x", true));
    sm.apply(6, put(new Session(4, 2, 1), T0 + 20, "c", "y", true));
    sm.apply(7, Commands.register(T0 + 5)); // session 7
    sm.apply(8, put(new Session(7, 1, 0), T0 + 5, "d", "", false));
  }

  @Test
  void roundTripReproducesTheWholeState() {
    byte[] snap = sm.snapshot();
    KvStateMachine copy = new KvStateMachine();
    copy.apply(1, put("junk", "replaced"));
    copy.restore(snap);
    assertThat(copy.hash()).isEqualTo(sm.hash());
    assertThat(copy.snapshot()).isEqualTo(snap);
    assertThat(copy.appliedIndex()).isEqualTo(8);
    assertThat(copy.keyCount()).isEqualTo(4);
    assertThat(copy.sessionCount()).isEqualTo(2);
    assertThat(copy.logClockMillis()).isEqualTo(T0 + 20);
    assertThat(copy.get(b("junk"))).isEmpty();
    assertThat(copy.get(b("a"))).isEqualTo(sm.get(b("a")));
    assertThat(copy.range(KeyRange.all(), 0, false, false))
        .isEqualTo(sm.range(KeyRange.all(), 0, false, false));
    // and both answer the next commands identically
    byte[] next = put(new Session(4, 2, 1), T0 + 30, "c", "z", false);
    assertThat(copy.apply(9, next)).isEqualTo(sm.apply(9, next));
    assertThat(copy.hash()).isEqualTo(sm.hash());
  }

  @Test
  void snapshotIsAPureReadAndDeterministic() {
    long hash = sm.hash();
    assertThat(sm.snapshot()).isEqualTo(sm.snapshot());
    assertThat(sm.hash()).isEqualTo(hash);
  }

  @Test
  void aCaptureWritesTheStateAsItWasWhenTakenWhateverIsAppliedAfterwards() throws Exception {
    byte[] expected = sm.snapshot();
    io.lattice.storage.SnapshotWriter capture = sm.capture();
    // keys changed, deleted and added, a session advanced and a new one opened
    sm.apply(9, put("a", "changed"));
    sm.apply(10, put("zz", "new"));
    sm.apply(11, put(new Session(4, 3, 2), T0 + 40, "c", "w", true));
    sm.apply(12, Commands.register(T0 + 45));
    sm.apply(13, put(new Session(12, 1, 0), T0 + 50, "e", "v", true));
    sm.apply(14, Commands.close(7, T0 + 50));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    capture.writeTo(out);
    assertThat(out.toByteArray()).isEqualTo(expected);
  }

  @Test
  void emptyStateRoundTrips() {
    KvStateMachine empty = new KvStateMachine();
    KvStateMachine copy = new KvStateMachine();
    copy.restore(empty.snapshot());
    assertThat(copy.hash()).isEqualTo(empty.hash());
    assertThat(copy.appliedIndex()).isZero();
    sm.restore(empty.snapshot());
    assertThat(sm.keyCount()).isZero();
    assertThat(sm.sessionCount()).isZero();
    assertThat(sm.hash()).isEqualTo(empty.hash());
  }

  @Test
  void theSnapshotIsReadableByTheSharedReader() throws Exception {
    List<String> seen = new ArrayList<>();
    SnapshotDataReader.read(new ByteArrayInputStream(sm.snapshot()), new SnapshotDataReader.Visitor() {
      @Override
      public void summary(long appliedIndex, long keyCount, long sessionCount) {
        seen.add("summary " + appliedIndex + " " + keyCount + " " + sessionCount);
      }

      @Override
      public void key(byte[] key, byte[] value, long createIndex, long modIndex, long version) {
        seen.add("key " + Commands.s(key));
      }

      @Override
      public void session(long id, long lastSequence, byte[] lastResult, long lastActive) {
        seen.add("session " + id + " " + lastSequence + " " + lastActive);
      }
    });
    // the meta record (id 0, mapping version 2, the log clock), then sessions 4 and 7
    assertThat(seen).containsExactly("summary 8 4 3", "key a", "key b", "key c", "key d",
        "session 0 2 " + (T0 + 20), "session 4 2 " + (T0 + 20), "session 7 1 " + (T0 + 20));
  }

  // ------------------------------------------------------------------------ malformed snapshots

  private void assertRejectedAndUnchanged(byte[] bad) {
    long hash = sm.hash();
    byte[] before = sm.snapshot();
    assertThatThrownBy(() -> sm.restore(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed snapshot");
    assertThat(sm.hash()).isEqualTo(hash);
    assertThat(sm.snapshot()).isEqualTo(before);
  }

  @Test
  void everyTruncationIsRejectedAndLeavesTheStateUnchanged() {
    KvStateMachine other = new KvStateMachine();
    other.apply(1, put("zz", "other"));
    other.apply(2, Commands.register(T0));
    other.apply(3, put(new Session(2, 1, 0), T0, "yy", "v", false));
    byte[] snap = other.snapshot();
    for (int n = 0; n < snap.length; n++) {
      assertRejectedAndUnchanged(Arrays.copyOf(snap, n));
    }
    assertRejectedAndUnchanged(null);
  }

  @Test
  void garbageIsRejected() {
    assertRejectedAndUnchanged(new byte[] {1, 2, 3});
    assertRejectedAndUnchanged(new byte[] {(byte) 0xC1});
    assertRejectedAndUnchanged(put("a", "b")); // a command is not a snapshot
  }

  @Test
  void flippedBytesAreRejectedOrRestoreCompletely() {
    byte[] snap = sm.snapshot();
    java.util.Random rnd = new java.util.Random(3);
    for (int i = 0; i < 1000; i++) {
      byte[] bad = snap.clone();
      bad[rnd.nextInt(bad.length)] ^= (byte) (1 + rnd.nextInt(255));
      KvStateMachine target = new KvStateMachine();
      target.apply(1, put("mine", "x"));
      long hash = target.hash();
      try {
        target.restore(bad);
        // it restored (the flip hit a value or other free data): then it is self-consistent
        KvStateMachine again = new KvStateMachine();
        again.restore(target.snapshot());
        assertThat(again.hash()).isEqualTo(target.hash());
      } catch (IllegalArgumentException expected) {
        assertThat(target.hash()).isEqualTo(hash);
        assertThat(target.get(b("mine"))).isPresent();
      }
    }
  }

  /** Hand-built snapshots that are well-formed MessagePack but not a state this machine made. */
  private interface Body {
    void write(SnapshotDataWriter w) throws IOException;
  }

  private static byte[] snapshot(long applied, long keys, long sessions, Body body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SnapshotDataWriter w = new SnapshotDataWriter(out, applied, keys, sessions);
    body.write(w);
    w.finish();
    return out.toByteArray();
  }

  /** A session's retained window: [2, floor, lastActiveIndex, [[seq, result]...]]. */
  private static byte[] window(long floor, long lastActiveIndex, long... seqs) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(4);
      p.packInt(2);
      p.packLong(floor);
      p.packLong(lastActiveIndex);
      p.packArrayHeader(seqs.length);
      for (long s : seqs) {
        p.packArrayHeader(2);
        p.packLong(s);
        p.packBinaryHeader(1);
        p.writePayload(new byte[] {(byte) s});
      }
      return p.toByteArray();
    }
  }

  /**
   * The limits of the meta record: [ttlMillis, maxClockStepMillis, maxSessions,
   * maxResultsPerSession].
   */
  private static byte[] limits(long... values) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(values.length);
      for (long v : values) {
        p.packLong(v);
      }
      return p.toByteArray();
    }
  }

  /** The limits of {@link SessionLimits#DEFAULT}. */
  private static byte[] defaultLimits() throws IOException {
    return limits(3_600_000, 60_000, 10_000, 256);
  }

  @Test
  void handBuiltValidSnapshotRestores() throws Exception {
    byte[] ok = snapshot(10, 2, 3, w -> {
      w.key(b("a"), b("1"), 1, 2, 2);
      w.key(b("b"), b("2"), 3, 10, 1);
      w.session(0, 2, defaultLimits(), 500);
      w.session(4, 4, window(2, 9, 3, 4), 400);
      w.session(5, 0, window(0, 5), 300);
    });
    sm.restore(ok);
    assertThat(sm.appliedIndex()).isEqualTo(10);
    assertThat(sm.sessionCount()).isEqualTo(2);
    assertThat(sm.logClockMillis()).isEqualTo(500);
    assertThat(sm.snapshot()).isEqualTo(ok);
  }

  @Test
  void theLimitsAreRecordedNotRestored() throws Exception {
    KvStateMachine other = new KvStateMachine(java.time.Duration.ofMinutes(10), 256);
    other.apply(1, Commands.register(T0));
    other.restore(sm.snapshot());
    assertThat(other.sessionCount()).isEqualTo(2);
    assertThat(other.hash()).as("configured differently").isNotEqualTo(sm.hash());
    KvStateMachine same = new KvStateMachine();
    same.restore(other.snapshot());
    assertThat(same.hash()).isEqualTo(sm.hash());
  }

  @Test
  void semanticallyBrokenSnapshotsAreRejected() throws Exception {
    Body meta = w -> w.session(0, 2, defaultLimits(), 500);
    List<byte[]> bad = List.of(
        // keys out of order, duplicated, empty
        snapshot(10, 2, 1, w -> {
          w.key(b("b"), b("1"), 1, 1, 1);
          w.key(b("a"), b("1"), 1, 1, 1);
          meta.write(w);
        }),
        snapshot(10, 2, 1, w -> {
          w.key(b("a"), b("1"), 1, 1, 1);
          w.key(b("a"), b("1"), 1, 1, 1);
          meta.write(w);
        }),
        snapshot(10, 1, 1, w -> {
          w.key(b(""), b("1"), 1, 1, 1);
          meta.write(w);
        }),
        // impossible metadata
        snapshot(10, 1, 1, w -> {
          w.key(b("a"), b("1"), 1, 1, 0);
          meta.write(w);
        }),
        snapshot(10, 1, 1, w -> {
          w.key(b("a"), b("1"), 5, 4, 1);
          meta.write(w);
        }),
        snapshot(10, 1, 1, w -> {
          w.key(b("a"), b("1"), 1, 11, 1);
          meta.write(w);
        }),
        // no meta record, or one of mapping version 1, or with malformed limits, or a real
        // session first
        snapshot(10, 0, 0, w -> { }),
        snapshot(10, 0, 1, w -> w.session(0, 1, new byte[0], 500)),
        snapshot(10, 0, 1, w -> w.session(0, 2, new byte[] {1}, 500)),
        snapshot(10, 0, 1, w -> w.session(0, 2, limits(1, 2, 3), 500)),
        snapshot(10, 0, 1, w -> w.session(0, 2, limits(0, 2, 3, 4), 500)),
        snapshot(10, 0, 1, w -> w.session(0, 2, limits(1, 2, 0, 4), 500)),
        snapshot(10, 0, 1, w -> w.session(0, 2, defaultLimits(), -1)),
        snapshot(10, 0, 1, w -> w.session(3, 1, window(0, 3, 1), 500)),
        // sessions: two meta records, out of order, active after the clock, bad blob
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          meta.write(w);
        }),
        snapshot(10, 0, 3, w -> {
          meta.write(w);
          w.session(4, 1, window(0, 4, 1), 100);
          w.session(3, 1, window(0, 5, 1), 100);
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(3, 1, window(0, 3, 1), 600);
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(3, 1, new byte[] {1, 2}, 100);
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(3, 2, window(2, 3, 2), 100); // retained at the floor
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(3, 3, window(0, 3, 3, 2), 100); // out of order
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(3, 5, window(0, 3, 3), 100); // last sequence disagrees
        }),
        // ids and activity: an id that is no log index yet, activity before registration or
        // after the applied index, two sessions active at one entry, activity against log time
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(11, 1, window(0, 11, 1), 100);
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(5, 1, window(0, 4, 1), 100);
        }),
        snapshot(10, 0, 2, w -> {
          meta.write(w);
          w.session(5, 1, window(0, 11, 1), 100);
        }),
        snapshot(10, 0, 3, w -> {
          meta.write(w);
          w.session(3, 1, window(0, 6, 1), 100);
          w.session(4, 1, window(0, 6, 1), 100);
        }),
        snapshot(10, 0, 3, w -> {
          meta.write(w);
          w.session(3, 1, window(0, 8, 1), 100);
          w.session(4, 1, window(0, 5, 1), 200);
        }),
        // counts disagree with the summary
        snapshot(10, 1, 1, meta));
    for (byte[] b : bad) {
      assertRejectedAndUnchanged(b);
    }
  }
}
