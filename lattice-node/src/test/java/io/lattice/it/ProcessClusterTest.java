package io.lattice.it;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every multi-process test shares: a cluster in a temp directory, a client, every process
 * killed after each test (even on failure), and the nodes' output printed when a test fails.
 */
abstract class ProcessClusterTest {
  static final Duration ELECTION_BOUND = Duration.ofSeconds(30);
  static final Duration OP_BOUND = Duration.ofSeconds(10);

  @TempDir Path tmp;
  ProcessCluster cluster;
  KvClient client;

  /** Runs before @AfterEach: on failure, print every node's output while the files still exist. */
  @RegisterExtension
  final AfterTestExecutionCallback dumpOnFailure = ctx -> {
    if (ctx.getExecutionException().isPresent() && cluster != null) {
      System.err.println(cluster.dumpOutputs());
    }
  };

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Starts {@code size} nodes with {@code extraArgs} on top of the usual flags. */
  ProcessCluster start(int size, List<String> extraArgs) throws IOException {
    return start(size, extraArgs, null);
  }

  /** As {@link #start(int, List)}, the members dialling each other through {@code proxy}. */
  ProcessCluster start(int size, List<String> extraArgs, FaultProxy proxy) throws IOException {
    cluster = new ProcessCluster(size, tmp, extraArgs, proxy, tls()).start();
    client = new KvClient(cluster.addresses(), cluster.tls);
    return cluster;
  }

  /**
   * How this suite's nodes are secured: TLS with {@code -Dlattice.it.tls=true}, else --insecure.
   * Suites that must always run with TLS override it.
   */
  ProcessTls tls() {
    return ProcessTls.fromProperty(tmp.resolve("pki"));
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
