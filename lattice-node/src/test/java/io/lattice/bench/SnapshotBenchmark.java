package io.lattice.bench;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvStateMachine;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SnapshotStore;
import io.lattice.storage.SnapshotWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * How long a snapshot holds the node's loop, against how long writing it takes: the loop only runs
 * {@link KvStateMachine#capture()}; encoding, writing and fsync ({@link SnapshotStore#stage}) run on
 * the snapshot thread meanwhile. One run, on one machine, medians of 5:
 *
 * <pre>
 *   mvn -q -pl lattice-node -Pbench test-compile exec:java -Dbench.main=io.lattice.bench.SnapshotBenchmark
 * </pre>
 *
 * Option (in exec.args): {@code --keys N} (default 1000000) keys of 16 bytes with 100-byte values.
 */
public final class SnapshotBenchmark {
  private SnapshotBenchmark() {}

  public static void main(String[] args) throws Exception {
    int keys = 1_000_000;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--keys")) {
        keys = Integer.parseInt(args[++i]);
      }
    }
    KvStateMachine sm = new KvStateMachine();
    byte[] value = new byte[100];
    Arrays.fill(value, (byte) 'v');
    for (int i = 1; i <= keys; i++) {
      byte[] key = String.format("key/%012d", i).getBytes(StandardCharsets.UTF_8);
      sm.apply(i, KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 1_000_000L + i, key, value,
          false)));
    }
    Path dir = Files.createTempDirectory("lattice-snapshot-bench-");
    try {
      FileSnapshotStore store = new FileSnapshotStore(dir, FileIo.SYSTEM);
      SnapshotMeta meta = new SnapshotMeta(keys, 1, Membership.ofVoterIds("n1"));
      long[] capture = new long[5];
      long[] write = new long[5];
      long bytes = 0;
      for (int round = 0; round < 5; round++) {
        long t0 = System.nanoTime();
        SnapshotWriter w = sm.capture();
        long t1 = System.nanoTime();
        SnapshotStore.Staged staged = store.stage(meta, w);
        long t2 = System.nanoTime();
        capture[round] = t1 - t0;
        write[round] = t2 - t1;
        store.discard(staged);
        if (round == 0) {
          store.publish(store.stage(meta, sm.capture()));
          try (Stream<Path> files = Files.list(store.directory())) {
            bytes = files.mapToLong(p -> p.toFile().length()).sum();
          }
        }
      }
      double c = median(capture) / 1e6;
      double wr = median(write) / 1e6;
      System.out.printf(Locale.ROOT, "%d keys, snapshot file %.1f MiB%n", keys,
          bytes / 1048576.0);
      System.out.printf(Locale.ROOT, "capture on the loop thread: %.1f ms (median of 5)%n", c);
      System.out.printf(Locale.ROOT,
          "encode + write + fsync on the snapshot thread: %.1f ms (median of 5)%n", wr);
      System.out.printf(Locale.ROOT, "loop stall / whole snapshot: %.3f%n", c / (c + wr));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
