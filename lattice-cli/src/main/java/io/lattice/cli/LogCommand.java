package io.lattice.cli;

import io.lattice.cli.inspect.LogInspector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice log inspect}: offline inspection of a node's Raft log (no cluster needed). */
@Command(name = "log", description = "Inspect Raft log files offline.",
    subcommands = {LogCommand.Inspect.class})
final class LogCommand extends BaseCommand {
  LogCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: inspect");
  }

  /** The kinds of log entries {@code --type} selects. */
  enum EntryType { command, config, noop }

  @Command(name = "inspect", description = "List the entries of a log file or of a data "
      + "directory's log, and give a verdict on its integrity; never modifies anything.",
      footer = {"", "Exits with 0 when the log is intact (a torn tail, the trace of a crash "
          + "mid-write, is reported but is not corruption), 1 when it is corrupt or unreadable: "
          + "damaged, or cut short of what was synced (acknowledged entries gone). With --verify "
          + "on a data directory, a damaged snapshot or hard state also exits with 1.",
          "", "Examples:", "  lattice log inspect data/n1 --verify",
          "  lattice log inspect data/n1/raft.log --from 100 --to 120 --type config -o json"})
  static final class Inspect extends BaseCommand {
    @Parameters(index = "0", paramLabel = "FILE|DATA_DIR",
        description = "A log segment file, or a node's data directory.")
    Path path;

    @Option(names = "--from", paramLabel = "N", description = "First index to show (default: the "
        + "first in the log).")
    Long from;

    @Option(names = "--to", paramLabel = "N", description = "Last index to show (default: the "
        + "last in the log).")
    Long to;

    @Option(names = "--type", paramLabel = "TYPE", split = ",",
        description = "Only entries of these types: ${COMPLETION-CANDIDATES} (repeatable or "
            + "comma-separated; default: all).")
    List<EntryType> types = new ArrayList<>();

    @Option(names = "--verify", description = "Check every record's checksum, the log's "
        + "continuity and that no synced entry is missing; on a data directory also the hard "
        + "state and every snapshot. Prints the summary and the verdict, not the entries (see "
        + "--entries).")
    boolean verify;

    @Option(names = "--entries", description = "With --verify, list the entries too.")
    boolean entries;

    Inspect(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      long first = from == null ? 1 : from;
      long last = to == null ? Long.MAX_VALUE : to;
      if (first < 1 || last < first) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--from and --to must satisfy 1 <= from <= to (got " + first + ", "
                + (to == null ? "last" : to) + ")");
      }
      Set<String> names = new LinkedHashSet<>();
      for (EntryType t : types) {
        names.add(t.name().toLowerCase(Locale.ROOT));
      }
      LogInspector.Options options = new LogInspector.Options(first, last, Set.copyOf(names),
          verify, format() == io.lattice.cli.output.OutputFormat.json, entries);
      int code = LogInspector.run(path, options, out(), spec.commandLine().getErr());
      out().flush();
      spec.commandLine().getErr().flush();
      return code;
    }
  }
}
