package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commands that need no cluster load no gRPC, protobuf or JLine classes (they cost start-up time):
 * checked in a fresh JVM with -verbose:class.
 */
class StartupClassesTest {
  @ParameterizedTest
  @ValueSource(strings = {"--help", "version", "completion bash", "get --help", "--version",
      "log inspect --help"})
  void offlineCommandsLoadNoNetworkOrTerminalClasses(String args) throws Exception {
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
    assertThat(p.exitValue()).isZero();
    List<String> heavy = new String(out, StandardCharsets.UTF_8).lines()
        .filter(l -> l.contains("[class,load]"))
        .filter(l -> l.contains(" io.grpc.") || l.contains(" com.google.protobuf.")
            || l.contains(" io.lattice.proto.") || l.contains(" org.jline."))
        .toList();
    assertThat(heavy).as("classes loaded by `lattice %s`", args).isEmpty();
  }
}
