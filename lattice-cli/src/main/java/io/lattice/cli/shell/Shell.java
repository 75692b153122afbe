package io.lattice.cli.shell;

import io.lattice.cli.CliContext;
import io.lattice.cli.ExitCodes;
import io.lattice.cli.LatticeCommand;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.ResponseHeader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import picocli.CommandLine;
import picocli.shell.jline3.PicocliJLineCompleter;

/**
 * The interactive shell: reads lines with JLine and runs each as a {@code lattice} command line
 * (without the {@code lattice} prefix) through the same command tree, with one client kept open
 * for the whole session.
 *
 * <p>Each command runs on a worker thread; Ctrl-C while it runs interrupts it (a blocking gRPC call
 * is then cancelled) and returns to the prompt. Ctrl-C at the prompt clears the line; Ctrl-D,
 * {@code exit} or {@code quit} leave. The prompt shows the leader and term, asked anew before
 * every line (after a command that found the leader gone, too), and only a leader that answers:
 * one that a member still names but that is gone shows as {@code no leader} (see {@link
 * LatticeClient#peekLeader}).
 */
public final class Shell {
  private static final Duration PROMPT_PEEK = Duration.ofMillis(300);

  private final Terminal terminal;
  private final LatticeClient client;
  private final CliContext context;
  private final LineReader reader;
  private final ShellCompleter completer;

  /**
   * A shell on {@code terminal} using {@code client}; {@code defaults} are the LATTICE_* values of
   * the shell's own global options (so commands inherit them), {@code history} the history file.
   */
  public Shell(Terminal terminal, LatticeClient client, CliContext base,
      Map<String, String> defaults, Path history) {
    this.terminal = terminal;
    this.client = client;
    this.context = base.forShell(client, new ByteArrayInputStream(new byte[0]),
        terminal.output(), defaults);
    CommandLine model = newCommandLine();
    this.completer = new ShellCompleter(new PicocliJLineCompleter(model.getCommandSpec()),
        new MemberIds(client), new KeyNames(client), ShellCompleter.valueOptions(model));
    // An open quote (or a trailing backslash) makes the parser ask for more: the reader then
    // shows the continuation prompt and the value goes on on the next line. The words of the
    // finished line are split by ShellWords, which honours \n and the other escapes.
    DefaultParser parser = new DefaultParser();
    parser.setEofOnUnclosedQuote(true);
    parser.setEofOnEscapedNewLine(true);
    this.reader = LineReaderBuilder.builder()
        .terminal(terminal)
        .appName("lattice")
        .parser(parser)
        .completer(completer)
        .variable(LineReader.HISTORY_FILE, history)
        .variable(LineReader.SECONDARY_PROMPT_PATTERN, "%M> ")
        // history expansion (!!, !n) would also eat every backslash before ShellWords sees it
        .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
        .build();
  }

  /** The line reader (for tests). */
  LineReader reader() {
    return reader;
  }

  /** The completer the line reader uses (for tests). */
  ShellCompleter completer() {
    return completer;
  }

  /** Runs until Ctrl-D, {@code exit} or {@code quit}; returns 0. */
  public int run() {
    PrintWriter w = terminal.writer();
    w.println("lattice shell: commands as on the command line without 'lattice'; help; exit or "
        + "Ctrl-D to leave.");
    w.flush();
    // The first call pays for connecting (and for loading the client): give it the full timeout
    // rather than the prompt's short one.
    client.peekLeader(client.timeout());
    try {
      while (true) {
        String line;
        try {
          line = reader.readLine(prompt());
        } catch (UserInterruptException e) {
          continue; // Ctrl-C at the prompt: drop the line
        } catch (EndOfFileException e) {
          break;
        }
        List<String> words = new ArrayList<>(ShellWords.split(line));
        if (words.isEmpty()) {
          continue;
        }
        String first = words.get(0);
        if (first.equals("exit") || first.equals("quit")) {
          break;
        }
        if (first.equals("lattice")) {
          words.remove(0); // a habit worth forgiving
        }
        if (!words.isEmpty() && words.get(0).equals("shell")) {
          w.println("lattice: already in the shell");
          w.flush();
          continue;
        }
        execute(words.toArray(String[]::new));
      }
    } finally {
      try {
        reader.getHistory().save();
      } catch (IOException e) {
        w.println("lattice: could not save the history: " + e.getMessage());
      }
      w.flush();
    }
    return ExitCodes.OK;
  }

  /** Runs one command on a worker thread that Ctrl-C interrupts; returns its exit code. */
  int execute(String[] args) {
    AtomicInteger code = new AtomicInteger(ExitCodes.FAILURE);
    Thread worker = new Thread(() -> code.set(newCommandLine().execute(args)),
        "lattice-shell-command");
    Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> worker.interrupt());
    try {
      worker.start();
      while (true) {
        try {
          worker.join();
          break;
        } catch (InterruptedException e) {
          worker.interrupt(); // the shell itself is being stopped: stop the command too
        }
      }
    } finally {
      terminal.handle(Terminal.Signal.INT, previous);
      terminal.writer().flush();
    }
    return code.get();
  }

  private CommandLine newCommandLine() {
    PrintWriter w = terminal.writer();
    return LatticeCommand.commandLine(context, w, w);
  }

  /**
   * {@code lattice [leader n1 · term 3]> }, {@code lattice [no leader · term 3]> } or {@code
   * lattice [unreachable]> }.
   */
  String prompt() {
    ResponseHeader h = client.peekLeader(PROMPT_PEEK);
    if (h == null) {
      return "lattice [unreachable]> ";
    }
    // a middle dot where the terminal's charset has one (not in the C locale)
    String dot = terminal.encoding().newEncoder().canEncode('\u00b7') ? " \u00b7 " : ", ";
    if (h.getLeaderId().isEmpty()) {
      return "lattice [no leader" + dot + "term " + h.getTerm() + "]> ";
    }
    return "lattice [leader " + h.getLeaderId() + dot + "term " + h.getTerm() + "]> ";
  }
}
