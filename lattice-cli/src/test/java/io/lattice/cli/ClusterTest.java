package io.lattice.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests of commands against one real 3-node cluster per class, started before the first test and
 * closed after the last (even on failure).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClusterTest {
  LocalCluster cluster;
  /** The directory holding the nodes' data directories. */
  Path dir;

  @BeforeAll
  void startCluster(@TempDir Path dir) {
    this.dir = dir;
    cluster = LocalCluster.start(dir, 3);
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Runs {@code lattice --endpoints <the cluster> args...} in this JVM. */
  Cli.Result lattice(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--endpoints";
    all[1] = cluster.endpoints();
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.run(all);
  }
}
