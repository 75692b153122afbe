package io.lattice.cli;

import io.lattice.cli.txn.TxnInput;
import io.lattice.cli.txn.TxnPrinter;
import io.lattice.cli.txn.TxnScript;
import io.lattice.proto.v1.TxnRequest;
import io.lattice.proto.v1.TxnResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lattice txn}: etcdctl's {@code txn}: comparisons, then the operations done if they all
 * hold, then those done otherwise, read from standard input (see {@link TxnScript}) and applied
 * atomically at one log index, exactly once.
 */
@Command(name = "txn", description = "Run a transaction read from standard input: if every "
    + "comparison holds, the success operations, else the failure operations, atomically.",
    footer = {"", "Input: three sections, each ended by an empty line (or the end of input):",
        "the comparisons, the success operations, the failure operations.",
        "Lines starting with # are skipped.",
        "  value(\"KEY\") = \"VALUE\"   also !=, < and > (bytes in unsigned order)",
        "  version(\"KEY\") = N       also mod(\"KEY\"), create(\"KEY\") (log indexes);",
        "                           a missing key has 0 for all three",
        "  exists(\"KEY\")  !exists(\"KEY\")",
        "  put KEY VALUE   get KEY   del KEY",
        "A key or value is a word, or a double-quoted string where \\\" \\\\ \\n \\t \\r",
        "are escapes.",
        "",
        "Exits with 0 when the comparisons held, 1 when they did not (the failure",
        "operations were then done; cas exits 1 alike).",
        "",
        "Examples:",
        "  lattice txn -i           (prompts for each section)",
        "  lattice txn < lock.txn",
        "  printf 'version(\"lock\") = 0\\n\\nput lock me\\n\\nget lock\\n' | lattice txn"})
final class TxnCommand extends BaseCommand {
  @Option(names = {"-i", "--interactive"},
      description = "Prompt for each section (on standard error); a mistyped line is reported "
          + "and typed again.")
  boolean interactive;

  TxnCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(ctx.in(),
        StandardCharsets.UTF_8));
    TxnRequest req;
    try {
      // prompts go to standard error, so that standard output holds only the result
      req = TxnInput.read(in, interactive ? spec.commandLine().getErr() : null);
    } catch (TxnScript.SyntaxError e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    TxnResponse r;
    try (CliContext.ClientLease lease = client()) {
      r = lease.client().txn(req);
    }
    TxnPrinter.print(out(), format(), req, r);
    return r.getSucceeded() ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
