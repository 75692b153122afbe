package io.lattice.cli;

import com.google.gson.JsonElement;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.OutputFormat;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What every command shares: its context, the global options (parsed on the root command, see
 * {@link GlobalOptions}), its output streams and a client made on demand. A command returns its
 * exit code, or throws and lets {@link ErrorHandler} choose it.
 */
abstract class BaseCommand implements Callable<Integer> {
  /**
   * This command's spec, set by {@link LatticeCommand}'s execution strategy just before {@link
   * #call()} (not by a {@code @Spec} annotation: picocli-codegen rejects one in an abstract base
   * class that is not itself a command).
   */
  protected CommandSpec spec;

  protected final CliContext ctx;

  protected BaseCommand(CliContext ctx) {
    this.ctx = ctx;
  }

  protected GlobalOptions globals() {
    return ((LatticeCommand) spec.root().userObject()).globals;
  }

  protected OutputFormat format() {
    return globals().output();
  }

  protected PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /**
   * A client for the global endpoints, timeout and TLS files; close it when the command ends.
   */
  protected CliContext.ClientLease client() {
    GlobalOptions g = globals();
    return ctx.client(g.endpoints(spec.commandLine()), g.timeout(), g.tls(spec.commandLine()));
  }

  protected void printJson(JsonElement e) {
    out().println(Json.format(e));
    out().flush();
  }
}
