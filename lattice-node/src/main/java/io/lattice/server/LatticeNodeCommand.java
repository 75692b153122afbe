package io.lattice.server;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.lattice.api.ClusterService;
import io.lattice.api.KvService;
import io.lattice.api.MalformedRequests;
import io.lattice.kv.KvLimits;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.LoadLimits;
import io.lattice.node.MemberRemovedException;
import io.lattice.node.NodeConfig;
import io.lattice.node.RaftNode;
import io.lattice.node.RepairCommand;
import io.lattice.node.SnapshotPolicy;
import io.lattice.security.NodeSecurity;
import io.lattice.transport.GrpcPeerTransport;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code lattice-node} command line. With options it runs a node (see {@link NodeServer});
 * {@code repair} is a subcommand. Exit codes: 0 success, 1 failure, 2 usage error, 3 the data
 * directory is corrupt and was not changed.
 *
 * <p>Every run option can also come from {@code --config FILE}, a properties file whose keys are the
 * long option names without the dashes ({@code id}, {@code data-dir}, {@code listen-client},
 * {@code listen-peer}, {@code initial-cluster}, {@code join}, {@code cluster-id}, {@code tick-ms},
 * ...); a flag given on the command line wins over the file.
 *
 * <p>Listeners (etcd's model): {@code --listen-client} serves clients (KV, Cluster, health,
 * reflection), {@code --listen-peer} serves the other members (Raft only), and {@code
 * --initial-cluster} lists the voters' peer addresses, like etcd's {@code --initial-cluster}. A
 * member's client address reaches the rest of the cluster through the log (the leader publishes
 * it). {@code --listen} (key {@code listen}) is the deprecated name of {@code --listen-client}; a
 * start that uses it says so once in the log. {@code --listen-peer} may be left out when {@code
 * --initial-cluster} names this member: its address there is the peer address.
 */
@Command(name = "lattice-node", mixinStandardHelpOptions = true,
    versionProvider = LatticeNodeCommand.Version.class,
    description = "The Lattice server: one member of a Raft-replicated key-value store.",
    subcommands = {RepairCommand.class, RestoreCommand.class},
    footer = {"", "Examples:",
        "  lattice-node --id n1 --data-dir data/n1 --listen-client 127.0.0.1:7001 \\",
        "      --listen-peer 127.0.0.1:7101 --insecure \\",
        "      --initial-cluster n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103",
        "  lattice-node --id n4 --data-dir data/n4 --listen-client 127.0.0.1:7004 \\",
        "      --listen-peer 127.0.0.1:7104 --join \\",
        "      --cert-file node.n4.crt --key-file node.n4.key --trusted-ca-file ca.crt \\",
        "      --client-cert-auth --peer-cert-file node.n4.crt --peer-key-file node.n4.key \\",
        "      --peer-trusted-ca-file ca.crt",
        "  lattice-node --config /etc/lattice/n1.properties"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure", "2:usage error",
        "3:the data directory is corrupt (nothing was changed)",
        "4:this member was removed from the cluster (it must not run again on this data "
            + "directory)"})
