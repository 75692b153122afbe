package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commands that need no cluster load no gRPC, protobuf, JLine or BouncyCastle classes (they cost
 * start-up time): checked in a fresh JVM with -verbose:class. BouncyCastle is for {@code lattice
 * cert} alone, and a plaintext command loads no TLS classes.
 */
class StartupClassesTest {
  @ParameterizedTest
  @ValueSource(strings = {"--help", "version", "completion bash", "get --help", "--version",
      "log inspect --help", "cert --help", "cert create-ca --help"})
  void offlineCommandsLoadNoNetworkOrTerminalClasses(String args) throws Exception {
    Run run = run(args);
    assertThat(run.exitCode()).isZero();
    List<String> heavy = run.loaded().stream()
        .filter(c -> c.startsWith("io.grpc.") || c.startsWith("com.google.protobuf.")
            || c.startsWith("io.lattice.proto.") || c.startsWith("org.jline.")
            || c.startsWith("org.bouncycastle."))
        .toList();
    assertThat(heavy).as("classes loaded by `lattice %s`", args).isEmpty();
  }

  /**
   * A command that connects sets up no logging framework and registers no Flight Recorder events:
   * Netty would pick SLF4J (and so logback, which the test class path has, as the distribution's
   * lib/ does) and register its JFR event types, both costing start-up time for nothing. (Netty
   * still asks whether JFR is available, which loads a few jdk.jfr classes.)
   */
  @Test
  void aCommandThatConnectsLoadsNoLoggingFrameworkOrFlightRecorder() throws Exception {
    Run run = run("get k --endpoints 127.0.0.1:1 --timeout 200ms");
    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.loaded()).as("gRPC is used").anyMatch(c -> c.startsWith("io.grpc.netty."));
    assertThat(run.loaded().stream().filter(c -> c.startsWith("org.slf4j.")
        || c.startsWith("ch.qos.logback.") || c.startsWith("jdk.jfr.internal.MetadataRepository")
        || c.startsWith("jdk.jfr.EventType")).toList()).isEmpty();
    assertThat(run.loaded().stream().filter(c -> c.startsWith("org.bouncycastle.")
        || c.startsWith("io.grpc.netty.shaded.io.netty.handler.ssl.")).toList())
        .as("no certificate or TLS context classes for plaintext")
        .isEmpty();
  }

  record Run(int exitCode, List<String> loaded) {}

  /** Runs {@code lattice args} in a new JVM with -verbose:class; the classes it loaded. */
  private static Run run(String args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-verbose:class", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args.split(" ")));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("lattice " + args + " did not exit within 30 s");
    }
    List<String> loaded = new String(out, StandardCharsets.UTF_8).lines()
        .filter(l -> l.contains("[class,load] "))
        .map(l -> l.substring(l.indexOf("[class,load] ") + "[class,load] ".length()))
        .map(l -> l.split(" ", 2)[0])
        .toList();
    return new Run(p.exitValue(), loaded);
  }
}
