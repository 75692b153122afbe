package io.lattice.cli;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real terminal for tests: one program in a 160×50 tmux window, on a tmux server of its own
 * (killed by {@link #close()}), typed at with send-keys and read with capture-pane.
 */
public final class Terminal implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final String socket = "lattice-test-" + ThreadLocalRandom.current().nextInt(1 << 30);

  private Terminal() {}

  /** Whether tmux is installed (tests that need a terminal are skipped where it is not). */
  public static boolean available() {
    return runs("tmux", "-V");
  }

  /** Whether {@code command} starts and exits 0 within 10 s (is that program installed?). */
  public static boolean runs(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Starts {@code command} (a program and its arguments) in a new terminal, with each of {@code
   * env} ("NAME=value") set in its environment.
   */
  public static Terminal start(List<String> env, String... command) throws Exception {
    Terminal t = new Terminal();
    List<String> args = new ArrayList<>(List.of("new-session", "-d", "-s", "t", "-x", "160",
        "-y", "50"));
    // through env(1), not tmux's -e: tmux keeps its own PATH whatever -e says
    args.add("env");
    args.addAll(env);
    args.addAll(List.of(command));
    t.tmux(args.toArray(String[]::new));
    return t;
  }

  /** Types {@code keys}: "Enter" and "Tab" are those keys, anything else is typed literally. */
  public void keys(String... keys) throws Exception {
    for (String k : keys) {
      if (k.equals("Enter") || k.equals("Tab")) {
        tmux("send-keys", "-t", "t", k);
      } else {
        tmux("send-keys", "-t", "t", "-l", "--", k); // (a text that starts with '-' is no flag)
      }
    }
  }

  /** Waits until {@code text} is on the screen (fails after 30 s, showing the screen). */
  public void awaitScreen(String text) throws Exception {
    awaitScreen(text, 1);
  }

  /** Waits until {@code text} is on the screen {@code times} times. */
  public void awaitScreen(String text, int times) throws Exception {
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

  /** The screen and its scroll-back, trailing blanks of each line stripped. */
  public String screen() throws Exception {
    return tmux("capture-pane", "-p", "-t", "t", "-S", "-200").lines()
        .map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("");
  }

  /** The last line on the screen that is not blank. */
  public String lastLine() throws Exception {
    return screen().lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
  }

  /** Kills the terminal's tmux server and what runs in it. */
  @Override
  public void close() {
    try {
      tmux("kill-server");
    } catch (Exception | AssertionError e) {
      // the server may be gone already
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
}