public final class LatticeNodeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(LatticeNodeCommand.class);
  static final int EXIT_CORRUPT = 3;
  static final int EXIT_REMOVED = 4;

  /** Keys accepted in a --config file (the long option names without dashes). */
  static final Set<String> CONFIG_KEYS = union(union(TlsOptions.CONFIG_KEYS,
      SnapshotOptions.CONFIG_KEYS.toArray(String[]::new)), "id", "data-dir",
      "listen-client", "listen-peer", "listen", "initial-cluster",
      "join", "cluster-id", "tick-ms", "election-ticks", "heartbeat-ticks",
      "lease-drift-ticks", "max-request-bytes", "metrics",
      "max-pending-requests", "max-pending-bytes", "max-inbox-bytes", "max-uncommitted-bytes",
      "max-connections", "max-streams-per-connection", "max-connection-idle-ms",
      "keepalive-min-time-ms", "keepalive-without-calls", "max-txn-ops",
      "disk-reserve");

  private static Set<String> union(Set<String> a, String... b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(List.of(b));
    return Set.copyOf(all);
  }

  /** TLS: the etcd-named flags, in one block (see {@link TlsOptions}). */
  @CommandLine.Mixin
  TlsOptions tls = new TlsOptions();

  /** When snapshots are taken and what they leave of the log (see {@link SnapshotOptions}). */
  @CommandLine.Mixin
  SnapshotOptions snapshots = new SnapshotOptions();

  /** The --config file's properties (set by resolveConfig; empty without --config). */
  Properties resolvedFile = new Properties();

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--id", paramLabel = "ID", description = "This member's id (unique).")
  String id;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "The data directory.")
  Path dataDir;

  @Option(names = "--listen-client", paramLabel = "HOST:PORT",
      description = "Address to serve clients on (KV, Cluster, health, reflection); also this "
          + "member's client address, which the leader records for the whole cluster.")
  String listenClient;

  @Option(names = "--listen-peer", paramLabel = "HOST:PORT",
      description = "Address to serve the other members on (Raft only); also this member's peer "
          + "address. Default: this member's address in --initial-cluster.")
  String listenPeer;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "Deprecated name of --listen-client.")
  String listen;

  @Option(names = "--initial-cluster", paramLabel = "ID=HOST:PORT,...",
      description = "The voters of a new cluster with their peer addresses (must include --id). "
          + "Ignored once the data directory holds state.")
  String initialCluster;

  @Option(names = "--join", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Join a running cluster (add the member with `lattice member add` first).")
  Boolean join;

  @Option(names = "--cluster-id", paramLabel = "NAME",
      description = "The cluster's name (default: " + NodeConfig.DEFAULT_CLUSTER_ID + ").")
  String clusterId;

  @Option(names = "--tick-ms", paramLabel = "MS",
      description = "Length of one Raft tick (default: " + NodeConfig.DEFAULT_TICK_MILLIS + ").")
  Long tickMs;

  @Option(names = "--election-ticks", paramLabel = "N",
      description = "Election timeout in ticks (default: " + NodeConfig.DEFAULT_ELECTION_TICKS
          + ").")
  Integer electionTicks;

  @Option(names = "--heartbeat-ticks", paramLabel = "N",
      description = "Heartbeat period in ticks (default: " + NodeConfig.DEFAULT_HEARTBEAT_TICKS
          + ").")
  Integer heartbeatTicks;

  @Option(names = "--lease-drift-ticks", paramLabel = "N",
      description = "Clock-drift margin taken off the leader lease (default: "
          + NodeConfig.DEFAULT_LEASE_DRIFT_TICKS + ").")
  Integer leaseDriftTicks;

  @Option(names = "--max-request-bytes", paramLabel = "BYTES",
      description = "Largest accepted command (default: " + NodeConfig.DEFAULT_MAX_REQUEST_BYTES
          + ").")
  Integer maxRequestBytes;

  @Option(names = "--max-pending-requests", paramLabel = "N",
      description = "Client requests held at once (queued or waiting); past it RESOURCE_EXHAUSTED "
          + "(default: " + LoadLimits.DEFAULT_MAX_PENDING_REQUESTS + ").")
  Integer maxPendingRequests;

  @Option(names = "--max-pending-bytes", paramLabel = "BYTES",
      description = "Bytes of the commands of pending client requests; past it "
          + "RESOURCE_EXHAUSTED (default: " + LoadLimits.DEFAULT_MAX_PENDING_BYTES + ").")
  Long maxPendingBytes;

  @Option(names = "--max-inbox-bytes", paramLabel = "BYTES",
      description = "Bytes of peer messages queued; past it they are dropped (default: "
          + LoadLimits.DEFAULT_MAX_INBOX_BYTES + ").")
  Long maxInboxBytes;

  @Option(names = "--max-uncommitted-bytes", paramLabel = "BYTES",
      description = "Bytes of commands a leader holds uncommitted; past it RESOURCE_EXHAUSTED "
          + "(default: " + LoadLimits.DEFAULT_MAX_UNCOMMITTED_BYTES + ").")
  Long maxUncommittedBytes;

  @Option(names = "--max-txn-ops", paramLabel = "N",
      description = "Most compares, and operations per branch, of a transaction (default: "
          + KvLimits.DEFAULT_MAX_TXN_OPS + ", at most " + KvLimits.HARD_MAX_TXN_OPS + ").")
  Integer maxTxnOps;

  /** The transaction operation limit after merging the --config file (set by resolveConfig). */
  int resolvedMaxTxnOps = KvLimits.DEFAULT_MAX_TXN_OPS;

  @Option(names = "--disk-reserve", paramLabel = "SIZE",
      description = "Free space the data directory's disk must keep, e.g. 64MiB, 1GiB or bytes: "
          + "below it the node raises the NO_SPACE alarm and refuses writes until space is freed "
          + "(default: 64MiB).")
  String diskReserve;

  @Option(names = "--metrics", paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics over HTTP at http://HOST:PORT/metrics (default: off).")
  String metrics;

  @Option(names = "--max-connections", paramLabel = "N",
      description = "Connections open at a time on the listener; more are closed at accept "
          + "(default: " + ListenerLimits.DEFAULT_MAX_CONNECTIONS + ").")
  Integer maxConnections;

  @Option(names = "--max-streams-per-connection", paramLabel = "N",
      description = "Concurrent calls per connection (default: "
          + ListenerLimits.DEFAULT_MAX_STREAMS_PER_CONNECTION + ").")
  Integer maxStreamsPerConnection;

  @Option(names = "--max-connection-idle-ms", paramLabel = "MS",
      description = "Close a connection without calls (or without a finished handshake) after "
          + "this long (default: 300000, 5 minutes).")
  Long maxConnectionIdleMs;

  @Option(names = "--keepalive-min-time-ms", paramLabel = "MS",
      description = "Least time between a client's keep-alive pings; faster pingers are "
          + "disconnected (default: 5000).")
  Long keepaliveMinTimeMs;

  @Option(names = "--keepalive-without-calls", arity = "0..1", fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Allow keep-alive pings on connections without calls (default: false).")
  Boolean keepaliveWithoutCalls;

  /** The listener limits after merging the --config file (set by resolveConfig). */
  ListenerLimits resolvedLimits = ListenerLimits.defaults();

  /** The metrics address after merging the --config file (set by resolveConfig; null: off). */
  String resolvedMetrics;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Properties file with the same keys as the options (e.g. data-dir=...); "
          + "flags win.")
  Path configFile;

  @Override
  public Integer call() throws Exception {
    if (spec.commandLine().getParseResult().originalArgs().isEmpty()) {
      spec.commandLine().usage(spec.commandLine().getErr());
      return CommandLine.ExitCode.USAGE;
    }
    NodeConfig config = resolveConfig();
    return run(config, tls.security(config.id(), resolvedFile, this::usage));
  }

  /** The client-facing services with the default limits. */
  static List<BindableService> clientServices(RaftNode<KvStateMachine> node) {
    return clientServices(node, KvLimits.DEFAULT_MAX_TXN_OPS);
  }

  /** The client-facing services: the KV API and the Cluster admin API. */
  static List<BindableService> clientServices(RaftNode<KvStateMachine> node, int maxTxnOps) {
    return clientServices(node, maxTxnOps, null);
  }

  /**
   * As {@link #clientServices(RaftNode, int)}, Status reporting {@code security} (null: not
   * reported): what {@code lattice member add} needs to print a start line that fits.
   */
  static List<BindableService> clientServices(RaftNode<KvStateMachine> node, int maxTxnOps,
      NodeSecurity security) {
    ServerServiceDefinition kv =
        MalformedRequests.rejectAsInvalidArgument(new KvService(node, maxTxnOps).bindService());
    ServerServiceDefinition cluster = MalformedRequests.rejectAsInvalidArgument(
        new ClusterService(node, security == null ? null : ClusterService.security(
            !security.isInsecure(), security.clientCertAuth())).bindService());
    return List.of(() -> kv, () -> cluster);
  }

  private int run(NodeConfig config, NodeSecurity security) throws IOException {
    int txnOps = resolvedMaxTxnOps;
    NodeServer server = NodeServer.start(config, node -> clientServices(node, txnOps, security),
        GrpcPeerTransport.Options.defaults(), resolvedMetrics, resolvedLimits, security);
    Thread hook = new Thread(() -> {
      server.close();
      if (!server.node().fatalError().isDone()) {
        // A signal fixed the exit status at 128+signal before this hook ran; a clean stop
        // (SIGTERM, Ctrl-C) is a success, so say so. A fatal error keeps its non-zero status.
        Runtime.getRuntime().halt(0);
      }
    }, "lattice-node-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    log.info("lattice-node {} listening for clients on {} and for peers on {} (cluster {}: {}) "
        + "data dir {}{}", config.id(), config.clientAddress(), config.peerAddress(),
        config.clusterId(),
        config.join() ? "joining" : config.initialCluster(), config.dataDir().toAbsolutePath(),
        resolvedMetrics == null ? "" : ", metrics on http://" + resolvedMetrics + "/metrics");
    RaftNode<KvStateMachine> node = server.node();
    CompletableFuture.anyOf(node.fatalError(), node.terminated()).join();
    if (node.fatalError().isDone()) {
      Throwable t = node.fatalError().join();
      if (t instanceof MemberRemovedException) {
        spec.commandLine().getErr().println("lattice-node: " + t.getMessage()
            + "; stopping for good (the data directory records it)");
        return EXIT_REMOVED;
      }
      spec.commandLine().getErr().println("lattice-node: fatal error, stopping: " + t);
      log.error("{}: fatal error, stopping", config.id(), t);
      return 1;
    }
    return 0;
  }

  /** Merges flags over the --config file and validates; a ParameterException means exit 2. */
  NodeConfig resolveConfig() {
    Properties file = new Properties();
    if (configFile != null) {
      if (!Files.isReadable(configFile)) {
        throw usage("--config " + configFile + ": no such readable file");
      }
      try (Reader r = Files.newBufferedReader(configFile)) {
        file.load(r);
      } catch (IOException | IllegalArgumentException e) {
        throw usage("--config " + configFile + ": " + e.getMessage());
      }
      for (String k : file.stringPropertyNames()) {
        if (!CONFIG_KEYS.contains(k)) {
          throw usage("--config " + configFile + ": unknown key '" + k + "' (known: "
              + new java.util.TreeSet<>(CONFIG_KEYS) + ")");
        }
      }
    }
    resolvedFile = file;
    String theId = pick(id, file, "id");
    if (theId == null || theId.isBlank()) {
      throw usage("--id is required");
    }
    String dir = dataDir != null ? dataDir.toString() : file.getProperty("data-dir");
    if (dir == null || dir.isBlank()) {
      throw usage("--data-dir is required");
    }
    String theClient = clientAddress(file);
    boolean theJoin = join != null ? join : parseBool(file, "join");
    String cluster = pick(initialCluster, file, "initial-cluster");
    Map<String, String> members = new LinkedHashMap<>();
    if (theJoin) {
      if (cluster != null) {
        throw usage("--join and --initial-cluster exclude each other (a joining node learns the "
            + "membership from the leader)");
      }
    } else {
      if (cluster == null) {
        throw usage("--initial-cluster is required (or --join to join a running cluster)");
      }
      try {
        members = InitialCluster.parse(cluster);
      } catch (IllegalArgumentException e) {
        throw usage(e.getMessage());
      }
      if (!members.containsKey(theId)) {
        throw usage("--initial-cluster " + members.keySet() + " does not contain this node '"
            + theId + "'");
      }
    }
    String thePeer = pick(listenPeer, file, "listen-peer");
    if (thePeer == null) {
      if (!members.containsKey(theId)) {
        throw usage("--listen-peer is required (host:port: where the other members reach this "
            + "one)");
      }
      thePeer = members.get(theId);
    }
    try {
      NodeServer.parseHostPort(thePeer);
    } catch (IllegalArgumentException e) {
      throw usage("--listen-peer: " + e.getMessage());
    }
    if (members.containsKey(theId) && !members.get(theId).equals(thePeer)) {
      throw usage("--initial-cluster gives " + theId + " the peer address " + members.get(theId)
          + " but --listen-peer is " + thePeer + " (--initial-cluster lists peer addresses)");
    }
    if (thePeer.equals(theClient)) {
      throw usage("--listen-client and --listen-peer are both " + thePeer + ": clients and peers "
          + "are served on separate listeners; give --listen-peer the address in "
          + "--initial-cluster and --listen-client another one");
    }
    long txnOps = num(maxTxnOps, file, "max-txn-ops", KvLimits.DEFAULT_MAX_TXN_OPS);
    if (txnOps < 1 || txnOps > KvLimits.HARD_MAX_TXN_OPS) {
      throw usage("--max-txn-ops must be from 1 to " + KvLimits.HARD_MAX_TXN_OPS + " (got "
          + txnOps + ")");
    }
    resolvedMaxTxnOps = (int) txnOps;
    resolvedMetrics = pick(metrics, file, "metrics");
    if (resolvedMetrics != null) {
      try {
        NodeServer.parseHostPort(resolvedMetrics);
      } catch (IllegalArgumentException e) {
        throw usage("--metrics: " + e.getMessage());
      }
    }
    try {
      ListenerLimits d = ListenerLimits.defaults();
      resolvedLimits = new ListenerLimits(
          (int) num(maxConnections, file, "max-connections", d.maxConnections()),
          (int) num(maxStreamsPerConnection, file, "max-streams-per-connection",
              d.maxStreamsPerConnection()),
          java.time.Duration.ofMillis(num(maxConnectionIdleMs, file, "max-connection-idle-ms",
              d.maxConnectionIdle().toMillis())),
          java.time.Duration.ofMillis(num(keepaliveMinTimeMs, file, "keepalive-min-time-ms",
              d.permitKeepAliveTime().toMillis())),
          keepaliveWithoutCalls != null ? keepaliveWithoutCalls
              : parseBool(file, "keepalive-without-calls"));
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    String theCluster = pick(clusterId, file, "cluster-id");
    try {
      NodeConfig base = new NodeConfig(theId, Path.of(dir), thePeer, theClient,
          theCluster == null ? NodeConfig.DEFAULT_CLUSTER_ID : theCluster, members, theJoin,
          num(tickMs, file, "tick-ms", NodeConfig.DEFAULT_TICK_MILLIS),
          (int) num(electionTicks, file, "election-ticks", NodeConfig.DEFAULT_ELECTION_TICKS),
          (int) num(heartbeatTicks, file, "heartbeat-ticks", NodeConfig.DEFAULT_HEARTBEAT_TICKS),
          NodeConfig.DEFAULT_SNAPSHOT_THRESHOLD, NodeConfig.DEFAULT_TRAILING_ENTRIES,
          (int) num(leaseDriftTicks, file, "lease-drift-ticks",
              NodeConfig.DEFAULT_LEASE_DRIFT_TICKS),
          (int) num(maxRequestBytes, file, "max-request-bytes",
              NodeConfig.DEFAULT_MAX_REQUEST_BYTES),
          NodeConfig.DEFAULT_REQUEST_TIMEOUT_MILLIS, NodeConfig.DEFAULT_TRANSFER_TIMEOUT_MILLIS,
          loadLimits(file), diskReserveBytes(pick(diskReserve, file, "disk-reserve")),
          SnapshotPolicy.DEFAULT_LOG_RATIO, SnapshotPolicy.DEFAULT_LOG_BYTES,
          NodeConfig.DEFAULT_TRAILING_BYTES);
      return snapshots.applyTo(base, file, configFile, this::usage);
    } catch (IllegalArgumentException e) {
      throw usage("invalid configuration: " + e.getMessage());
    }
  }

  /**
   * The client address: {@code --listen-client} (key {@code listen-client}), else the deprecated
   * {@code --listen} (key {@code listen}), which logs one warning.
   */
  private String clientAddress(Properties file) {
    String current = pick(listenClient, file, "listen-client");
    String old = pick(listen, file, "listen");
    if (current != null && old != null) {
      throw usage("--listen is the deprecated name of --listen-client: give only one of them");
    }
    String client = current != null ? current : old;
    if (client == null) {
      throw usage("--listen-client is required (host:port: where clients reach this member)");
    }
    String name = current != null ? "--listen-client" : "--listen";
    try {
      NodeServer.parseHostPort(client);
    } catch (IllegalArgumentException e) {
      throw usage(name + ": " + e.getMessage());
    }
    if (current == null) {
      log.warn("--listen (config key 'listen') is deprecated: use --listen-client (key "
          + "'listen-client'). It sets the client listener only; the peer listener is "
          + "--listen-peer.");
    }
    return client;
  }

  /** The back-pressure flags over the --config file's keys over the defaults. */
  private LoadLimits loadLimits(Properties file) {
    long requests = num(maxPendingRequests, file, "max-pending-requests",
        LoadLimits.DEFAULT_MAX_PENDING_REQUESTS);
    if (requests > Integer.MAX_VALUE) {
      throw usage("--max-pending-requests: " + requests + " is too large");
    }
    return new LoadLimits((int) requests,
        num(maxPendingBytes, file, "max-pending-bytes", LoadLimits.DEFAULT_MAX_PENDING_BYTES),
        num(maxInboxBytes, file, "max-inbox-bytes", LoadLimits.DEFAULT_MAX_INBOX_BYTES),
        num(maxUncommittedBytes, file, "max-uncommitted-bytes",
            LoadLimits.DEFAULT_MAX_UNCOMMITTED_BYTES));
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private static String pick(String flag, Properties file, String key) {
    if (flag != null) {
      return flag;
    }
    String v = file.getProperty(key);
    return v == null ? null : v.trim();
  }

  private long num(Number flag, Properties file, String key, long dflt) {
    if (flag != null) {
      return flag.longValue();
    }
    String v = file.getProperty(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw usage("--config " + configFile + ": " + key + "='" + v + "' is not a number");
    }
  }

  private long diskReserveBytes(String text) {
    if (text == null) {
      return NodeConfig.DEFAULT_DISK_RESERVE_BYTES;
    }
    try {
      return Sizes.parse(text);
    } catch (IllegalArgumentException e) {
      throw usage("--disk-reserve: " + e.getMessage());
    }
  }

  private boolean parseBool(Properties file, String key) {
    String v = file.getProperty(key);
    if (v == null) {
      return false;
    }
    String t = v.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("true") || t.equals("false")) {
      return Boolean.parseBoolean(t);
    }
    throw usage("--config " + configFile + ": " + key + "='" + v + "' is not true or false");
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command tree, with exceptions mapped to exit codes in one place. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new LatticeNodeCommand());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("lattice-node: " + ex.getMessage());
      if (ex instanceof CommandLine.ParameterException) {
        commandLine.getErr().println("Try 'lattice-node --help' for the options.");
        return CommandLine.ExitCode.USAGE;
      }
      if (ex instanceof MemberRemovedException) {
        return EXIT_REMOVED;
      }
      return ex instanceof io.lattice.storage.CorruptStorageException ? EXIT_CORRUPT : 1;
    });
    return cl;
  }

  /** Reports the version from the jar manifest (or "development" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LatticeNodeCommand.class.getPackage().getImplementationVersion();
      return new String[] {"lattice-node " + (v == null ? "development" : v)};
    }
  }
}
