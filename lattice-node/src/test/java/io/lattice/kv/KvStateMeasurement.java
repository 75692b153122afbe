package io.lattice.kv;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * A measurement run, not a test: heap per key, loop-thread cost of a snapshot capture and of a
 * view, and the cost of a full range, for N keys of 16 bytes with 100-byte values (default one
 * million), next to the mutable TreeMap layout this state machine used before. Run from the
 * module directory after {@code mvn -o test-compile}:
 *
 * <pre>
 *   java -cp target/classes:target/test-classes:$(cat cp.txt) io.lattice.kv.KvStateMeasurement [N]
 * </pre>
 *
 * with {@code cp.txt} from {@code mvn -o dependency:build-classpath -Dmdep.outputFile=cp.txt}.
 * Figures vary with the machine and its load: print the load average next to them.
 */
public final class KvStateMeasurement {
  private KvStateMeasurement() {}

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  private static byte[] key(int i) {
    return String.format("key-%012d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static byte[] value(int i) {
    byte[] v = new byte[100];
    for (int j = 0; j < v.length; j++) {
      v[j] = (byte) (i * 31 + j);
    }
    return v;
  }

  private static final OutputStream NULL = new OutputStream() {
    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  };

  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    System.out.printf("keys %,d of 16 B with 100 B values; max heap %,d MiB; load %s%n", n,
        Runtime.getRuntime().maxMemory() >> 20, load());

    long base = usedHeap();
    KvStateMachine sm = new KvStateMachine();
    for (int i = 0; i < n; i++) {
      sm.apply(i + 1, KvCommandCodec.encode(
          new KvCommand.Put(Session.NONE, 1, key(i), value(i), false)));
    }
    long persistent = usedHeap() - base;
    System.out.printf("persistent map (now): heap %,d MiB, %d B/key%n", persistent >> 20,
        persistent / n);

    // the layout before: a mutable TreeMap of the same entries (entries shared, so only the
    // map's own nodes are added; measured as the difference)
    long before = usedHeap();
    TreeMap<byte[], KvEntry> old = new TreeMap<>(Bytes::compare);
    for (Iterator<KvEntry> it = sm.view().range(KeyRange.all(), 0, false, false, Long.MAX_VALUE)
        .kvs().iterator(); it.hasNext(); ) {
      KvEntry e = it.next();
      old.put(e.key(), e);
    }
    long treeNodes = usedHeap() - before;
    System.out.printf("TreeMap nodes alone (before): %,d MiB, %d B/key (the persistent map's "
        + "nodes replace these)%n", treeNodes >> 20, treeNodes / n);

    long beforePersistent = usedHeap();
    org.pcollections.TreePMap<byte[], KvEntry> again = org.pcollections.TreePMap.empty(Bytes::compare);
    for (KvEntry e : old.values()) {
      again = again.plus(e.key(), e);
    }
    long persistentNodes = usedHeap() - beforePersistent;
    System.out.printf("persistent map nodes alone (now): %,d MiB, %d B/key; so the whole key space "
        + "took about %d B/key before and %d B/key now (%d keys)%n", persistentNodes >> 20,
        persistentNodes / n, (persistent - persistentNodes + treeNodes) / n, persistent / n,
        again.size());

    // loop-thread cost: capture and view, now
    int reps = 100_000;
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      sm.capture();
    }
    System.out.printf("capture() on the loop (now): %.3f us per call; load %s%n",
        (System.nanoTime() - t0) / 1e3 / reps, load());
    // before: one pass copying a reference per key
    for (int rep = 0; rep < 3; rep++) {
      t0 = System.nanoTime();
      List<KvEntry> copy = new ArrayList<>(old.size());
      copy.addAll(old.values());
      System.out.printf("capture on the loop (before: copy references): %.1f ms (%d); load %s%n",
          (System.nanoTime() - t0) / 1e6, copy.size(), load());
    }

    KvView view = sm.view();
    for (int rep = 0; rep < 3; rep++) {
      t0 = System.nanoTime();
      RangeResult capped = view.range(KeyRange.all(), 0, false, false);
      long capNanos = System.nanoTime() - t0;
      t0 = System.nanoTime();
      RangeResult count = view.range(KeyRange.all(), 0, false, true);
      long countNanos = System.nanoTime() - t0;
      t0 = System.nanoTime();
      List<KvEntry> all = new ArrayList<>(old.values()); // what a full Range did before
      long oldNanos = System.nanoTime() - t0;
      System.out.printf("full Range (now, off the loop, capped at 3 MiB): %.2f ms for %,d of %,d "
              + "keys; count only %.3f ms; before (copy all on the loop): %.1f ms (%,d); load %s%n",
          capNanos / 1e6, capped.kvs().size(), capped.count(), countNanos / 1e6, oldNanos / 1e6,
          all.size(), load());
    }
    for (int rep = 0; rep < 2; rep++) {
      t0 = System.nanoTime();
      view.writeTo(NULL);
      long write = System.nanoTime() - t0;
      t0 = System.nanoTime();
      long h = view.hash();
      System.out.printf("off the loop: snapshot encoding %.0f ms, state hash %.0f ms (%x); "
          + "load %s%n", write / 1e6, (System.nanoTime() - t0) / 1e6, h, load());
    }
    System.out.println(old.size() + sm.keyCount() > 0 ? "done" : "");
  }

  private static String load() {
    try {
      return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg")))
          .trim().split(" ")[0];
    } catch (IOException e) {
      return "?";
    }
  }
}
