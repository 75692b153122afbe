package io.lattice.kv;

import static io.lattice.kv.Commands.T0;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.Session;
import io.lattice.node.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link KvStateMachine#prepareRestore}: the snapshot decoded from a stream as it is read gives the
 * very state the in-memory restore gives, and a stream that is damaged, cut short or fails leaves
 * the current state exactly as it was (nothing is in place before the restoration is installed).
 */
class StreamingRestoreTest {
  private final KvStateMachine source = new KvStateMachine();
  private byte[] snapshot;

  @BeforeEach
  void fill() {
    long i = 1;
    for (int k = 0; k < 500; k++) {
      source.apply(i++, put(String.format("key/%04d", (k * 7919) % 500), "value " + k));
    }
    source.apply(i++, Commands.register(T0 + 1));
    long session = i - 1;
    source.apply(i++, put(new Session(session, 1, 0), T0 + 10, "c", "x", true));
    source.apply(i++, Commands.delete("key/0001", false, false));
    snapshot = source.snapshot();
  }

  /** A state machine with some state of its own, to see whether a failed restore touched it. */
  private static KvStateMachine withOldState() {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(1, put("old", "state"));
    sm.apply(2, put("other", "value"));
    return sm;
  }

  @Test
  void aStreamedRestoreEqualsTheInMemoryRestore() throws IOException {
    KvStateMachine fromBytes = withOldState();
    fromBytes.restore(snapshot);
    KvStateMachine streamed = withOldState();
    streamed.restore(new ByteArrayInputStream(snapshot), snapshot.length);

    assertThat(streamed.hash()).isEqualTo(fromBytes.hash()).isEqualTo(source.hash());
    assertThat(streamed.snapshot()).isEqualTo(snapshot);
    assertThat(streamed.appliedIndex()).isEqualTo(source.appliedIndex());
    assertThat(streamed.keyCount()).isEqualTo(source.keyCount());
    assertThat(streamed.sessionCount()).isEqualTo(1);
    assertThat(streamed.get(b("old"))).isEmpty();
    assertThat(streamed.range(KeyRange.all(), 0, false, false))
        .isEqualTo(source.range(KeyRange.all(), 0, false, false));
    // and it goes on exactly like the source
    byte[] next = put("key/0002", "next");
    assertThat(streamed.apply(source.appliedIndex() + 1, next))
        .isEqualTo(source.apply(source.appliedIndex() + 1, next));
    assertThat(streamed.hash()).isEqualTo(source.hash());
  }

  @Test
  void nothingChangesUntilTheRestorationIsInstalled() throws IOException {
    KvStateMachine sm = withOldState();
    long before = sm.hash();
    KvView view = sm.view();
    StateMachine.Restoration r =
        sm.prepareRestore(new ByteArrayInputStream(snapshot), snapshot.length);
    assertThat(sm.hash()).isEqualTo(before);
    assertThat(sm.appliedIndex()).isEqualTo(2);
    sm.apply(3, put("applied", "meanwhile")); // the old state still works while one is prepared
    r.install();
    assertThat(sm.hash()).isEqualTo(source.hash());
    assertThat(view.hash()).isEqualTo(before); // a view taken before is not changed by it
  }

  @Test
  void aRestoreDoesNotNeedTheSnapshotInOneArray() throws IOException {
    // Read into one array first, a snapshot past 2 GiB could not be restored at all; decoded as it
    // is read, the length is only a hint.
    KvStateMachine sm = withOldState();
    sm.restore(new ByteArrayInputStream(snapshot), 3L << 30);
    assertThat(sm.hash()).isEqualTo(source.hash());
  }

  @Test
  void everyTruncatedStreamIsRefusedAndLeavesTheOldState() {
    KvStateMachine sm = withOldState();
    long before = sm.hash();
    for (int cut = 0; cut < snapshot.length; cut += Math.max(1, cut / 8)) {
      byte[] part = Arrays.copyOf(snapshot, cut);
      int len = cut;
      assertThatThrownBy(() -> sm.restore(new ByteArrayInputStream(part), len))
          .as("cut at %d", cut).isInstanceOfAny(IOException.class, IllegalArgumentException.class);
      assertThat(sm.hash()).as("cut at %d", cut).isEqualTo(before);
    }
    assertThat(sm.get(b("old"))).isPresent();
  }

  @Test
  void aCorruptStreamIsRefusedOrRestoresCompletelyNeverHalfWay() {
    Random random = new Random(11);
    KvStateMachine sm = withOldState();
    long before = sm.hash();
    for (int n = 0; n < 300; n++) {
      byte[] bad = snapshot.clone();
      bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
      KvStateMachine target = withOldState();
      try {
        target.restore(new ByteArrayInputStream(bad), bad.length);
        // A flip in a value's bytes is a valid snapshot of another state (the CRC is the node's
        // check): then the restore is complete.
        assertThat(target.appliedIndex()).isEqualTo(source.appliedIndex());
      } catch (IOException | IllegalArgumentException e) {
        assertThat(target.hash()).isEqualTo(before);
      }
    }
    assertThat(sm.hash()).isEqualTo(before);
  }

  @Test
  void aStreamThatFailsMidWayLeavesTheOldState() {
    KvStateMachine sm = withOldState();
    long before = sm.hash();
    InputStream failing = new FilterInputStream(new ByteArrayInputStream(snapshot)) {
      private int left = snapshot.length / 2;

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          throw new IOException("disk read failed");
        }
        int n = super.read(b, off, Math.min(len, left));
        left -= Math.max(0, n);
        return n;
      }

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }
    };
    assertThatThrownBy(() -> sm.restore(failing, snapshot.length))
        .isInstanceOf(IOException.class).hasMessageContaining("disk read failed");
    assertThat(sm.hash()).isEqualTo(before);
  }

  @Test
  void largeValuesRestoreIntact() throws IOException {
    KvStateMachine big = new KvStateMachine();
    byte[][] values = new byte[6][];
    Random random = new Random(5);
    for (int i = 0; i < values.length; i++) {
      values[i] = new byte[(4 << 20) + i]; // 4 MiB and a bit, each
      random.nextBytes(values[i]);
      big.apply(i + 1, io.lattice.format.KvCommandCodec.encode(new io.lattice.format.KvCommand.Put(
          Session.NONE, T0, ("big/" + i).getBytes(), values[i], false)));
    }
    byte[] snap = big.snapshot();
    KvStateMachine sm = withOldState();
    sm.restore(new ByteArrayInputStream(snap), snap.length);
    assertThat(sm.hash()).isEqualTo(big.hash());
    for (int i = 0; i < values.length; i++) {
      assertThat(sm.get(("big/" + i).getBytes()).orElseThrow().value()).isEqualTo(values[i]);
    }
  }
}
