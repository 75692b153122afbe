package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed completion scripts are what the command model generates, and the bash script
 * completes subcommands (before options), options and member ids in a real bash.
 */
class CompletionsTest {
  /** The repository's completions/ directory (tests run in the module directory). */
  private static final Path DIR = Path.of("..", "completions");

  /** Printed after each answer when several lines are completed in one shell. */
  private static final String END_OF_ANSWER = "--end-of-answer--";
  private static final String REGENERATE = "regenerate them from the repository root with:\n"
      + "  lattice completion bash > completions/lattice.bash\n"
      + "  lattice completion zsh > completions/_lattice\n"
      + "(from a build: java -cp \"lattice-cli/target/lattice-cli-<version>.jar\" "
      + "io.lattice.cli.Main completion ...)";

  @Test
  void committedBashScriptIsUpToDate() throws IOException {
    assertUpToDate(DIR.resolve("lattice.bash"), Completions.bash());
  }

  @Test
  void committedZshScriptIsUpToDate() throws IOException {
    assertUpToDate(DIR.resolve("_lattice"), Completions.zsh());
  }

  @Test
  void completionCommandPrintsTheScripts() {
    assertThat(Cli.run("completion", "bash").out()).isEqualTo(Completions.bash());
    assertThat(Cli.run("completion", "zsh").out()).isEqualTo(Completions.zsh())
        .startsWith("#compdef lattice\n");
    assertThat(Cli.run("completion", "fish").code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void bashCompletesSubcommandsAndOptions() throws Exception {
    assumeTrue(Terminal.runs("bash", "-c", "true"), "bash is not installed");
    assertThat(complete("lattice ")).contains("put", "get", "del", "cas", "status", "member",
        "leader", "snapshot", "completion", "version");
    assertThat(complete("lattice member ")).contains("list", "add", "promote", "remove");
    assertThat(complete("lattice cert ")).contains("create-ca", "create-node", "create-client",
        "list");
    assertThat(complete("lattice get --ca")).contains("--cacert");
    assertThat(complete("lattice get --c")).contains("--consistency");
    assertThat(complete("lattice get k --consistency ")).contains("linearizable", "lease",
        "stale");
  }

  @Test
  void bashOffersSubcommandsBeforeOptions() throws Exception {
    assumeTrue(Terminal.runs("bash", "-c", "true"), "bash is not installed");
    assertThat(complete("lattice member ")).containsExactlyInAnyOrder("list", "add", "promote",
        "remove");
    assertThat(complete("lattice ")).doesNotContain("--endpoints", "--help", "-o");
    assertThat(complete("lattice member -")).contains("--endpoints", "--help")
        .doesNotContain("list");
  }

  @Test
  void bashCompletesMemberIdsFromTheCluster(@TempDir Path dir) throws Exception {
    assumeTrue(Terminal.runs("bash", "-c", "true"), "bash is not installed");
    try (MemberListStub stub = new MemberListStub()) {
      // the script runs `lattice member list` with the line's own connection options
      Path lattice = latticeScript(dir);
      String line = lattice + " --endpoints " + stub.endpoint() + " ";
      assertThat(complete(line + "member remove ")).containsExactly("n1", "n2", "n3");
      assertThat(complete(line + "leader transfer -o json n")).containsExactly("n1", "n2",
          "n3");
      assertThat(complete(line + "snapshot --member n")).containsExactly("n1", "n2", "n3");
      assertThat(complete(line + "member remove n1 ")).isEmpty();
      String dead = lattice + " --endpoints 127.0.0.1:" + LoopbackPorts.free() + " ";
      assertThat(complete(dead + "member promote ")).isEmpty();

      // the TABs of one command line ask the cluster once (the answer is kept for 10 s per
      // connection); another connection asks again
      stub.calls.set(0);
      assertThat(completeInOneShell(line + "member remove ", line + "member remove n",
          line + "leader transfer ", dead + "member remove "))
          .containsExactly(List.of("n1", "n2", "n3"), List.of("n1", "n2", "n3"),
              List.of("n1", "n2", "n3"), List.of());
      assertThat(stub.calls.get()).isEqualTo(1);
    }
  }

  /** A {@code lattice} script in {@code dir} that runs this build's CLI in a JVM of its own. */
  static Path latticeScript(Path dir) throws IOException {
    Path lattice = dir.resolve("lattice");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(lattice, "#!/bin/sh\nexec '" + java + "' -cp '"
        + System.getProperty("java.class.path") + "' io.lattice.cli.Main \"$@\"\n");
    assertThat(lattice.toFile().setExecutable(true)).isTrue();
    return lattice;
  }

  /** COMPREPLY after sourcing the committed script in bash for {@code line} + TAB. */
  private static List<String> complete(String line) throws Exception {
    return completeInOneShell(line).get(0);
  }

  /** COMPREPLY for each of {@code lines} + TAB, one after the other in the same bash. */
  private static List<List<String>> completeInOneShell(String... lines) throws Exception {
    Path script = DIR.resolve("lattice.bash").toAbsolutePath();
    StringBuilder program = new StringBuilder("source '" + script + "'\n");
    for (String line : lines) {
      String words = line.endsWith(" ") ? line + "''" : line;
      program.append("COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}\n"
          + "COMP_WORDS=(" + words + "); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
          + "COMPREPLY=(); _complete_lattice lattice\n"
          + "printf '%s\\n' \"${COMPREPLY[@]}\" '" + END_OF_ANSWER + "'\n");
    }
    // (stderr is dropped: compopt complains outside a real completion, which this is not)
    Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("bash did not finish completing " + List.of(lines) + " within 20 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    List<List<String>> answers = new ArrayList<>();
    List<String> words = new ArrayList<>();
    for (String w : out.lines().map(String::trim).filter(w -> !w.isEmpty()).toList()) {
      if (w.equals(END_OF_ANSWER)) {
        answers.add(List.copyOf(words));
        words.clear();
      } else {
        words.add(w);
      }
    }
    assertThat(answers).as(out).hasSize(lines.length);
    return answers;
  }

  private static void assertUpToDate(Path committed, String generated) throws IOException {
    if (!Files.exists(committed)) {
      fail(committed + " is missing; " + REGENERATE);
    }
    String text = Files.readString(committed, StandardCharsets.UTF_8);
    if (!text.equals(generated)) {
      fail(committed + " is stale (the command model changed); " + REGENERATE);
    }
  }
}
