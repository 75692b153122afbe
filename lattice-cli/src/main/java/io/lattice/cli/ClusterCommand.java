package io.lattice.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lattice cluster verify}: whether every member has the same state. */
@Command(name = "cluster", description = "Whole-cluster checks (verify).",
    subcommands = {ClusterCommand.Verify.class})
final class ClusterCommand extends BaseCommand {
  ClusterCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: verify");
  }

  @Command(name = "verify", description = "Compare the state hash of every member at the same "
      + "applied index and name the member that differs.",
      footer = {"", "The members are asked to wait for the highest applied index any of them "
          + "reports, so that their hashes compare; a member at another index (under a steady "
          + "stream of writes) or unreachable is listed as not compared.",
          "Exits with 0 when every member has the same state, 1 when a member differs, 4 when "
              + "some member could not be compared."})
  static final class Verify extends BaseCommand {
    Verify(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      List<StateHashes.Probe> probes;
      try (CliContext.ClientLease lease = client()) {
        probes = StateHashes.atOneIndex(lease.client(), ClusterMembers.of(lease.client()));
      }
      StateHashes.Verdict v = StateHashes.verdict(probes);
      StateHashes.print(out(), format(), v, probes);
      return !v.differing().isEmpty() ? ExitCodes.FAILURE
          : v.ok() ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
    }
  }
}
