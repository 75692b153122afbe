package io.lattice.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.lattice.cli.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell in a real terminal: {@code lattice shell} runs in its own JVM inside tmux (on a tmux
 * server of its own, killed at the end), typed at with send-keys and read with capture-pane,
 * against a cluster on 127.0.0.1. Skipped where tmux is not installed.
 */
class ShellInTerminalTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final String socket = "lattice-shell-test-" + ThreadLocalRandom.current().nextInt(1 << 30);

  @Test
  void continuationPromptEscapesKeyCompletionAndShellErrors(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(tmuxAvailable(), "tmux is not installed");
    try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 1)) {
      try {
        startShell(dir, cluster.endpoints());
        awaitScreen("lattice [leader n1");

        keys("put greeting \"hello", "Enter");
        awaitScreen("dquote>"); // (trailing blanks are stripped from the screen)
        keys("world\"", "Enter");
        awaitScreen("OK (version 1");

        keys("put tabbed \"a\\tb\\nc\"", "Enter");
        awaitScreen("OK (version 1, index", 2);

        keys("get gre", "Tab");
        awaitScreen("get greeting");
        keys("Enter");
        awaitScreen("greeting\nhello\nworld");

        keys("get tabbed --print-value-only", "Enter");
        awaitScreen("a       b\nc"); // the tab, as the terminal shows it

        keys("put onlykey", "Enter");
        awaitScreen("Type 'put --help' for usage.");
        assertThat(screen()).doesNotContain("Try 'lattice");
        keys("exit", "Enter");
      } finally {
        tmuxQuietly("kill-server");
      }
    }
  }

  @Test
  void thePromptShowsNoLeaderOnceTheLeaderIsGone(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(tmuxAvailable(), "tmux is not installed");
    try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 1)) {
      cluster.addLearner("n2"); // a learner goes on naming its leader once it is gone
      try {
        startShell(dir, cluster.endpoints());
        awaitScreen("lattice [leader n1");
        cluster.stop("n1");
        keys("get k --timeout 1s", "Enter");
        awaitScreen("lattice [no leader");
        String last = screen().lines().filter(l -> !l.isBlank()).reduce((a, b) -> b)
            .orElse("");
        assertThat(last).startsWith("lattice [no leader").doesNotContain("n1");
        keys("exit", "Enter");
      } finally {
        tmuxQuietly("kill-server");
      }
    }
  }

  /** Starts {@code lattice --endpoints ENDPOINTS shell} in its own JVM in a new tmux session. */
  private void startShell(Path dir, String endpoints) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path script = dir.resolve("shell.sh");
    Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -cp '"
        + System.getProperty("java.class.path") + "' io.lattice.cli.Main --endpoints "
        + endpoints + " shell\n");
    script.toFile().setExecutable(true);
    tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "50", "-e",
        "LATTICE_HISTORY=" + dir.resolve("history"), script.toString());
  }

  private void keys(String... keys) throws Exception {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", "t"));
    for (String k : keys) {
      if (k.equals("Enter") || k.equals("Tab")) {
        args.add(k);
      } else {
        args.add("-l");
        args.add(k);
        tmux(args.toArray(String[]::new));
        args = new ArrayList<>(List.of("send-keys", "-t", "t"));
      }
    }
    if (args.size() > 3) {
      tmux(args.toArray(String[]::new));
    }
  }

  private void awaitScreen(String text) throws Exception {
    awaitScreen(text, 1);
  }

  /** Waits until {@code text} is on the screen {@code times} times. */
  private void awaitScreen(String text, int times) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String screen = "";
    while (System.nanoTime() < deadline) {
      screen = screen();
      int found = 0;
      for (int at = screen.indexOf(text); at >= 0; at = screen.indexOf(text, at + 1)) {
        found++;
      }
      if (found >= times) {
        return;
      }
      Thread.sleep(50);
    }
    fail("not on the screen within " + WAIT + ": " + text + "\n--- screen:\n" + screen);
  }

  private String screen() throws Exception {
    return tmux("capture-pane", "-p", "-t", "t", "-S", "-200").lines()
        .map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("");
  }

  private boolean tmuxAvailable() {
    try {
      Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private String tmux(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("tmux " + String.join(" ", args) + " did not finish");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      fail("tmux " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }

  private void tmuxQuietly(String... args) {
    try {
      tmux(args);
    } catch (Exception | AssertionError e) {
      // the server may be gone already
    }
  }
}
