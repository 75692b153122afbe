package io.lattice.cli;

import picocli.CommandLine.Command;

/**
 * {@code lattice status}: one row per member of the cluster, each from that member's own Status,
 * with the leader's view of replication (lag, last contact). Members that cannot be reached are
 * rows with the error, never left out. Exits with 0 when a leader is known, else 4.
 */
@Command(name = "status", description = "Show every member of the cluster: role, term, log "
    + "positions, lag behind the leader, snapshot, log size and errors.",
    footer = {"", "LAG is how many entries a member is behind the leader's log, LAST CONTACT when "
        + "the leader last heard from it (both as the leader sees them).",
        "Exits with 0 when a leader is known, 4 when none is."})
final class StatusCommand extends BaseCommand {
  StatusCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    StatusReport report;
    try (CliContext.ClientLease lease = client()) {
      report = StatusReport.collect(lease.client());
    }
    if (format() == io.lattice.cli.output.OutputFormat.json) {
      printJson(report.json());
    } else {
      report.printText(out());
    }
    if (!report.hasLeader()) {
      throw new CliException(ExitCodes.UNAVAILABLE, "no leader is known to any reachable member");
    }
    return ExitCodes.OK;
  }
}
