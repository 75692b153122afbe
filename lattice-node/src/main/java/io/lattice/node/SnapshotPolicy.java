package io.lattice.node;

/**
 * When a node takes its automatic snapshot: a rule whose cost stays a bounded fraction of the
 * write work whatever the size of the state, while the log stays bounded in entries and in bytes.
 *
 * <p>With {@code L} the log bytes applied since the last snapshot (each entry's payload plus its
 * record framing), {@code N} the entries applied since it and {@code S} the size of the last
 * snapshot's data, a snapshot is due when
 *
 * <pre>   L >= logRatio × S   and   (N >= threshold  or  L >= logBytes)</pre>
 *
 * <ul>
 *   <li><b>threshold</b> keeps the old behaviour for a small state: it is compacted every {@code
 *       threshold} entries, as before (the ratio is met long before);
 *   <li><b>logRatio</b> bounds the cost: a snapshot of {@code S} bytes is written only after at
 *       least {@code logRatio × S} bytes went to the log, so the bytes all snapshots write are at
 *       most {@code 1 / logRatio} of the log's bytes, plus what the state grew by meanwhile (at most
 *       about the log's bytes again for pure inserts: {@code (1 / logRatio + 1) × log bytes} in the
 *       worst case, {@code 1 / logRatio} for updates of the same keys). With the default 1.0 a large
 *       state is rewritten once per its own size of writes, not every {@code threshold} entries;
 *   <li><b>logBytes</b> bounds the log in bytes where the threshold does not (large entries: 1,000
 *       entries of 1 MiB are 1 GiB of log in memory and to replay): past it a snapshot is due even
 *       below the threshold, as long as the ratio holds.
 * </ul>
 *
 * <p>So the log never holds much more than {@code max(logBytes, logRatio × S)} bytes since the last
 * snapshot (plus what is applied while one is written). Both bounds hold at once because the byte
 * cap gives way to the ratio: the log grows past {@code logBytes} only for a state larger than
 * {@code logBytes / logRatio}, and then by at most {@code logRatio} times the state's size, which
 * the node holds in memory anyway (its memory stays within about {@code (1 + logRatio)} times the
 * state's, and a recovery reads at most that much). An operator who needs an absolute log bound
 * whatever the state sets {@code logRatio} to 0 (then {@code logBytes} is a hard cap and a large
 * state is rewritten every {@code logBytes} of writes: the old cost, traded for the bound).
 *
 * @param threshold entries since the last snapshot before one is due; 0 disables automatic
 *     snapshots altogether (on demand only)
 * @param logRatio log bytes since the last snapshot, as a multiple of its size, before the next is
 *     due; 0: no byte rule (every {@code threshold} entries, as before)
 * @param logBytes log bytes since the last snapshot past which one is due below the threshold; 0:
 *     none (the threshold alone)
 */
public record SnapshotPolicy(long threshold, double logRatio, long logBytes) {
  public static final double DEFAULT_LOG_RATIO = 1.0;
  /**
   * 64 MiB: a few seconds of writes at full speed, replayed in well under a second, small next to
   * the heap; the same order as the disk reserve.
   */
  public static final long DEFAULT_LOG_BYTES = 64L << 20;

  public SnapshotPolicy {
    if (threshold < 0 || logBytes < 0 || !(logRatio >= 0) || Double.isInfinite(logRatio)) {
      throw new IllegalArgumentException("snapshot threshold, log ratio and log bytes must be "
          + ">= 0 (and the ratio finite): " + threshold + ", " + logRatio + ", " + logBytes);
    }
  }

  /** A snapshot every {@code threshold} entries whatever their size (no byte rule). */
  public static SnapshotPolicy everyEntries(long threshold) {
    return new SnapshotPolicy(threshold, 0, 0);
  }

  /** Whether automatic snapshots are taken at all. */
  public boolean automatic() {
    return threshold > 0;
  }

  /**
   * Whether a snapshot is due after {@code entries} entries of {@code bytes} log bytes since the
   * last one, whose data was {@code lastSnapshotBytes} long (0 if there is none).
   */
  public boolean due(long entries, long bytes, long lastSnapshotBytes) {
    if (threshold == 0 || entries <= 0) {
      return false;
    }
    if (bytes < logRatio * lastSnapshotBytes) {
      return false;
    }
    return entries >= threshold || (logBytes > 0 && bytes >= logBytes);
  }
}
