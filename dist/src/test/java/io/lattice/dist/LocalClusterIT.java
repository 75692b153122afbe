package io.lattice.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, {@code dist/local-cluster.sh}, against the packaged distribution:
 * start elects a leader, a second start leaves running nodes alone, stop ends exactly the recorded
 * processes and keeps the data, and a new start recovers from it. The cluster runs in a temporary
 * data directory on free loopback ports, so a developer's own local cluster is never touched; every
 * process whose command line names that directory is killed afterwards, whatever happened.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LocalClusterIT {
  private static final Path SCRIPT = Path.of(System.getProperty("lattice.dist.script",
      "local-cluster.sh")).toAbsolutePath();
  private static final Path HOME = Path.of(System.getProperty("lattice.dist.home",
      "target/lattice-dist")).toAbsolutePath();
  /** Bounds each script run; the script's own wait for a leader is LATTICE_WAIT. */
  private static final long SCRIPT_TIMEOUT_SECONDS = 120;

  @TempDir
  Path tmp;
  private Path data;
  private int basePort;

  record Run(int exitCode, String output) {}

  @Test
  void startStopStartRecoversAndStopEndsExactlyItsProcesses() throws Exception {
    data = tmp.resolve("data");
    basePort = freeBasePort();

    Run first = script("start");
    assertThat(first.exitCode()).as(first.output()).isZero();
    assertThat(first.output()).contains("Role changes in the node logs")
        .containsPattern("LEADER in term \\d+, leader n[123]")
        .containsPattern("Leader: n[123]");
    // the demo: bin/lattice writes through the leader and reads the values back
    assertThat(first.output()).contains("$ lattice put greeting hello", "$ lattice get greeting")
        .containsPattern("\\$ lattice get greeting\\n +greeting\\n +hello\\n")
        .containsPattern("\\$ lattice get lattice --print-value-only\\n +raft\\n")
        .containsPattern("n[123] +127\\.0\\.0\\.1:\\d+ +127\\.0\\.0\\.1:\\d+ +leader");
    Map<String, Long> pids = recordedPids();
    assertThat(pids).containsOnlyKeys("n1", "n2", "n3");
    pids.forEach((node, pid) -> assertThat(commandLine(pid)).as(node)
        .contains("io.lattice.server.LatticeNodeCommand")
        .contains("--data-dir " + data.resolve(node))
        .contains("--client-cert-auth", "--peer-cert-file", "--peer-trusted-ca-file"));
    // TLS with client certificate auth, from certificates the first start made
    assertThat(data.resolve("certs").resolve("ca.crt")).isNotEmptyFile();
    assertThat(data.resolve("certs").resolve("client.root.crt")).isNotEmptyFile();
    assertThat(data.resolve("ca.key")).isNotEmptyFile();

    Run again = script("start");
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output()).contains("n1 is already running", "n2 is already running",
        "n3 is already running").doesNotContain("Started");
    assertThat(recordedPids()).isEqualTo(pids);

    Run status = script("status");
    assertThat(status.exitCode()).as(status.output()).isZero();
    assertThat(status.output()).containsPattern("n1 +running").containsPattern("n3 +running");
    if (Files.isExecutable(Path.of("/bin/bash"))) {
      Run bashStatus = run(List.of("/bin/bash", SCRIPT.toString(), "status"));
      assertThat(bashStatus.exitCode()).as(bashStatus.output()).isZero();
    }

    Run stop = script("stop");
    assertThat(stop.exitCode()).as(stop.output()).isZero();
    assertThat(stop.output()).contains("n1 stopped", "n2 stopped", "n3 stopped");
    for (long pid : pids.values()) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid " + pid).isEmpty();
    }
    assertThat(recordedPids()).isEmpty();
    for (String node : List.of("n1", "n2", "n3")) {
      assertThat(data.resolve(node).resolve("raft.log")).isNotEmptyFile();
      assertThat(data.resolve(node).resolve("hardstate")).exists();
      assertThat(log(node)).as("graceful stop of " + node).contains(node + ": stopped");
    }
    Run stopped = script("status");
    assertThat(stopped.exitCode()).isNotZero();
    assertThat(stopped.output()).containsPattern("n2 +stopped");

    Run restart = script("start");
    assertThat(restart.exitCode()).as(restart.output()).isZero();
    assertThat(restart.output()).containsPattern("Leader: n[123]");
    for (String node : List.of("n1", "n2", "n3")) {
      String lastRecovery = log(node).lines().filter(l -> l.contains(": recovered from "))
          .reduce((a, b) -> b).orElseThrow();
      assertThat(lastRecovery).as("second start of " + node).doesNotContain("fresh")
          .containsPattern("term [1-9]");
    }
    Run stopAgain = script("stop");
    assertThat(stopAgain.exitCode()).as(stopAgain.output()).isZero();
  }

  /** Also when the test JVM is stopped (Ctrl-C on the build) in the middle of the test. */
  private final Thread reaper = new Thread(this::killEverythingStartedHere, "local-cluster-reaper");

  @BeforeEach
  void registerReaper() {
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  @AfterEach
  void killEverythingStartedHereAfterTheTest() {
    killEverythingStartedHere();
    Runtime.getRuntime().removeShutdownHook(reaper);
  }

  private void killEverythingStartedHere() {
    if (tmp == null) {
      return;
    }
    String marker = tmp.toString();
    List<ProcessHandle> ours = ProcessHandle.allProcesses()
        .filter(p -> commandLine(p.pid()).contains(marker))
        .toList();
    for (ProcessHandle p : ours) {
      System.out.println("killing left-over process " + p.pid());
      p.destroyForcibly();
    }
    for (ProcessHandle p : ours) {
      p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> p).join();
    }
  }

  private Run script(String command) throws IOException, InterruptedException {
    return run(List.of("/bin/sh", SCRIPT.toString(), command));
  }

  private Run run(List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("LATTICE_HOME", HOME.toString());
    env.put("LATTICE_DATA", data.toString());
    env.put("LATTICE_BASE_PORT", Integer.toString(basePort));
    env.put("LATTICE_WAIT", "60");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    // Three JVMs start at once on what may be a small, busy machine: keep them light.
    env.put("JAVA_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
    Path out = Files.createTempFile(tmp, "script", ".out");
    Process p = pb.redirectOutput(out.toFile()).start();
    boolean done = p.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly().waitFor();
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    System.out.println("$ " + String.join(" ", command) + "\n" + output);
    assertThat(done).as("%s finished within %d s; output:%n%s", command, SCRIPT_TIMEOUT_SECONDS,
        output).isTrue();
    return new Run(p.exitValue(), output);
  }

  private Map<String, Long> recordedPids() throws IOException {
    Map<String, Long> pids = new HashMap<>();
    for (String node : List.of("n1", "n2", "n3")) {
      Path f = data.resolve(node + ".pid");
      if (Files.exists(f)) {
        pids.put(node, Long.parseLong(Files.readString(f).trim()));
      }
    }
    return pids;
  }

  private String log(String node) throws IOException {
    return Files.readString(data.resolve(node + ".log"), StandardCharsets.UTF_8);
  }

  /**
   * The whole command line of a process. On Linux from /proc: ProcessHandle.Info cuts long command
   * lines (a node's class path alone is some 4 KB), and the main class and the data directory come
   * after it.
   */
  private static String commandLine(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid), "cmdline");
    try {
      if (Files.isReadable(proc)) {
        return new String(Files.readAllBytes(proc), StandardCharsets.UTF_8).replace('\0', ' ');
      }
    } catch (IOException e) {
      // gone meanwhile, or not ours to read: fall back
    }
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    return p.flatMap(h -> h.info().commandLine()).orElse("(no process " + pid + ")");
  }

  /**
   * A base port b such that b+1..b+3 (the client ports) and b+101..b+103 (the peer ports, the
   * script's default peer base) are free on 127.0.0.1 right now, outside the ephemeral range
   * ({@link LoopbackPorts}: a node dialing a peer that does not listen yet could otherwise take the
   * peer's port for its own outgoing connection).
   */
  private static int freeBasePort() {
    return LoopbackPorts.freeBase(1, 2, 3, 101, 102, 103);
  }

}
