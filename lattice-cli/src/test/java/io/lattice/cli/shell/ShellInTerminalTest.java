package io.lattice.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.cli.LocalCluster;
import io.lattice.cli.Terminal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell in a real terminal: {@code lattice shell} runs in its own JVM inside tmux
 * ({@link Terminal}), against a cluster on 127.0.0.1. Skipped where tmux is not installed.
 */
class ShellInTerminalTest {
  @Test
  void continuationPromptEscapesKeyCompletionAndShellErrors(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Terminal.available(), "tmux is not installed");
    try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 1);
        Terminal t = startShell(dir, cluster.endpoints())) {
      t.awaitScreen("lattice [leader n1");

      t.keys("put greeting \"hello", "Enter");
      t.awaitScreen("dquote>"); // (trailing blanks are stripped from the screen)
      t.keys("world\"", "Enter");
      t.awaitScreen("OK (version 1");

      t.keys("put tabbed \"a\\tb\\nc\"", "Enter");
      t.awaitScreen("OK (version 1, index", 2);

      t.keys("get gre", "Tab");
      t.awaitScreen("get greeting");
      t.keys("Enter");
      t.awaitScreen("greeting\nhello\nworld");

      t.keys("get tabbed --print-value-only", "Enter");
      t.awaitScreen("a       b\nc"); // the tab, as the terminal shows it

      t.keys("put onlykey", "Enter");
      t.awaitScreen("Type 'put --help' for usage.");
      assertThat(t.screen()).doesNotContain("Try 'lattice");
      t.keys("exit", "Enter");
    }
  }

  @Test
  void thePromptShowsNoLeaderOnceTheLeaderIsGone(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Terminal.available(), "tmux is not installed");
    try (LocalCluster cluster = LocalCluster.start(dir.resolve("cluster"), 1)) {
      cluster.addLearner("n2"); // a learner goes on naming its leader once it is gone
      try (Terminal t = startShell(dir, cluster.endpoints())) {
        t.awaitScreen("lattice [leader n1");
        cluster.stop("n1");
        t.keys("get k --timeout 1s", "Enter");
        t.awaitScreen("lattice [no leader");
        assertThat(t.lastLine()).startsWith("lattice [no leader").doesNotContain("n1");
        t.keys("exit", "Enter");
      }
    }
  }

  /** Starts {@code lattice --endpoints ENDPOINTS shell} in its own JVM in a new terminal. */
  private static Terminal startShell(Path dir, String endpoints) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path script = dir.resolve("shell.sh");
    Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -cp '"
        + System.getProperty("java.class.path") + "' io.lattice.cli.Main --endpoints "
        + endpoints + " shell\n");
    script.toFile().setExecutable(true);
    return Terminal.start(List.of("LATTICE_HISTORY=" + dir.resolve("history")),
        script.toString());
  }
}
