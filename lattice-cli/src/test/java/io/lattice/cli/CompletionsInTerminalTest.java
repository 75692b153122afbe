package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed completion scripts as a user meets them: an interactive zsh (with compinit) and
 * an interactive bash in a real terminal ({@link Terminal}), TAB pressed after {@code lattice
 * mem}, after {@code member re} and where a member id goes, against a stub cluster on 127.0.0.1.
 * Skipped where tmux or the shell is not installed.
 */
class CompletionsInTerminalTest {
  private static final Path DIR = Path.of("..", "completions").toAbsolutePath().normalize();

  @Test
  void zshCompletesCommandsAndMemberIds(@TempDir Path dir) throws Exception {
    assumeTrue(Terminal.available(), "tmux is not installed");
    assumeTrue(Terminal.runs("zsh", "-c", "true"), "zsh is not installed");
    Files.writeString(dir.resolve(".zshrc"), "PS1='zsh> '\n"
        + "autoload -U compinit && compinit -u -D\n"
        + "source '" + DIR.resolve("_lattice") + "'\n");
    try (MemberListStub stub = new MemberListStub();
        Terminal t = Terminal.start(env(dir, "ZDOTDIR=" + dir), "zsh", "-i")) {
      completesCommandsAndMemberIds(t, "zsh>", 1, stub); // (zsh lists at the first TAB)
    }
  }

  @Test
  void bashCompletesCommandsAndMemberIds(@TempDir Path dir) throws Exception {
    assumeTrue(Terminal.available(), "tmux is not installed");
    assumeTrue(Terminal.runs("bash", "-c", "true"), "bash is not installed");
    try (MemberListStub stub = new MemberListStub();
        Terminal t = Terminal.start(env(dir), "bash", "--norc", "--noprofile", "-i")) {
      t.keys("PS1='bash> '; source '" + DIR.resolve("lattice.bash") + "'", "Enter");
      completesCommandsAndMemberIds(t, "bash>", 2, stub); // (bash at the second)
    }
  }

  /** {@code tabsToList}: the TABs after which the shell lists ambiguous matches. */
  private static void completesCommandsAndMemberIds(Terminal t, String prompt, int tabsToList,
      MemberListStub stub) throws Exception {
    t.awaitScreen(prompt);
    t.keys("lattice mem", "Tab");
    t.awaitScreen(prompt + " lattice member");
    t.keys("re", "Tab");
    t.awaitScreen(prompt + " lattice member remove");
    String line = prompt + " lattice member remove --endpoints " + stub.endpoint() + " n";
    // (a host:port after the subcommand: bash's words break at the colon)
    t.keys("--endpoints " + stub.endpoint() + " n");
    for (int i = 0; i < tabsToList; i++) {
      t.keys("Tab");
    }
    t.awaitScreen("n3"); // ambiguous: the ids are listed under the line
    assertThat(t.screen()).contains(line).contains("n1").contains("n2");
    t.keys("2", "Tab", "x");
    t.awaitScreen(line + "2 x"); // the id completed, then a blank: one word
    assertThat(stub.calls.get()).as("member list calls (kept 10 s)").isEqualTo(1);
  }

  /** The environment of the shell: this build's {@code lattice} first on PATH, and {@code more}. */
  private static List<String> env(Path dir, String... more) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    CompletionsTest.latticeScript(bin);
    List<String> env = new java.util.ArrayList<>(List.of(
        "PATH=" + bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
        "HOME=" + dir, "HISTFILE=")); // (no history: nothing written at exit)
    env.addAll(List.of(more));
    return env;
  }
}
