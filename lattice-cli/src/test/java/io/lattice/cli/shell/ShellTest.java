package io.lattice.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.lattice.cli.CliContext;
import io.lattice.cli.LocalCluster;
import io.lattice.cli.client.LatticeClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The shell driven through a JLine dumb terminal against a real 3-node cluster. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShellTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  LocalCluster cluster;
  String endpoints;
  Path dir;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  void startCluster(@TempDir Path dir) {
    this.dir = dir;
    cluster = LocalCluster.start(dir.resolve("cluster"), 3);
    endpoints = cluster.endpoints();
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void closeShellResources() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  /** A shell on a dumb terminal reading {@code in} and writing to {@code out}. */
  private Shell shell(InputStream in, ByteArrayOutputStream out, Terminal[] terminalOut)
      throws IOException {
    return shell(endpoints, in, out, terminalOut);
  }

  /** A shell for {@code endpoints} on a dumb terminal reading {@code in}, writing to {@code out}. */
  private Shell shell(String endpoints, InputStream in, ByteArrayOutputStream out,
      Terminal[] terminalOut) throws IOException {
    Terminal terminal = new DumbTerminal("test", "dumb", in, out, StandardCharsets.UTF_8);
    LatticeClient client = new LatticeClient(List.of(endpoints.split(",")),
        Duration.ofSeconds(5));
    open.add(client);
    open.add(terminal);
    if (terminalOut != null) {
      terminalOut[0] = terminal;
    }
    CliContext base = new CliContext(new ByteArrayInputStream(new byte[0]),
        new ByteArrayOutputStream(), Map.of());
    return new Shell(terminal, client, base, Map.of("LATTICE_ENDPOINTS", endpoints,
        "LATTICE_TIMEOUT", "5000ms"), dir.resolve("history"));
  }

  /** Runs the shell on its own thread and waits (bounded) for it to return. */
  private static int runBounded(Shell shell) throws InterruptedException {
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(shell.run()), "shell-under-test");
    t.start();
    t.join(WAIT.toMillis());
    if (t.isAlive()) {
      t.interrupt();
      fail("the shell did not exit within " + WAIT);
    }
    return code.get();
  }

  @Test
  void putGetRoundTripWithTheLeaderInThePromptAndHistoryThenExit() throws Exception {
    byte[] input = ("put greeting hello\nget greeting\nget missing\nhelp\nshell\n"
        + "lattice get greeting -o json\nexit\nput never run\n").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = runBounded(shell(new ByteArrayInputStream(input), out, null));
    assertThat(code).isZero();
    String screen = out.toString(StandardCharsets.UTF_8);
    assertThat(screen).containsPattern("lattice \\[leader n\\d · term \\d+\\]> ");
    assertThat(screen).contains("OK (version 1, index ");
    assertThat(screen).contains("greeting\nhello\n");
    assertThat(screen).contains("lattice: key not found: missing");
    assertThat(screen).doesNotContain("never");
    assertThat(screen).contains("Usage: lattice ").contains("Exit codes:");
    assertThat(screen).contains("lattice: already in the shell");
    assertThat(screen).contains("\"value\": \"hello\"");
    assertThat(Files.readString(dir.resolve("history"))).contains("put greeting hello")
        .contains("get greeting");
  }

  @Test
  void quotesEscapesAndContinuationLinesMakeMultiLineValues() throws Exception {
    byte[] input = ("put esc \"a\\nb\\t\\\"c\\\"\"\n"
        + "put open \"line one\nline two\"\n"
        + "put single 'x\\ny'\n"
        + "get esc --print-value-only\nget open --print-value-only\n"
        + "get single --print-value-only\nexit\n").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = runBounded(shell(new ByteArrayInputStream(input), out, null));
    assertThat(code).isZero();
    String screen = out.toString(StandardCharsets.UTF_8);
    // (the continuation prompt is checked in a real terminal: ShellInTerminalTest)
    assertThat(screen).contains("a\nb\t\"c\"\n").contains("line one\nline two\n")
        .contains("x\\ny\n");
    assertThat(screen).doesNotContain("anb");
  }

  @Test
  void errorsInTheShellPointAtItsOwnHelp() throws Exception {
    byte[] input = "put onlykey\nmember lsit\nfrobnicate\nexit\n"
        .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(runBounded(shell(new ByteArrayInputStream(input), out, null))).isZero();
    String screen = out.toString(StandardCharsets.UTF_8);
    assertThat(screen).contains("Type 'put --help' for usage.")
        .contains("lattice: unknown subcommand 'lsit' of lattice member (did you mean list?)")
        .contains("Type 'member --help' for usage.").contains("Type 'help' for usage.");
    assertThat(screen).doesNotContain("Try 'lattice");
  }

  @Test
  void endOfInputLeavesTheShell() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = runBounded(shell(new ByteArrayInputStream("version\n".getBytes(
        StandardCharsets.UTF_8)), out, null));
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("lattice 0.1.0");
  }

  @Test
  void completesCommandsOptionsValuesAndMemberIds() throws Exception {
    Shell shell = shell(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
        null);
    assertThat(complete(shell, "mem")).contains("member");
    assertThat(complete(shell, "")).contains("put", "get", "status", "bench", "leader");
    // subcommands, not options, until the word starts with '-'
    assertThat(complete(shell, "member ")).containsExactlyInAnyOrder("list", "add", "promote",
        "remove");
    assertThat(complete(shell, "")).doesNotContain("--endpoints", "--help", "-o");
    assertThat(complete(shell, "member -")).contains("--help", "--endpoints");
    assertThat(complete(shell, "get k -")).contains("--prefix", "--consistency");
    assertThat(complete(shell, "cert ")).contains("create-ca", "create-node", "create-client",
        "list");
    assertThat(complete(shell, "get k --")).contains("--prefix", "--consistency", "--limit");
    assertThat(complete(shell, "get k --consistency ")).contains("linearizable", "lease",
        "stale");
    assertThat(complete(shell, "member remove ")).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(complete(shell, "leader transfer ")).containsExactlyInAnyOrder("n1", "n2", "n3");
    assertThat(complete(shell, "snapshot --member ")).contains("n1");
    try (LatticeClient c = new LatticeClient(List.of(endpoints.split(",")),
        Duration.ofSeconds(5))) {
      for (String k : List.of("complete/greeting", "complete/grey", "complete/other")) {
        c.put(io.lattice.proto.v1.PutRequest.newBuilder()
            .setKey(com.google.protobuf.ByteString.copyFromUtf8(k))
            .setValue(com.google.protobuf.ByteString.copyFromUtf8("v")).build());
      }
    }
    // a stale read may trail the leader by a moment: wait (bounded) for the member to have them
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (complete(shell, "get complete/gre").size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(complete(shell, "get complete/gre")).containsExactly("complete/greeting",
        "complete/grey");
    assertThat(complete(shell, "del -o json complete/o")).containsExactly("complete/other");
    assertThat(complete(shell, "put complete/gree")).containsExactly("complete/greeting");
    assertThat(complete(shell, "get complete/greeting --")).contains("--prefix");
  }

  @Test
  void thePromptShowsNoLeaderOnceTheLeaderIsGoneThoughAMemberStillNamesIt() throws Exception {
    try (LocalCluster small = LocalCluster.start(dir.resolve("with-learner"), 1)) {
      small.addLearner("n2");
      String learner = small.endpoints().split(",")[1];
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Shell shell = shell(small.endpoints(), new ByteArrayInputStream(new byte[0]), out, null);
      assertThat(shell.prompt()).startsWith("lattice [leader n1 · term ");

      small.stop("n1");
      // n2, a learner, never campaigns: it goes on naming n1, which is gone
      try (LatticeClient c = new LatticeClient(List.of(learner), Duration.ofSeconds(5))) {
        assertThat(c.statusOf(learner).getLeaderId()).isEqualTo("n1");
      }
      assertThat(shell.prompt()).startsWith("lattice [no leader · term ");
      int code = shell.execute(new String[] {"get", "k", "--timeout", "1s"});
      assertThat(code).as(out.toString(StandardCharsets.UTF_8))
          .isEqualTo(io.lattice.cli.ExitCodes.UNAVAILABLE);
      assertThat(shell.prompt()).startsWith("lattice [no leader · term ")
          .doesNotContain("n1");
    }
  }

  @Test
  void ctrlCCancelsTheRunningCommandAndTheShellGoesOn() throws Exception {
    PipedOutputStream keys = new PipedOutputStream();
    PipedInputStream in = new PipedInputStream(keys);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Terminal[] terminal = new Terminal[1];
    Shell shell = shell(in, out, terminal);
    AtomicInteger code = new AtomicInteger(-1);
    Thread t = new Thread(() -> code.set(shell.run()), "shell-under-test");
    t.start();
    keys.write("bench put --duration 60s --warmup 0 --keys 10\n".getBytes(StandardCharsets.UTF_8));
    keys.flush();
    long deadline = System.nanoTime() + WAIT.toNanos();
    // the command is running once its thread exists; then press Ctrl-C
    while (!commandRunning()) {
      if (System.nanoTime() - deadline > 0) {
        fail("the bench command did not start within " + WAIT);
      }
      Thread.sleep(20);
    }
    Thread.sleep(300);
    long pressed = System.nanoTime();
    terminal[0].raise(Terminal.Signal.INT);
    while (!out.toString(StandardCharsets.UTF_8).contains("lattice: cancelled")) {
      if (System.nanoTime() - deadline > 0) {
        fail("Ctrl-C did not cancel the command within " + WAIT + "; screen:\n" + out);
      }
      Thread.sleep(20);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - pressed)).isLessThan(Duration.ofSeconds(10));
    keys.write("get nothing-here\nexit\n".getBytes(StandardCharsets.UTF_8));
    keys.flush();
    t.join(WAIT.toMillis());
    assertThat(t.isAlive()).as("shell still running").isFalse();
    assertThat(code.get()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("key not found: nothing-here");
  }

  private static boolean commandRunning() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(th -> th.getName().equals("lattice-shell-command"));
  }

  private static List<String> complete(Shell shell, String line) {
    LineReader reader = shell.reader();
    ParsedLine parsed = reader.getParser().parse(line, line.length(),
        Parser.ParseContext.COMPLETE);
    List<Candidate> candidates = new ArrayList<>();
    shell.completer().complete(reader, parsed, candidates);
    return candidates.stream().map(Candidate::value).toList();
  }
}
