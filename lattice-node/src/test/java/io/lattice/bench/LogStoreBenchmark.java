package io.lattice.bench;

import io.lattice.raft.Entry;
import io.lattice.storage.FileIo;
import io.lattice.storage.SegmentedLogStore;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * How close the segmented log comes to the disk, in one run on one directory (so one file system):
 *
 * <ol>
 *   <li>raw: a 256-byte positional write to a FileChannel plus {@code force(false)}, repeated:
 *       the fsync rate of the device, the ceiling for anything durable;
 *   <li>{@link SegmentedLogStore}: batches of 1, 16 and 256 entries of 256 bytes, one {@code
 *       append} and one {@code sync} per batch (group commit), in entries/s and batches/s;
 *   <li>reopen: {@link SegmentedLogStore#open} plus reading every entry back with {@code
 *       read(first, last)}, for a log of 1,000,000 entries of 256 bytes in 64 MiB segments (page
 *       cache warm, code paths cold: as after a restart).
 * </ol>
 *
 * Goals: batch-1 sync rate ≥ 0.8 × raw, batch-256 ≥ 200,000 entries/s, reopen ≤ 2 s.
 *
 * <p>Not a unit test: run it by hand, on the file system you care about:
 *
 * <pre>
 *   mvn -q -pl lattice-node -Pbench test-compile exec:java                       (temp dir)
 *   mvn -q -pl lattice-node -Pbench test-compile exec:java -Dexec.args="--dir /data/bench"
 * </pre>
 *
 * Options: {@code --dir PATH} (a fresh subdirectory is made and removed there), {@code --seconds N}
 * per measurement (default 2), {@code --rounds N} of every write measurement, interleaved, medians
 * reported (default 3), {@code --entries N} for the reopen log (default 1000000), {@code --keep}
 * to leave the files.
 */
public final class LogStoreBenchmark {
  static final int PAYLOAD = 256;

  private final Path root;
  private final double seconds;
  private final int rounds;
  private final int reopenEntries;
  private final byte[] payload = new byte[PAYLOAD];

  private LogStoreBenchmark(Path root, double seconds, int rounds, int reopenEntries) {
    this.root = root;
    this.seconds = seconds;
    this.rounds = rounds;
    this.reopenEntries = reopenEntries;
    for (int i = 0; i < PAYLOAD; i++) {
      payload[i] = (byte) (i * 31 + 7);
    }
  }

