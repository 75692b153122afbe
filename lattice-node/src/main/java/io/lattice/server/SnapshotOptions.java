package io.lattice.server;

import io.lattice.node.NodeConfig;
import io.lattice.node.SnapshotPolicy;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The snapshot flags of {@code lattice-node}: when automatic snapshots are taken ({@link
 * SnapshotPolicy}) and what is kept of the log behind one. The same keys in the --config file (a
 * flag wins).
 */
final class SnapshotOptions {
  /** The --config keys of these options. */
  static final Set<String> CONFIG_KEYS = Set.of("snapshot-threshold", "snapshot-log-ratio",
      "snapshot-log-bytes", "snapshot-trailing", "snapshot-trailing-bytes");

  @Option(names = "--snapshot-threshold", paramLabel = "N",
      description = "Snapshot every N applied entries, 0 = only on demand (default: "
          + NodeConfig.DEFAULT_SNAPSHOT_THRESHOLD + ").")
  Long snapshotThreshold;

  @Option(names = "--snapshot-log-ratio", paramLabel = "R",
      description = "An automatic snapshot also waits until the log bytes since the last one reach "
          + "R times its size, so snapshots write about 1/R of the log's bytes whatever the state "
          + "size; 0 = every --snapshot-threshold entries (default: "
          + SnapshotPolicy.DEFAULT_LOG_RATIO + ").")
  Double snapshotLogRatio;

  @Option(names = "--snapshot-log-bytes", paramLabel = "SIZE",
      description = "Snapshot once the log since the last snapshot passes SIZE, e.g. 64MiB, even "
          + "below --snapshot-threshold entries (if --snapshot-log-ratio allows); 0 = off "
          + "(default: 64MiB).")
  String snapshotLogBytes;

  @Option(names = "--snapshot-trailing", paramLabel = "N",
      description = "Entries kept behind a snapshot for slow followers (default: "
          + NodeConfig.DEFAULT_TRAILING_ENTRIES + ").")
  Long snapshotTrailing;

  @Option(names = "--snapshot-trailing-bytes", paramLabel = "SIZE",
      description = "Bytes of those entries at most, e.g. 64MiB: with large entries fewer than "
          + "--snapshot-trailing are kept, down to none; a follower further behind gets the "
          + "snapshot (default: 64MiB).")
  String snapshotTrailingBytes;

  /**
   * {@code base} with these flags over the --config file's keys over the defaults.
   *
   * @param configFile the --config file, named in errors about its values
   */
  NodeConfig applyTo(NodeConfig base, Properties file, Path configFile,
      Function<String, CommandLine.ParameterException> usage) {
    Function<String, CommandLine.ParameterException> fileError =
        m -> usage.apply("--config " + configFile + ": " + m);
    return base
        .withSnapshots(
            num(snapshotThreshold, file, "snapshot-threshold",
                NodeConfig.DEFAULT_SNAPSHOT_THRESHOLD, fileError),
            num(snapshotTrailing, file, "snapshot-trailing", NodeConfig.DEFAULT_TRAILING_ENTRIES,
                fileError))
        .withSnapshotBytes(logRatio(file, fileError),
            size(snapshotLogBytes, file, "snapshot-log-bytes", SnapshotPolicy.DEFAULT_LOG_BYTES,
                usage))
        .withTrailingBytes(size(snapshotTrailingBytes, file, "snapshot-trailing-bytes",
            NodeConfig.DEFAULT_TRAILING_BYTES, usage));
  }

  private double logRatio(Properties file,
      Function<String, CommandLine.ParameterException> usage) {
    if (snapshotLogRatio != null) {
      return snapshotLogRatio;
    }
    String v = file.getProperty("snapshot-log-ratio");
    try {
      return v == null ? SnapshotPolicy.DEFAULT_LOG_RATIO : Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw usage.apply("snapshot-log-ratio='" + v + "' is not a number");
    }
  }

  private static long num(Long flag, Properties file, String key, long dflt,
      Function<String, CommandLine.ParameterException> usage) {
    if (flag != null) {
      return flag;
    }
    String v = file.getProperty(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw usage.apply(key + "='" + v + "' is not a number");
    }
  }

  private static long size(String flag, Properties file, String key, long dflt,
      Function<String, CommandLine.ParameterException> usage) {
    String text = flag != null ? flag : file.getProperty(key);
    try {
      return text == null ? dflt : Sizes.parse(text);
    } catch (IllegalArgumentException e) {
      throw usage.apply("--" + key + ": " + e.getMessage());
    }
  }
}
