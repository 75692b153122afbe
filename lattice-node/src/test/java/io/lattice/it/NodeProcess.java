package io.lattice.it;

import io.grpc.ManagedChannel;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One lattice-node running as a real OS process ({@code java -cp <this JVM's class path>
 * io.lattice.server.LatticeNodeCommand ...}), with its output appended to {@code node.out} in its
 * data directory. Every started process is also registered with a JVM shutdown hook that kills it,
 * so no node outlives the test JVM.
 */
final class NodeProcess {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (Process p : LIVE) {
        p.destroyForcibly();
      }
    }, "it-node-reaper"));
  }

  final String id;
  /** The client port (KV, Cluster, health): what tests call. */
  final int port;
  /** The peer port (Raft only): what the other members dial. */
  final int peerPort;
  final Path dataDir;
  final Path output;
  private final List<String> nodeArgs;
  private final List<String> jvmArgs;
  /** JVM options added by a test, after the fixed ones (a later -Xmx wins), for the next start. */
  private final List<String> extraJvmArgs = new ArrayList<>();
  private volatile Process process;
  /** Started with --join and not yet seen following a leader (see ProcessCluster#awaitLeader). */
  volatile boolean joining;
  private ManagedChannel channel;

  private final ProcessTls tls;

  /**
   * A node whose JVM also gets {@code jvmArgs} (e.g. the flags of a {@link FaultProxy}); {@code
   * nodeArgs} must hold its security flags ({@link ProcessTls#nodeFlags}), and {@code tls} is how
   * the test talks to it.
   */
  NodeProcess(String id, int port, int peerPort, Path dataDir, List<String> nodeArgs,
      List<String> jvmArgs, ProcessTls tls) {
    this.tls = tls;
    this.id = id;
    this.port = port;
    this.peerPort = peerPort;
    this.dataDir = dataDir;
    this.output = dataDir.resolveSibling(id + ".out");
    this.nodeArgs = List.copyOf(nodeArgs);
    this.jvmArgs = List.copyOf(jvmArgs);
  }

  /** Adds JVM options for the next {@link #start} (and later ones): e.g. a different -Xmx. */
  synchronized void addJvmArgs(String... args) {
    extraJvmArgs.addAll(List.of(args));
  }

  /** The client address. */
  String address() {
    return "127.0.0.1:" + port;
  }

  /** The peer address. */
  String peerAddress() {
    return "127.0.0.1:" + peerPort;
  }

  /** Starts (or restarts, with the same data dir and flags) the process. */
  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(id + " is already running");
    }
    Files.createDirectories(dataDir);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvmArgs);
    cmd.addAll(extraJvmArgs);
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("io.lattice.server.LatticeNodeCommand");
    cmd.addAll(nodeArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
    Process p = pb.start();
    LIVE.add(p);
    process = p;
  }

  /**
   * The test JVM's class path. Surefire may run tests from a manifest-only jar; it publishes the
   * real class path as surefire.test.class.path.
   */
  private static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    if (cp == null || cp.isBlank()) {
      cp = System.getProperty("java.class.path");
    }
    return cp;
  }

  boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** SIGKILL; waits (bounded) until the process is gone. */
  void kill() throws InterruptedException {
    Process p = process;
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(id + " did not die after SIGKILL");
    }
    LIVE.remove(p);
  }

  /** The process id, or -1 when not running. */
  long pid() {
    Process p = process;
    return p == null || !p.isAlive() ? -1 : p.pid();
  }

  /** SIGSTOP: the process freezes (its sockets stay open, nothing answers). */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    long pid = pid();
    if (pid < 0) {
      throw new IllegalStateException(id + " is not running");
    }
    Process k = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
        .start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      k.destroyForcibly();
      throw new IllegalStateException("kill -" + name + " " + pid + " (" + id + ") failed: "
          + new String(k.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** SIGTERM (graceful stop); returns the exit code, or throws if it did not exit in time. */
  int terminate(Duration bound) throws InterruptedException {
    Process p = process;
    p.destroy();
    if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(id + " did not exit within " + bound + " after SIGTERM");
    }
    LIVE.remove(p);
    return p.exitValue();
  }

  synchronized ManagedChannel channel() {
    if (channel == null) {
      channel = tls.channel(address());
    }
    return channel;
  }

  KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel()).withDeadlineAfter(2, TimeUnit.SECONDS);
  }

  /** The admin API of this node, with a deadline of {@code seconds}. */
  ClusterGrpc.ClusterBlockingStub cluster(int seconds) {
    return ClusterGrpc.newBlockingStub(channel()).withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  StatusResponse status() {
    return ClusterGrpc.newBlockingStub(channel()).withDeadlineAfter(1, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  /** Kills the process (if running) and closes the channel; never throws. */
  synchronized void close() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LIVE.remove(p);
    }
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
    }
  }

  String outputTail(int maxLines) {
    File f = output.toFile();
    if (!f.exists()) {
      return "(no output)";
    }
    try {
      List<String> lines = Files.readAllLines(output);
      int from = Math.max(0, lines.size() - maxLines);
      return String.join("\n", lines.subList(from, lines.size()));
    } catch (IOException e) {
      return "(cannot read " + output + ": " + e + ")";
    }
  }
}
