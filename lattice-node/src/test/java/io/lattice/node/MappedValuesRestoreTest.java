package io.lattice.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore from a snapshot file keeps large values as mapped regions of the file instead of
 * copies in the heap, and the restored state is in every other way the state the in-memory restore
 * gives: same hash, same snapshot bytes, same answers, and it goes on the same way. The regions
 * outlive the file's name, and a file damaged on disk is refused before anything is in place.
 */
class MappedValuesRestoreTest {
  private static final Membership ABC = Membership.ofVoterIds("a", "b", "c");
  private static final int LARGE = 64 << 10;

  @TempDir Path dir;
  private final KvStateMachine source = new KvStateMachine();
  private FileSnapshotStore store;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] put(String key, byte[] value) {
    return KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 1_700_000_000_000L, b(key),
        value, false));
  }

  /** A value of {@code n} bytes that differs for every {@code seed}. */
  private static byte[] value(int seed, int n) {
    byte[] v = new byte[n];
    for (int i = 0; i < n; i++) {
      v[i] = (byte) (seed * 31 + i * 7);
    }
    return v;
  }

  @BeforeEach
  void fill() throws IOException {
    long i = 1;
    for (int k = 0; k < 40; k++) {
      int size = k % 2 == 0 ? LARGE + k : 100 + k; // half large, half small
      source.apply(i++, put(String.format("key/%02d", k), value(k, size)));
    }
    source.apply(i++, put("edge/below", value(99, 1023)));
    source.apply(i++, put("edge/at", value(98, 1024)));
    store = new FileSnapshotStore(dir, FileIo.SYSTEM);
    store.save(new SnapshotMeta(source.appliedIndex(), 1, ABC), source.snapshot());
  }

  private KvStateMachine restoredFromFile() throws IOException {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(1, put("old", b("state")));
    SnapshotStore.Source src = store.latestSource().orElseThrow();
    SnapshotInput.prepare(sm, src, () -> false).install();
    return sm;
  }

  @Test
  void largeValuesStayInTheFileAndTheStateIsTheSame() throws IOException {
    KvStateMachine sm = restoredFromFile();

    assertThat(sm.hash()).isEqualTo(source.hash());
    assertThat(sm.snapshot()).isEqualTo(source.snapshot());
    assertThat(sm.get(b("old"))).isEmpty();
    for (int k = 0; k < 40; k++) {
      KvEntry e = sm.get(b(String.format("key/%02d", k))).orElseThrow();
      assertThat(e.valueInHeap()).as("key %d", k).isEqualTo(k % 2 != 0);
      assertThat(e).isEqualTo(source.get(e.key()).orElseThrow());
      assertThat(Arrays.equals(e.value(), value(k, e.valueLength()))).isTrue();
    }
    assertThat(sm.get(b("edge/below")).orElseThrow().valueInHeap()).isTrue();
    assertThat(sm.get(b("edge/at")).orElseThrow().valueInHeap()).isFalse();
    assertThat(sm.range(io.lattice.kv.KeyRange.all(), 0, false, false))
        .isEqualTo(source.range(io.lattice.kv.KeyRange.all(), 0, false, false));

    // it goes on like the source: an overwrite puts the new value in the heap
    long next = source.appliedIndex() + 1;
    byte[] cmd = put("key/00", value(7, LARGE));
    assertThat(sm.apply(next, cmd)).isEqualTo(source.apply(next, cmd));
    assertThat(sm.get(b("key/00")).orElseThrow().valueInHeap()).isTrue();
    assertThat(sm.hash()).isEqualTo(source.hash());
  }

  @Test
  void theRegionsOutliveTheFilesName() throws IOException {
    KvStateMachine sm = restoredFromFile();
    try (Stream<Path> files = Files.list(store.directory())) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    System.gc(); // nothing but the entries keeps the mappings
    assertThat(sm.snapshot()).isEqualTo(source.snapshot());
    assertThat(sm.get(b("key/02")).orElseThrow().value()).isEqualTo(value(2, LARGE + 2));
  }

  @Test
  void aValueDamagedOnDiskIsCaughtBeforeAnythingIsInPlace() throws IOException {
    Path file;
    try (Stream<Path> files = Files.list(store.directory())) {
      file = files.filter(p -> p.toString().endsWith(".snap")).findFirst().orElseThrow();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      long at = raf.length() / 2; // inside some large value, skipped by the decoder
      raf.seek(at);
      int old = raf.read();
      raf.seek(at);
      raf.write(old ^ 0xFF);
    }
    KvStateMachine sm = new KvStateMachine();
    sm.apply(1, put("old", b("state")));
    long before = sm.hash();
    SnapshotStore.Source src = new FileSnapshotStore(dir, FileIo.SYSTEM).latestSource()
        .orElseThrow();
    assertThatThrownBy(() -> SnapshotInput.prepare(sm, src, () -> false))
        .isInstanceOf(IOException.class).hasMessageContaining("CRC-32C");
    assertThat(sm.hash()).isEqualTo(before);
  }
}
