package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.grpc.Server;
import io.lattice.cli.ScriptedKv.Step;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.shell.Shell;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The life of the client's write session against a scripted KV server: opened (registered) only
 * before the first write, its registration retried, used by every write, and closed when a one-shot
 * command or the shell ends.
 */
class ClientSessionTest {
  private final List<Server> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    for (Server s : servers) {
      s.shutdownNow();
    }
  }

  private String serve(ScriptedKv kv) throws IOException {
    Server s = ScriptedKv.serve(kv);
    servers.add(s);
    return "127.0.0.1:" + s.getPort();
  }

  @Test
  void aOneShotWriteOpensASessionFirstUsesItAndClosesItOnExit() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    Cli.Result r = Cli.run("--endpoints", serve(kv), "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(kv.opens).hasSize(1);
    assertThat(kv.puts).singleElement().satisfies(p -> {
      assertThat(p.getSession().getSessionId()).isEqualTo(100);
      assertThat(p.getSession().getSequence()).isEqualTo(1);
    });
    assertThat(kv.closes).containsExactly(100L);
  }

  @Test
  void aCommandThatOnlyReadsOpensNoSession() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    String address = serve(kv);
    assertThat(Cli.run("--endpoints", address, "get", "k").code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(kv.gets).hasSize(1);
    assertThat(kv.opens).isEmpty();
    assertThat(kv.closes).isEmpty();
  }

  @Test
  void aRegistrationWhoseAnswerWasLostIsRetriedAndLeavesOnlyAnUnusedSession()
      throws IOException {
    ScriptedKv kv = new ScriptedKv();
    kv.openScript.add(Step.INDETERMINATE); // session 100 registered, its answer lost
    kv.openScript.add(Step.UNAVAILABLE);   // no effect
    Cli.Result r = Cli.run("--endpoints", serve(kv), "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(kv.opens).hasSize(3);
    assertThat(kv.puts).singleElement()
        .satisfies(p -> assertThat(p.getSession().getSessionId()).isEqualTo(102));
    assertThat(kv.closes).containsExactly(102L);
  }

  @Test
  void aWriteThatCouldNotOpenASessionHadNoEffect() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    for (int i = 0; i < 1000; i++) {
      kv.openScript.add(Step.INDETERMINATE);
    }
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "300ms", "put", "k", "v");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).startsWith("lattice: put (opening a session): no leader reachable");
    assertThat(kv.puts).isEmpty();
    assertThat(kv.closes).isEmpty();
  }

  @Test
  void aWriteOfUnknownOutcomeStillClosesItsSession() throws IOException {
    ScriptedKv kv = new ScriptedKv();
    for (int i = 0; i < 1000; i++) {
      kv.script.add(Step.INDETERMINATE);
    }
    Cli.Result r = Cli.run("--endpoints", serve(kv), "--timeout", "300ms", "put", "k", "v");
    assertThat(r.code()).isEqualTo(ExitCodes.INDETERMINATE);
    assertThat(kv.closes).containsExactly(100L);
  }

  @Test
  void theShellKeepsOneSessionForItsLifeAndClosesItOnExit(@TempDir Path dir) throws Exception {
    ScriptedKv kv = new ScriptedKv();
    String address = serve(kv);
    byte[] input = "get k\nput a 1\nput b 2\nexit\n".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream screen = new ByteArrayOutputStream();
    // as ShellCommand does: one client for the shell, closed when it returns
    try (Terminal terminal = new DumbTerminal("test", "dumb", new ByteArrayInputStream(input),
            screen, StandardCharsets.UTF_8);
        LatticeClient client = new LatticeClient(List.of(address), Duration.ofSeconds(5))) {
      CliContext base = new CliContext(new ByteArrayInputStream(new byte[0]),
          new ByteArrayOutputStream(), Map.of());
      Shell shell = new Shell(terminal, client, base, Map.of("LATTICE_ENDPOINTS", address,
          "LATTICE_TIMEOUT", "5000ms"), dir.resolve("history"));
      assertThat(runBounded(shell)).as(screen.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(kv.opens).hasSize(1);
      assertThat(kv.closes).as("not closed by the commands").isEmpty();
    }
    assertThat(kv.puts).extracting(p -> p.getSession().getSessionId()).containsOnly(100L);
    assertThat(kv.puts).extracting(p -> p.getSession().getSequence()).containsExactly(1L, 2L);
    assertThat(kv.closes).containsExactly(100L);
  }

  private static int runBounded(Shell shell) throws InterruptedException {
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(shell.run()), "shell-under-test");
    t.start();
    t.join(20_000);
    if (t.isAlive()) {
      t.interrupt();
      fail("the shell did not exit within 20 s");
    }
    return code.get();
  }
}
