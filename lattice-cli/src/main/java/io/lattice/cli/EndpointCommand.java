package io.lattice.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lattice endpoint health}: etcdctl's command, one line per member. */
@Command(name = "endpoint", description = "Check endpoints (health).",
    subcommands = {EndpointCommand.Health.class})
final class EndpointCommand extends BaseCommand {
  EndpointCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: health");
  }

  @Command(name = "health", description = "Check each endpoint (with --cluster: each member): "
      + "healthy when it answers, knows a leader and has no alarm raised.",
      footer = {"", "One line per endpoint: ADDRESS is healthy|unhealthy: took TIME, then the "
          + "member and its role, or what is wrong.",
          "Exits with 0 when every one is healthy, 1 when any is not (usable by a load balancer "
              + "or systemd)."})
  static final class Health extends BaseCommand {
    @Option(names = "--cluster",
        description = "Check every member of the configuration, not only --endpoints.")
    boolean cluster;

    Health(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      List<EndpointHealth.Result> results;
      try (CliContext.ClientLease lease = client()) {
        results = EndpointHealth.check(lease.client(), cluster
            ? ClusterMembers.of(lease.client()) : ClusterMembers.endpoints(lease.client()));
      }
      EndpointHealth.print(out(), format(), results);
      return results.stream().allMatch(EndpointHealth.Result::healthy) ? ExitCodes.OK
          : ExitCodes.FAILURE;
    }
  }
}
