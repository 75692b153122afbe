package io.lattice.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ScopeType;

/**
 * The {@code lattice} command: the root of the command tree used both by the one-shot command line
 * and by {@code lattice shell}. Its attributes (help options) are inherited by every subcommand.
 */
@Command(name = "lattice", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    versionProvider = VersionInfo.Provider.class,
    description = "Command-line client of a Lattice key-value cluster.",
    subcommands = {
        PutCommand.class,
        GetCommand.class,
        DelCommand.class,
        CasCommand.class,
        StatusCommand.class,
        MemberCommand.class,
        LeaderCommand.class,
        SnapshotCommand.class,
        LogCommand.class,
        BenchCommand.class,
        ShellCommand.class,
        CompletionCommand.class,
        VersionCommand.class,
        CommandLine.HelpCommand.class,
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok",
        "1:failure (request refused, comparison failed, ...)",
        "2:usage error",
        "3:key (or member id) not found",
        "4:cluster unavailable (no endpoint reachable or no leader in time)",
        "5:indeterminate: the write may or may not have happened",
    },
    footer = {
        "",
        "Environment:",
        "  LATTICE_ENDPOINTS  default of --endpoints",
        "  LATTICE_TIMEOUT    default of --timeout",
        "  LATTICE_OUTPUT     default of --output",
        "  LATTICE_HISTORY    history file of the shell (default: ~/.lattice_history)",
        "A flag beats its variable.",
    })
public final class LatticeCommand extends BaseCommand {
  @Mixin
  GlobalOptions globals;

  LatticeCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /**
   * The command tree for {@code context}, printing to {@code out} and {@code err}, with the
   * environment defaults and the error handling of {@link ErrorHandler}.
   */
  public static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(LatticeCommand.class, new CommandFactory(context));
    ErrorHandler errors = new ErrorHandler();
    cl.setExecutionExceptionHandler(errors);
    cl.setParameterExceptionHandler(errors);
    cl.setOut(out);
    cl.setErr(err);
    cl.setDefaultValueProvider(new EnvDefaults(context.env()));
    return cl;
  }
}
