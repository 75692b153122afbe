package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.storage.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The capture timer reports each capture's duration by the injected clock and changes nothing. */
class CaptureTimerTest {
  /** A state machine with its own version of every method, noting which ran. */
  static final class Own implements StateMachine {
    final List<String> calls = new ArrayList<>();

    @Override
    public byte[] apply(long index, byte[] command) {
      calls.add("apply");
      return new byte[] {1};
    }

    @Override
    public byte[] apply(long index, byte[] command, boolean awaited) {
      calls.add("apply-awaited-" + awaited);
      return new byte[] {2};
    }

    @Override
    public byte[] snapshot() {
      calls.add("snapshot");
      return new byte[] {3};
    }

    @Override
    public SnapshotWriter capture() {
      calls.add("capture");
      return out -> out.write(4);
    }

    @Override
    public void restore(byte[] snapshot) {
      calls.add("restore");
    }

    @Override
    public void restore(InputStream data, long length) {
      calls.add("restore-stream-" + length);
    }

    @Override
    public long hash() {
      calls.add("hash");
      return 5;
    }

    @Override
    public LongSupplier hasher() {
      calls.add("hasher");
      return () -> 6;
    }
  }

  @Test
  void capturesAreTimedByTheClockAndEveryCallReachesTheWrappedMachine() throws IOException {
    long[] now = {1_000};
    List<Long> reported = new ArrayList<>();
    NodeMetrics metrics = new NodeMetrics() {
      @Override
      public void state(io.lattice.raft.Role role, long term, long commitIndex,
          long appliedIndex, long firstLogIndex, long lastLogIndex, long logBytes,
          long snapshotIndex) {}

      @Override
      public void proposalDone(boolean succeeded) {}

      @Override
      public void logAppended(int entries, long nanos) {}

      @Override
      public void logSynced(long nanos) {}

      @Override
      public void electionStarted() {}

      @Override
      public void leaderChanged() {}

      @Override
      public void snapshotTaken(long nanos) {}

      @Override
      public void snapshotInstalled() {}

      @Override
      public void snapshotCaptured(long nanos) {
        reported.add(nanos);
      }
    };
    Own own = new Own();
    // every reading of the clock advances it by 250 ns
    CaptureTimer timer = new CaptureTimer(own, () -> now[0] += 250, metrics);
    assertThat(timer.lastCaptureNanos()).isEqualTo(-1);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    timer.capture().writeTo(out);
    assertThat(out.toByteArray()).containsExactly(4);
    assertThat(reported).containsExactly(250L);
    assertThat(timer.lastCaptureNanos()).isEqualTo(250);

    assertThat(timer.apply(1, new byte[0])).containsExactly(1);
    assertThat(timer.apply(2, new byte[0], false)).containsExactly(2);
    assertThat(timer.snapshot()).containsExactly(3);
    timer.restore(new byte[0]);
    timer.restore(new ByteArrayInputStream(new byte[7]), 7);
    assertThat(timer.hash()).isEqualTo(5);
    assertThat(timer.hasher().getAsLong()).isEqualTo(6);
    assertThat(own.calls).containsExactly("capture", "apply", "apply-awaited-false", "snapshot",
        "restore", "restore-stream-7", "hash", "hasher");
    assertThat(reported).hasSize(1);
  }

  /**
   * Every method of {@link StateMachine}, those with default bodies included, is passed on: a
   * default left out runs the interface's generic version instead of the wrapped machine's own (it
   * happened: the streaming restore's {@code prepareRestore} was not passed on, so the node read
   * every installed snapshot whole into the heap).
   */
  @Test
  void everyMethodOfTheInterfaceIsPassedOn() {
    for (java.lang.reflect.Method m : StateMachine.class.getMethods()) {
      if (java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      try {
        java.lang.reflect.Method own =
            CaptureTimer.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
        assertThat(own.getDeclaringClass()).isEqualTo(CaptureTimer.class);
      } catch (NoSuchMethodException e) {
        throw new AssertionError("CaptureTimer does not pass on " + m, e);
      }
    }
  }
}
