package io.lattice.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ScopeType;

/**
 * The {@code lattice} command: the root of the command tree used both by the one-shot command line
 * and by {@code lattice shell}. Its attributes (help options) are inherited by every subcommand.
 *
 * <p>The subcommands are added in {@link #commandLine}, not listed in the annotation: picocli
 * builds the model of every command it is given by reflection (about a third of a second for the
 * whole tree on a small machine), and a one-shot command line needs only the command it names.
 */
@Command(name = "lattice", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    versionProvider = VersionInfo.Provider.class,
    description = "Command-line client of a Lattice key-value cluster.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok",
        "1:failure (request refused, comparison failed, ...)",
        "2:usage error",
        "3:key (or member id) not found",
        "4:cluster unavailable (no endpoint reachable or no leader in time)",
        "5:indeterminate: the write may or may not have happened",
        "6:denied: permission denied, not authenticated, or the TLS connection failed",
    },
    footer = {
        "",
        "Environment:",
        "  LATTICE_ENDPOINTS  default of --endpoints",
        "  LATTICE_TIMEOUT    default of --timeout",
        "  LATTICE_OUTPUT     default of --output",
        "  LATTICE_CACERT     default of --cacert",
        "  LATTICE_CERT       default of --cert",
        "  LATTICE_KEY        default of --key",
        "  LATTICE_CERTS_DIR  default of --certs-dir",
        "  LATTICE_HISTORY    history file of the shell (default: ~/.lattice_history)",
        "A flag beats its variable.",
        "",
        "TLS: --cacert (or --certs-dir) makes the CLI dial TLS. --certs-dir DIR stands",
        "for --cacert DIR/ca.crt and, if present, DIR/client.crt and client.key, else",
        "DIR/client.root.crt and client.root.key (see `lattice cert`). Neither: plaintext.",
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

  /** Every subcommand, in the order of the help. */
  private static final List<Class<?>> SUBCOMMANDS = List.of(
      PutCommand.class,
      GetCommand.class,
      DelCommand.class,
      CasCommand.class,
      TxnCommand.class,
      StatusCommand.class,
      MemberCommand.class,
      LeaderCommand.class,
      EndpointCommand.class,
      HashCommand.class,
      ClusterCommand.class,
      SnapshotCommand.class,
      LogCommand.class,
      BenchCommand.class,
      ShellCommand.class,
      CertCommand.class,
      CompletionCommand.class,
      VersionCommand.class,
      CommandLine.HelpCommand.class);

  /** Commands that never connect: the inherited connection options are not theirs. */
  private static final Set<String> OFFLINE = Set.of("log", "completion");

  /** The global options that say how to connect to a cluster. */
  private static final Set<String> CONNECTION_OPTIONS = Set.of("--endpoints", "--timeout",
      "--cacert", "--cert", "--key", "--certs-dir");

  /**
   * Removes the connection options that {@code cl} and its subcommands inherit, so that their help
   * does not offer them and they are refused if given there.
   */
  private static void withoutConnectionOptions(CommandLine cl) {
    for (CommandLine.Model.OptionSpec o : List.copyOf(cl.getCommandSpec().options())) {
      if (CONNECTION_OPTIONS.contains(o.longestName())) {
        cl.getCommandSpec().remove(o);
      }
    }
    CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
    if (java.util.Arrays.equals(usage.footer(),
        cl.getCommandSpec().root().usageMessage().footer())) {
      // the root's footer is about the connection options and their variables
      usage.footer(new String[0]);
    }
    cl.getSubcommands().values().forEach(LatticeCommand::withoutConnectionOptions);
  }

  /** Root options that take a value as the next argument (unless written --name=value). */
  private static final Set<String> VALUE_OPTIONS = Set.of("--endpoints", "--timeout", "-o",
      "--output", "--cacert", "--cert", "--key", "--certs-dir");

  /**
   * The whole command tree for {@code context}, printing to {@code out} and {@code err}, with the
   * environment defaults and the error handling of {@link ErrorHandler}.
   */
  public static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err) {
    return commandLine(context, out, err, SUBCOMMANDS);
  }

  /**
   * The command tree for running {@code args} once: when they name a subcommand after nothing but
   * global options, that subcommand is the only one in the tree (the others would only cost
   * start-up time); otherwise (root help, version, an unknown command or option, {@code help}) the
   * whole tree, so usage and error messages are the same.
   */
  public static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err,
      String[] args) {
    Class<?> named = subcommandNamedBy(args);
    return commandLine(context, out, err, named == null ? SUBCOMMANDS : List.of(named));
  }

  private static CommandLine commandLine(CliContext context, PrintWriter out, PrintWriter err,
      List<Class<?>> subcommands) {
    CommandFactory factory = new CommandFactory(context);
    CommandLine cl = new CommandLine(LatticeCommand.class, factory);
    for (Class<?> sub : subcommands) {
      cl.addSubcommand(sub);
    }
    for (String offline : OFFLINE) {
      CommandLine sub = cl.getSubcommands().get(offline);
      if (sub != null) {
        withoutConnectionOptions(sub);
      }
    }
    ErrorHandler errors = new ErrorHandler();
    cl.setExecutionExceptionHandler(errors);
    cl.setParameterExceptionHandler(errors);
    cl.setOut(out);
    cl.setErr(err);
    cl.setDefaultValueProvider(new EnvDefaults(context.env()));
    cl.setExecutionStrategy(LatticeCommand::execute);
    return cl;
  }

  /**
   * Gives every command on the parsed path its spec (see {@link BaseCommand#spec}), keeps library
   * logging quiet unless {@code -v} (see {@link LibraryLogging}), then runs.
   */
  private static int execute(CommandLine.ParseResult parsed) {
    if (parsed.commandSpec().userObject() instanceof LatticeCommand root) {
      LibraryLogging.configure(root.globals.verbose());
    }
    for (CommandLine c : parsed.asCommandLineList()) {
      if (c.getCommand() instanceof BaseCommand b) {
        b.spec = c.getCommandSpec();
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  /** The subcommand class that {@code args} run, if only global options come before its name. */
  static Class<?> subcommandNamedBy(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (VALUE_OPTIONS.contains(a)) {
        i++;
      } else if (a.startsWith("--endpoints=") || a.startsWith("--timeout=")
          || a.startsWith("--output=") || a.startsWith("--cacert=") || a.startsWith("--cert=")
          || a.startsWith("--key=") || a.startsWith("--certs-dir=")
          || (a.startsWith("-o") && !a.startsWith("--"))
          || a.equals("-v") || a.equals("--verbose")) {
        continue;
      } else if (a.startsWith("-")) {
        return null;
      } else {
        for (Class<?> sub : SUBCOMMANDS) {
          if (sub != CommandLine.HelpCommand.class
              && a.equals(sub.getAnnotation(Command.class).name())) {
            return sub;
          }
        }
        return null;
      }
    }
    return null;
  }
}
