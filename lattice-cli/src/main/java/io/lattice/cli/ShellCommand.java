package io.lattice.cli;

import io.lattice.cli.client.ClientTls;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.shell.Shell;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;

/** {@code lattice shell}: the interactive shell (see {@link Shell}). */
@Command(name = "shell", description = "Interactive shell: the same commands, tab completion, "
    + "history, a prompt that shows the leader.",
    footer = {"", "History is kept in $LATTICE_HISTORY (default: ~/.lattice_history). "
        + "Ctrl-C cancels the running command; Ctrl-D or exit leaves."})
final class ShellCommand extends BaseCommand {
  ShellCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    if (ctx.interactive()) {
      throw CliException.failure("already in the shell");
    }
    GlobalOptions g = globals();
    ClientTls tls = g.tls(spec.commandLine());
    Map<String, String> defaults = new HashMap<>(Map.of(
        "LATTICE_ENDPOINTS", String.join(",", g.endpoints(spec.commandLine())),
        "LATTICE_TIMEOUT", g.timeout().toMillis() + "ms",
        "LATTICE_OUTPUT", g.output().name()));
    if (g.certsDir() != null) {
      defaults.put("LATTICE_CERTS_DIR", g.certsDir().toString());
    }
    if (tls != null) { // the shell's TLS files, resolved, are the default of its commands
      defaults.put("LATTICE_CACERT", tls.caFile().toString());
      if (tls.certFile() != null) {
        defaults.put("LATTICE_CERT", tls.certFile().toString());
        defaults.put("LATTICE_KEY", tls.keyFile().toString());
      }
    }
    try (Terminal terminal = TerminalBuilder.builder().system(true).build();
        LatticeClient client = new LatticeClient(g.endpoints(spec.commandLine()), g.timeout(),
            tls)) {
      return new Shell(terminal, client, ctx, defaults, ctx.historyFile()).run();
    }
  }
}