  public static void main(String[] args) throws Exception {
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    double seconds = 2;
    int rounds = 3;
    int entries = 1_000_000;
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> base = Path.of(args[++i]);
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--entries" -> entries = Integer.parseInt(args[++i]);
        case "--keep" -> keep = true;
        default -> {
          System.err.println("usage: LogStoreBenchmark [--dir PATH] [--seconds N] [--rounds N]"
              + " [--entries N] [--keep]");
          System.exit(2);
        }
      }
    }
    Files.createDirectories(base);
    Path root = Files.createTempDirectory(base, "lattice-bench-");
    try {
      new LogStoreBenchmark(root, seconds, rounds, entries).run();
    } finally {
      if (!keep) {
        deleteRecursively(root);
      } else {
        System.out.println("files kept in " + root);
      }
    }
  }

  private void run() throws IOException {
    System.out.printf(Locale.ROOT, "Lattice log store benchmark in %s (%s), %d rounds of %.1f s per"
        + " measurement, Java %s, %d CPUs, load average %s%n", root,
        Files.getFileStore(root).type(), rounds, seconds, System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(), loadAverage());

    // warm up the JIT on the write paths, briefly
    rawSync(root.resolve("warm-raw"), PAYLOAD, Math.min(0.5, seconds));
    storeBatches(root.resolve("warm-store"), 16, Math.min(0.5, seconds));

    // Interleaved rounds, medians: the device's fsync rate drifts (other load, write-back), and a
    // ratio of two measurements taken minutes apart would mostly measure that drift.
    int batchBytes = 256 * (PAYLOAD + 25);
    double[] raw = new double[rounds];
    double[] rawBatch = new double[rounds];
    double[][] b1 = new double[rounds][];
    double[][] b16 = new double[rounds][];
    double[][] b256 = new double[rounds][];
    for (int r = 0; r < rounds; r++) {
      raw[r] = rawSync(root.resolve("raw-" + r), PAYLOAD, seconds);
      b1[r] = storeBatches(root.resolve("batch-1-" + r), 1, seconds);
      b16[r] = storeBatches(root.resolve("batch-16-" + r), 16, seconds);
      b256[r] = storeBatches(root.resolve("batch-256-" + r), 256, seconds);
      rawBatch[r] = rawSync(root.resolve("raw-batch-" + r), batchBytes, seconds);
    }
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      ratios[r] = b1[r][1] / raw[r];
    }
    double[] reopen = reopen(root.resolve("reopen"));

    System.out.println();
    System.out.printf(Locale.ROOT, "%-40s %14s %14s%n", "measurement (median of rounds)",
        "entries/s", "syncs/s");
    System.out.printf(Locale.ROOT, "%-40s %14s %14.0f%n", "raw write(256 B) + force", "-",
        median(raw));
    System.out.printf(Locale.ROOT, "%-40s %14.0f %14.0f%n", "store, batch of 1 + sync",
        median(b1, 0), median(b1, 1));
    System.out.printf(Locale.ROOT, "%-40s %14.0f %14.0f%n", "store, batch of 16 + sync",
        median(b16, 0), median(b16, 1));
    System.out.printf(Locale.ROOT, "%-40s %14.0f %14.0f%n", "store, batch of 256 + sync",
        median(b256, 0), median(b256, 1));
    System.out.printf(Locale.ROOT, "%-40s %14.0f %14.0f%n",
        "raw write(" + batchBytes + " B) + force (ceiling)", 256 * median(rawBatch),
        median(rawBatch));
    System.out.println();
    double ratio = median(ratios);
    System.out.printf(Locale.ROOT, "%-46s %10.2f   goal >= 0.80     %s   (per round: %s)%n",
        "batch-1 syncs/s / raw syncs/s", ratio, verdict(ratio >= 0.8), list(ratios));
    System.out.printf(Locale.ROOT,
        "%-46s %10.0f   goal >= 200000   %s   (%.2f of the raw ceiling)%n",
        "batch-256 entries/s", median(b256, 0), verdict(median(b256, 0) >= 200_000),
        median(b256, 1) / median(rawBatch));
    System.out.printf(Locale.ROOT, "%-46s %10.2f   goal <= 2.00     %s%n",
        "reopen + read all of " + reopenEntries + " entries (s)", reopen[0],
        verdict(reopen[0] <= 2));
    System.out.printf(Locale.ROOT, "  open %.2f s + read %.2f s; CPU of the reading thread %.2f s,"
        + " GC %.2f s; a second (warm) reopen took %.2f s; writing the log took %.2f s%n",
        reopen[1], reopen[2], reopen[4], reopen[5], reopen[6], reopen[3]);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double median(double[][] xs, int column) {
    double[] c = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      c[i] = xs[i][column];
    }
    return median(c);
  }

  private static String list(double[] xs) {
    StringBuilder sb = new StringBuilder();
    for (double x : xs) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", x));
    }
    return sb.toString();
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static String verdict(boolean ok) {
    return ok ? "ok" : "MISSED";
  }

  /** Raw FileChannel: write one record of {@code bytes} at the end, force(false); ops/s. */
  private double rawSync(Path dir, int bytes, double secs) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("raw.log");
    ByteBuffer record = ByteBuffer.allocate(bytes);
    for (int i = 0; i < bytes; i++) {
      record.put(i, payload[i % PAYLOAD]);
    }
    long ops = 0;
    long start = System.nanoTime();
    long deadline = start + (long) (secs * 1e9);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      long pos = 0;
      while (System.nanoTime() < deadline) {
        record.clear();
        while (record.hasRemaining()) {
          pos += ch.write(record, pos);
        }
        ch.force(false);
        ops++;
      }
    }
    double rate = ops / ((System.nanoTime() - start) / 1e9);
    deleteRecursively(dir);
    return rate;
  }

  /** The store: batches of {@code batch} entries, append + sync each; {entries/s, syncs/s}. */
  private double[] storeBatches(Path dir, int batch, double secs) throws IOException {
    long index = 1;
    long batches = 0;
    long start = System.nanoTime();
    long deadline = start + (long) (secs * 1e9);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      while (System.nanoTime() < deadline) {
        List<Entry> entries = new ArrayList<>(batch);
        for (int k = 0; k < batch; k++) {
          entries.add(Entry.command(1, index++, payload));
        }
        log.append(entries);
        log.sync();
        batches++;
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    deleteRecursively(dir);
    return new double[] {batches * batch / elapsed, batches / elapsed};
  }

  /**
   * Returns {open + read seconds, open seconds, read seconds, write seconds, CPU seconds of this
   * thread during open + read, GC seconds during open + read, a second open + read in seconds}.
   */
  private double[] reopen(Path dir) throws IOException {
    long w0 = System.nanoTime();
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM,
        SegmentedLogStore.DEFAULT_SEGMENT_BYTES)) {
      int batch = 4096;
      for (long i = 1; i <= reopenEntries; i += batch) {
        List<Entry> entries = new ArrayList<>(batch);
        for (long k = i; k < i + batch && k <= reopenEntries; k++) {
          entries.add(Entry.command(1 + k / 100_000, k, payload));
        }
        log.append(entries);
      }
      log.sync();
    }
    double write = (System.nanoTime() - w0) / 1e9;
    System.gc();

    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long gc0 = gcMillis();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    SegmentedLogStore log = SegmentedLogStore.open(dir, FileIo.SYSTEM,
        SegmentedLogStore.DEFAULT_SEGMENT_BYTES);
    long t1 = System.nanoTime();
    List<Entry> all;
    try (log) {
      all = log.read(log.firstIndex(), log.lastIndex());
    }
    long t2 = System.nanoTime();
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    long gc = gcMillis() - gc0;
    if (all.size() != reopenEntries || all.get(all.size() - 1).index() != reopenEntries) {
      throw new IllegalStateException("read back " + all.size() + " entries");
    }
    all = null;
    System.gc();
    long t3 = System.nanoTime();
    try (SegmentedLogStore again = SegmentedLogStore.open(dir, FileIo.SYSTEM,
        SegmentedLogStore.DEFAULT_SEGMENT_BYTES)) {
      all = again.read(again.firstIndex(), again.lastIndex());
    }
    long t4 = System.nanoTime();
    deleteRecursively(dir);
    return new double[] {(t2 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9, write, cpu / 1e9,
        gc / 1e3, (t4 - t3) / 1e9};
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
