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
    sm.apply(5, put(new Session("client-1", 1, 0), T0 + 10, "c", "x", true));
    sm.apply(6, put(new Session("client-1", 2, 1), T0 + 20, "c", "y", true));
    sm.apply(7, put(new Session("client-0", 1, 0), T0 + 5, "d", "", false));
  }

  @Test
  void roundTripReproducesTheWholeState() {
    byte[] snap = sm.snapshot();
    KvStateMachine copy = new KvStateMachine();
    copy.apply(1, put("junk", "replaced"));
    copy.restore(snap);
    assertThat(copy.hash()).isEqualTo(sm.hash());
    assertThat(copy.snapshot()).isEqualTo(snap);
    assertThat(copy.appliedIndex()).isEqualTo(7);
    assertThat(copy.keyCount()).isEqualTo(4);
    assertThat(copy.sessionCount()).isEqualTo(2);
    assertThat(copy.logClockMillis()).isEqualTo(T0 + 20);
    assertThat(copy.get(b("junk"))).isEmpty();
    assertThat(copy.get(b("a"))).isEqualTo(sm.get(b("a")));
    assertThat(copy.range(KeyRange.all(), 0, false, false))
        .isEqualTo(sm.range(KeyRange.all(), 0, false, false));
    // and both answer the next commands identically
    byte[] next = put(new Session("client-1", 2, 1), T0 + 30, "c", "z", false);
    assertThat(copy.apply(8, next)).isEqualTo(sm.apply(8, next));
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
    sm.apply(8, put("a", "changed"));
    sm.apply(9, put("zz", "new"));
    sm.apply(10, put(new Session("client-1", 3, 2), T0 + 40, "c", "w", true));
    sm.apply(11, put(new Session("client-9", 1, 0), T0 + 50, "e", "v", true));
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
      public void session(String clientId, long lastSequence, byte[] lastResult, long lastActive) {
        seen.add("session '" + clientId + "' " + lastSequence + " " + lastActive);
      }
    });
    assertThat(seen).containsExactly("summary 7 4 3", "key a", "key b", "key c", "key d",
        "session '' 1 " + (T0 + 20), "session 'client-0' 1 " + (T0 + 20),
        "session 'client-1' 2 " + (T0 + 20));
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
    other.apply(2, put(new Session("someone", 1, 0), T0, "yy", "v", false));
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

  private static byte[] blob(long floor, long... seqs) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(3);
      p.packInt(1);
      p.packLong(floor);
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

  @Test
  void handBuiltValidSnapshotRestores() throws Exception {
    byte[] ok = snapshot(10, 2, 2, w -> {
      w.key(b("a"), b("1"), 1, 2, 2);
      w.key(b("b"), b("2"), 3, 10, 1);
      w.session("", 1, new byte[0], 500);
      w.session("c", 4, blob(2, 3, 4), 400);
    });
    sm.restore(ok);
    assertThat(sm.appliedIndex()).isEqualTo(10);
    assertThat(sm.sessionCount()).isEqualTo(1);
    assertThat(sm.logClockMillis()).isEqualTo(500);
    assertThat(sm.snapshot()).isEqualTo(ok);
  }

  @Test
  void semanticallyBrokenSnapshotsAreRejected() throws Exception {
    Body clock = w -> w.session("", 1, new byte[0], 500);
    List<byte[]> bad = List.of(
        // keys out of order, duplicated, empty
        snapshot(10, 2, 1, w -> {
          w.key(b("b"), b("1"), 1, 1, 1);
          w.key(b("a"), b("1"), 1, 1, 1);
          clock.write(w);
        }),
        snapshot(10, 2, 1, w -> {
          w.key(b("a"), b("1"), 1, 1, 1);
          w.key(b("a"), b("1"), 1, 1, 1);
          clock.write(w);
        }),
        snapshot(10, 1, 1, w -> {
          w.key(b(""), b("1"), 1, 1, 1);
          clock.write(w);
        }),
        // impossible metadata
        snapshot(10, 1, 1, w -> {
          w.key(b("a"), b("1"), 1, 1, 0);
          clock.write(w);
        }),
        snapshot(10, 1, 1, w -> {
          w.key(b("a"), b("1"), 5, 4, 1);
          clock.write(w);
        }),
        snapshot(10, 1, 1, w -> {
          w.key(b("a"), b("1"), 1, 11, 1);
          clock.write(w);
        }),
        // no clock record, or a malformed one, or a real session first
        snapshot(10, 0, 0, w -> { }),
        snapshot(10, 0, 1, w -> w.session("", 2, new byte[0], 500)),
        snapshot(10, 0, 1, w -> w.session("", 1, new byte[] {1}, 500)),
        snapshot(10, 0, 1, w -> w.session("c", 1, blob(0, 1), 500)),
        // sessions: two clock records, out of order, active after the clock, bad blob
        snapshot(10, 0, 2, w -> {
          clock.write(w);
          clock.write(w);
        }),
        snapshot(10, 0, 3, w -> {
          clock.write(w);
          w.session("d", 1, blob(0, 1), 100);
          w.session("c", 1, blob(0, 1), 100);
        }),
        snapshot(10, 0, 2, w -> {
          clock.write(w);
          w.session("c", 1, blob(0, 1), 600);
        }),
        snapshot(10, 0, 2, w -> {
          clock.write(w);
          w.session("c", 1, new byte[] {1, 2}, 100);
        }),
        snapshot(10, 0, 2, w -> {
          clock.write(w);
          w.session("c", 2, blob(2, 2), 100); // retained at the floor
        }),
        snapshot(10, 0, 2, w -> {
          clock.write(w);
          w.session("c", 3, blob(0, 3, 2), 100); // out of order
        }),
        snapshot(10, 0, 2, w -> {
          clock.write(w);
          w.session("c", 5, blob(0, 3), 100); // last sequence disagrees
        }),
        // counts disagree with the summary
        snapshot(10, 1, 1, clock));
    for (byte[] b : bad) {
      assertRejectedAndUnchanged(b);
    }
  }
}
