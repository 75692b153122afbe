package io.lattice.kv;

import static io.lattice.kv.Commands.T0;
import static io.lattice.kv.Commands.b;
import static io.lattice.kv.Commands.delete;
import static io.lattice.kv.Commands.put;
import static io.lattice.kv.Commands.register;
import static io.lattice.kv.Commands.s;
import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.storage.SnapshotWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@link KvView}: an O(1), immutable view of the whole state that later applies never change. */
class KvViewTest {
  private final KvStateMachine sm = new KvStateMachine();
  private long index;

  private void apply(byte[] command) {
    sm.apply(++index, command);
  }

  private static byte[] bytes(KvView v) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    v.writeTo(out);
    return out.toByteArray();
  }

  @Test
  void aViewIsUnchangedByLaterAppliesOfKeysAndSessions() throws IOException {
    for (int i = 0; i < 100; i++) {
      apply(put(String.format("k%03d", i), "v" + i));
    }
    apply(register(T0));
    long session = index;
    apply(KvCommandCodec.encode(new KvCommand.Put(new Session(session, 1, 0), T0, b("k000"),
        b("s1"), false)));
    byte[] snapshot = sm.snapshot();
    long hash = sm.hash();
    KvView view = sm.view();

    apply(put("k050", "changed"));
    apply(delete("k0", true, false));
    apply(KvCommandCodec.encode(new KvCommand.Put(new Session(session, 2, 1), T0, b("z"),
        b("s2"), false)));
    apply(register(T0));
    assertThat(sm.keyCount()).isEqualTo(1);

    assertThat(view.keyCount()).isEqualTo(100);
    assertThat(view.sessionCount()).isEqualTo(1);
    assertThat(s(view.get(b("k050")).orElseThrow().value())).isEqualTo("v50");
    assertThat(view.range(KeyRange.prefix(b("k0")), 0, false, false).kvs()).hasSize(100);
    assertThat(view.hash()).isEqualTo(hash).isNotEqualTo(sm.hash());
    assertThat(bytes(view)).isEqualTo(snapshot);
    assertThat(view.appliedIndex()).isEqualTo(102);
  }

  @Test
  void captureTakesAViewAndTheWriterWritesTheStateOfThatMoment() throws IOException {
    apply(put("a", "1"));
    byte[] snapshot = sm.snapshot();
    SnapshotWriter writer = sm.capture();
    long hashLater = sm.hasher().getAsLong();
    java.util.function.LongSupplier hasher = sm.hasher();
    apply(put("a", "2"));
    apply(put("b", "3"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.writeTo(out);
    assertThat(out.toByteArray()).isEqualTo(snapshot);
    assertThat(hasher.getAsLong()).isEqualTo(hashLater).isNotEqualTo(sm.hash());
  }

  @Test
  void aRangeStopsAtTheByteCapWhileScanningAndSaysThereIsMore() {
    byte[] value = new byte[1000];
    for (int i = 0; i < 1000; i++) {
      sm.apply(++index, KvCommandCodec.encode(new KvCommand.Put(Session.NONE, T0,
          b(String.format("k%04d", i)), value, false)));
    }
    long perEntry = 5 + 1000 + KvLimits.ENTRY_OVERHEAD_BYTES;
    RangeResult r = sm.view().range(KeyRange.all(), 0, false, false, 10 * perEntry);
    assertThat(r.kvs()).hasSize(10);
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(1000);
    assertThat(s(r.kvs().get(9).key())).isEqualTo("k0009");

    // keys only: values do not count
    RangeResult keys = sm.view().range(KeyRange.all(), 0, true, false, 10 * perEntry);
    assertThat(keys.kvs()).hasSize((int) (10 * perEntry / (5 + KvLimits.ENTRY_OVERHEAD_BYTES)));
    assertThat(keys.more()).isTrue();

    // at least one key-value, however small the cap
    assertThat(sm.view().range(KeyRange.all(), 0, false, false, 1).kvs()).hasSize(1);
    // the limit still applies below the cap, and count-only counts without returning
    assertThat(sm.view().range(KeyRange.all(), 3, false, false).kvs()).hasSize(3);
    RangeResult count = sm.view().range(KeyRange.prefix(b("k00")), 0, false, true);
    assertThat(count.count()).isEqualTo(100);
    assertThat(count.kvs()).isEmpty();
  }

  @Test
  void theDefaultCapIsTheAnswerLimit() {
    byte[] mib = new byte[1 << 20];
    for (int i = 0; i < 5; i++) {
      sm.apply(++index, KvCommandCodec.encode(new KvCommand.Put(Session.NONE, T0,
          b("big" + i), mib, false)));
    }
    RangeResult r = sm.view().range(KeyRange.all(), 0, false, false);
    assertThat(r.kvs()).hasSize(2); // a third would pass 3 MiB
    assertThat(r.more()).isTrue();
    assertThat(r.count()).isEqualTo(5);
  }
}
