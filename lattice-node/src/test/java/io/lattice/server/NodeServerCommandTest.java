package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.node.NodeConfig;
import io.lattice.node.SnapshotPolicy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Option parsing and validation of {@code lattice-node} (the run behaviour), without starting. */
class NodeServerCommandTest {
  @TempDir Path tmp;

  /** The voters' peer addresses. */
  private static final String CLUSTER = "n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103";

  private static int execute(StringWriter err, String... args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private static NodeConfig resolve(String... args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs(args);
    LatticeNodeCommand cmd = cl.getCommand();
    return cmd.resolveConfig();
  }

  @Test
  void parsesAFullCommandLine() {
    NodeConfig c = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--tick-ms", "20",
        "--election-ticks", "15", "--heartbeat-ticks", "3", "--snapshot-threshold", "500",
        "--snapshot-trailing", "50", "--lease-drift-ticks", "3", "--max-request-bytes", "4096",
        "--cluster-id", "prod", "--snapshot-log-ratio", "0.5", "--snapshot-log-bytes", "8MiB");
    assertThat(c.id()).isEqualTo("n1");
    assertThat(c.clientAddress()).isEqualTo("127.0.0.1:7001");
    assertThat(c.peerAddress()).as("from --initial-cluster").isEqualTo("127.0.0.1:7101");
    assertThat(c.initialCluster()).isEqualTo(Map.of("n1", "127.0.0.1:7101",
        "n2", "127.0.0.1:7102", "n3", "127.0.0.1:7103"));
    assertThat(c.join()).isFalse();
    assertThat(c.clusterId()).isEqualTo("prod");
    assertThat(c.tickMillis()).isEqualTo(20);
    assertThat(c.electionTicks()).isEqualTo(15);
    assertThat(c.heartbeatTicks()).isEqualTo(3);
    assertThat(c.snapshotThreshold()).isEqualTo(500);
    assertThat(c.trailingEntries()).isEqualTo(50);
    assertThat(c.leaseDriftTicks()).isEqualTo(3);
    assertThat(c.maxRequestBytes()).isEqualTo(4096);
    assertThat(c.snapshotPolicy()).isEqualTo(new SnapshotPolicy(500, 0.5, 8L << 20));
  }

  @Test
  void backPressureLimitsComeFromFlagsOrTheConfigFileOrDefaults() throws Exception {
    NodeConfig d = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER);
    assertThat(d.limits()).isEqualTo(io.lattice.node.LoadLimits.DEFAULTS);
    assertThat(d.raftConfig().maxUncommittedBytes()).isEqualTo(64L << 20);

