package io.lattice.cli;

import java.util.List;
import picocli.CommandLine.Command;

/** {@code lattice hash}: the state hash of every member, with its applied index. */
@Command(name = "hash", description = "Show the state hash of every member with the applied "
    + "index it was taken at (hashes compare only at the same index: see `lattice cluster "
    + "verify`).",
    footer = {"", "Exits with 0 when every member answered, 1 when any did not."})
final class HashCommand extends BaseCommand {
  HashCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    List<StateHashes.Probe> probes;
    try (CliContext.ClientLease lease = client()) {
      probes = StateHashes.collect(lease.client(), ClusterMembers.of(lease.client()), 0);
    }
    StateHashes.print(out(), format(), probes);
    return StateHashes.allAnswered(probes) ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
