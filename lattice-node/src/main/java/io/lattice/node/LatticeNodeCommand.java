package io.lattice.node;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lattice-node} command line. Exit codes: 0 success, 1 failure, 2 usage error, 3 the
 * data directory is corrupt and was not changed.
 */
@Command(name = "lattice-node", mixinStandardHelpOptions = true,
    versionProvider = LatticeNodeCommand.Version.class,
    description = "The Lattice server: one member of a Raft-replicated key-value store.",
    subcommands = {RepairCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure", "2:usage error",
        "3:the data directory is corrupt (nothing was changed)"})
public final class LatticeNodeCommand implements Callable<Integer> {
  static final int EXIT_CORRUPT = 3;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return CommandLine.ExitCode.USAGE;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command tree, with exceptions mapped to exit codes in one place. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new LatticeNodeCommand());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("lattice-node: " + ex.getMessage());
      return ex instanceof io.lattice.storage.CorruptStorageException ? EXIT_CORRUPT : 1;
    });
    return cl;
  }

  /** Reports the version from the jar manifest (or "development" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LatticeNodeCommand.class.getPackage().getImplementationVersion();
      return new String[] {"lattice-node " + (v == null ? "development" : v)};
    }
  }
}