    java.nio.file.Path conf = tmp.resolve("limits.conf");
    java.nio.file.Files.writeString(conf, "max-pending-requests=7\nmax-inbox-bytes=5000\n");
    NodeConfig c = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--config", conf.toString(),
        "--max-pending-requests", "9", "--max-pending-bytes", "4000",
        "--max-uncommitted-bytes", "3000");
    assertThat(c.limits()).isEqualTo(new io.lattice.node.LoadLimits(9, 4000, 5000, 3000));
    assertThat(c.raftConfig().maxUncommittedBytes()).isEqualTo(3000);

    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--max-inbox-bytes", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("limits must be positive");
  }

  @Test
  void badSnapshotByteRulesAreUsageErrors() {
    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--snapshot-log-ratio", "-1"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("log ratio");
    err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--snapshot-log-bytes", "lots"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--snapshot-log-bytes", "is not a size");
  }

  @Test
  void theTrailingWindowsByteBoundComesFromTheFlagOrTheConfigFileAndReachesTheCore()
      throws Exception {
    NodeConfig d = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER);
    assertThat(d.trailingBytes()).isEqualTo(64L << 20);
    assertThat(d.raftConfig().trailingBytes()).isEqualTo(64L << 20);

    Path conf = tmp.resolve("trailing.conf");
    Files.writeString(conf, "snapshot-trailing-bytes=8MiB\nsnapshot-trailing=77\n");
    NodeConfig c = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--config", conf.toString());
    assertThat(c.trailingBytes()).isEqualTo(8L << 20);
    assertThat(c.trailingEntries()).isEqualTo(77);
    NodeConfig flag = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--config", conf.toString(),
        "--snapshot-trailing-bytes", "0");
    assertThat(flag.raftConfig().trailingBytes()).as("the flag wins; 0 keeps none").isZero();

    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--snapshot-trailing-bytes", "much"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--snapshot-trailing-bytes", "is not a size");
  }

  @Test
  void listenerLimitsComeFromFlagsOrTheConfigFileWithDefaultsAndAreChecked() throws Exception {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER);
    LatticeNodeCommand cmd = cl.getCommand();
    cmd.resolveConfig();
    assertThat(cmd.resolvedLimits).isEqualTo(ListenerLimits.defaults());

    java.nio.file.Path conf = tmp.resolve("limits.conf");
    java.nio.file.Files.writeString(conf, "max-connections=100\nmax-connection-idle-ms=60000\n"
        + "keepalive-without-calls=true\n");
    cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER, "--config", conf.toString(),
        "--max-streams-per-connection", "50", "--keepalive-min-time-ms", "10000",
        "--max-connections", "200");
    cmd = cl.getCommand();
    cmd.resolveConfig();
    assertThat(cmd.resolvedLimits).isEqualTo(new ListenerLimits(200, 50,
        java.time.Duration.ofMinutes(1), java.time.Duration.ofSeconds(10), true));

    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--max-connections", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("must be positive");
  }

  @Test
  void theDiskReserveTakesSizesWithUnitsFromTheFlagOrTheConfigFile() throws Exception {
    String[] base = {"--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER};
    assertThat(resolve(base).diskReserveBytes()).isEqualTo(NodeConfig.DEFAULT_DISK_RESERVE_BYTES)
        .isEqualTo(64L << 20);
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(base));
    args.addAll(java.util.List.of("--disk-reserve", "1GiB"));
    assertThat(resolve(args.toArray(String[]::new)).diskReserveBytes()).isEqualTo(1L << 30);
    assertThat(Sizes.parse("512KiB")).isEqualTo(512L << 10);
    assertThat(Sizes.parse("4096")).isEqualTo(4096);
    assertThat(Sizes.parse("0")).isZero();

    java.nio.file.Path conf = tmp.resolve("disk.conf");
    java.nio.file.Files.writeString(conf, "disk-reserve=16MiB\n");
    args = new java.util.ArrayList<>(java.util.List.of(base));
    args.addAll(java.util.List.of("--config", conf.toString()));
    assertThat(resolve(args.toArray(String[]::new)).diskReserveBytes()).isEqualTo(16L << 20);

    StringWriter err = new StringWriter();
    args = new java.util.ArrayList<>(java.util.List.of(base));
    args.addAll(java.util.List.of("--disk-reserve", "lots"));
    assertThat(execute(err, args.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--disk-reserve").contains("64MiB");
  }

  @Test
  void metricsAddressComesFromTheFlagOrTheConfigFileAndIsChecked() throws Exception {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER, "--metrics", "127.0.0.1:9101");
    LatticeNodeCommand cmd = cl.getCommand();
    cmd.resolveConfig();
    assertThat(cmd.resolvedMetrics).isEqualTo("127.0.0.1:9101");

    java.nio.file.Path conf = tmp.resolve("node.conf");
    java.nio.file.Files.writeString(conf, "metrics=127.0.0.1:9102\n");
    cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER, "--config", conf.toString());
    cmd = cl.getCommand();
    cmd.resolveConfig();
    assertThat(cmd.resolvedMetrics).isEqualTo("127.0.0.1:9102");

    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--metrics", "nowhere")).isEqualTo(2);
    assertThat(err.toString()).contains("--metrics");
  }

  @Test
  void maxTxnOpsComesFromTheFlagOrTheConfigFileAndIsBoundedByTheHardLimit() throws Exception {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER);
    LatticeNodeCommand cmd = cl.getCommand();
    cmd.resolveConfig();
    assertThat(cmd.resolvedMaxTxnOps).isEqualTo(io.lattice.kv.KvLimits.DEFAULT_MAX_TXN_OPS);

    java.nio.file.Path conf = tmp.resolve("txn.conf");
    java.nio.file.Files.writeString(conf, "max-txn-ops=500\n");
    cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER, "--config", conf.toString());
    cmd = cl.getCommand();
    cmd.resolveConfig();
    assertThat(cmd.resolvedMaxTxnOps).isEqualTo(500);

    for (String bad : new String[] {"0", String.valueOf(io.lattice.kv.KvLimits.HARD_MAX_TXN_OPS + 1)}) {
      StringWriter err = new StringWriter();
      assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
          "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--max-txn-ops", bad)).isEqualTo(2);
      assertThat(err.toString()).contains("--max-txn-ops must be from 1 to "
          + io.lattice.kv.KvLimits.HARD_MAX_TXN_OPS);
    }
  }

  @Test
  void defaultsAndJoin() {
    NodeConfig c = resolve("--id", "n4", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7004", "--listen-peer", "127.0.0.1:7104", "--join");
    assertThat(c.join()).isTrue();
    assertThat(c.initialCluster()).isEmpty();
    assertThat(c.clusterId()).isEqualTo("lattice");
    assertThat(c.snapshotThreshold()).isEqualTo(1000);
    assertThat(c.snapshotPolicy()).isEqualTo(new SnapshotPolicy(1000,
        SnapshotPolicy.DEFAULT_LOG_RATIO, SnapshotPolicy.DEFAULT_LOG_BYTES));
    assertThat(c.tickMillis()).isEqualTo(NodeConfig.DEFAULT_TICK_MILLIS);
  }

  @Test
  void badInitialClusterIsAUsageError() {
    StringWriter err = new StringWriter();
    int code = execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", "n1=127.0.0.1:7101,n2");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--initial-cluster", "'n2' is not id=host:port");
  }

  @Test
  void otherValidationErrorsAreUsageErrors() {
    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n9", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7009", "--initial-cluster", CLUSTER)).isEqualTo(2);
    assertThat(err.toString()).contains("does not contain this node 'n9'");

    err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:99999", "--initial-cluster", CLUSTER)).isEqualTo(2);
    assertThat(err.toString()).contains("--listen-client", "1..65535");

    err = new StringWriter();
    assertThat(execute(err, "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER)).isEqualTo(2);
    assertThat(err.toString()).contains("--id is required");

    err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER, "--election-ticks", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("invalid configuration");

    err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--listen-peer", "127.0.0.1:7102", "--initial-cluster", CLUSTER))
        .isEqualTo(2);
    assertThat(err.toString()).contains("but --listen-peer is 127.0.0.1:7102");
  }

  @Test
  void listenSaysOnceInTheLogThatItIsDeprecated() {
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
        new ch.qos.logback.core.read.ListAppender<>();
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(LatticeNodeCommand.class);
    captured.start();
    logger.addAppender(captured);
    try {
      resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
          "--initial-cluster", CLUSTER);
      assertThat(captured.list).as("nothing deprecated used").isEmpty();
      resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen", "127.0.0.1:7001",
          "--initial-cluster", CLUSTER);
      assertThat(captured.list).hasSize(1);
      assertThat(captured.list.get(0).getFormattedMessage())
          .contains("--listen", "deprecated", "--listen-client");
    } finally {
      logger.detachAppender(captured);
    }
  }

  @Test
  void listenIsTheDeprecatedNameOfListenClient() {
    NodeConfig old = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER);
    NodeConfig current = resolve("--id", "n1", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7001", "--initial-cluster", CLUSTER);
    assertThat(old).isEqualTo(current);
    StringWriter err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen",
        "127.0.0.1:7001", "--listen-client", "127.0.0.1:7001", "--initial-cluster", CLUSTER))
        .isEqualTo(2);
    assertThat(err.toString()).contains("give only one of them");
  }

  @Test
  void listenersFromTheConfigFile() throws Exception {
    Path file = tmp.resolve("n4.properties");
    Files.writeString(file, "id=n4\ndata-dir=d\nlisten-client=127.0.0.1:7004\n"
        + "listen-peer=127.0.0.1:7104\njoin=true\n");
    NodeConfig c = resolve("--config", file.toString());
    assertThat(c.clientAddress()).isEqualTo("127.0.0.1:7004");
    assertThat(c.peerAddress()).isEqualTo("127.0.0.1:7104");
  }

  @Test
  void clientAndPeerListenersMustDifferAndBothBeKnown() {
    StringWriter err = new StringWriter();
    // an old command line: one address for everything
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen",
        "127.0.0.1:7101", "--initial-cluster", CLUSTER)).isEqualTo(2);
    assertThat(err.toString()).contains("--listen-client and --listen-peer are both 127.0.0.1:7101");

    err = new StringWriter();
    assertThat(execute(err, "--id", "n4", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7004", "--join")).isEqualTo(2);
    assertThat(err.toString()).contains("--listen-peer is required");

    err = new StringWriter();
    assertThat(execute(err, "--id", "n1", "--data-dir", tmp.toString(), "--listen-peer",
        "127.0.0.1:7101", "--initial-cluster", CLUSTER)).isEqualTo(2);
    assertThat(err.toString()).contains("--listen-client is required");

    err = new StringWriter();
    assertThat(execute(err, "--id", "n4", "--data-dir", tmp.toString(), "--listen-client",
        "127.0.0.1:7004", "--listen-peer", "127.0.0.1:0", "--join")).isEqualTo(2);
    assertThat(err.toString()).contains("--listen-peer", "1..65535");
  }

  @Test
  void noArgumentsPrintsUsage() {
    StringWriter err = new StringWriter();
    assertThat(execute(err)).isEqualTo(2);
    assertThat(err.toString()).contains("Usage: lattice-node");
  }

  @Test
  void configFileValuesWithAFlagOverridingOne() throws Exception {
    Path file = tmp.resolve("n2.properties");
    Files.writeString(file, String.join("\n",
        "id=n2",
        "data-dir=" + tmp.resolve("data").toString().replace("\\", "/"),
        "listen=127.0.0.1:7002",
        "initial-cluster=" + CLUSTER,
        "cluster-id=from-file",
        "tick-ms=25",
        "snapshot-threshold=200",
        "snapshot-log-ratio=2.5",
        "snapshot-log-bytes=1GiB",
        ""));
    NodeConfig c = resolve("--config", file.toString(), "--snapshot-threshold", "300");
    assertThat(c.snapshotPolicy()).isEqualTo(new SnapshotPolicy(300, 2.5, 1L << 30));
    assertThat(c.id()).isEqualTo("n2");
    assertThat(c.dataDir()).isEqualTo(tmp.resolve("data"));
    assertThat(c.clientAddress()).as("the deprecated key 'listen'").isEqualTo("127.0.0.1:7002");
    assertThat(c.peerAddress()).isEqualTo("127.0.0.1:7102");
    assertThat(c.clusterId()).isEqualTo("from-file");
    assertThat(c.tickMillis()).isEqualTo(25);
    assertThat(c.snapshotThreshold()).isEqualTo(300); // the flag wins
    assertThat(c.initialCluster()).containsKeys("n1", "n2", "n3");
  }

  @Test
  void configFileWithAnUnknownKeyIsAUsageError() throws Exception {
    Path file = tmp.resolve("bad.properties");
    Files.writeString(file, "id=n1\nlisten-address=127.0.0.1:7001\n");
    StringWriter err = new StringWriter();
    assertThat(execute(err, "--config", file.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("unknown key 'listen-address'");
    assertThatThrownBy(() -> resolve("--config", tmp.resolve("missing").toString()))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("no such readable file");
  }
}
