package io.lattice.cli;

import com.google.gson.JsonObject;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TransferLeaderResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lattice leader transfer [ID]}: moves leadership and waits until it has moved. */
@Command(name = "leader", description = "Leadership operations.",
    subcommands = {LeaderCommand.Transfer.class})
final class LeaderCommand extends BaseCommand {
  LeaderCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: transfer");
  }

  @Command(name = "transfer", description = "Move leadership to voter ID (default: the most "
      + "up-to-date follower) and wait until the new leader is confirmed.",
      footer = {"", "The current leader is found from any endpoint; no need to point at it."})
  static final class Transfer extends BaseCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID",
        description = "The voter that should lead.")
    String target;

    Transfer(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      try (CliContext.ClientLease lease = client()) {
        LatticeClient c = lease.client();
        StatusResponse before = c.leaderStatus();
        if (target != null && target.equals(before.getMemberId())) {
          print(before.getMemberId(), before.getMemberId(), before.getTerm(), false);
          return ExitCodes.OK;
        }
        TransferLeaderResponse r = c.transferLeader(target == null ? "" : target);
        StatusResponse after = c.awaitLeader(r.getNewLeaderId());
        print(before.getMemberId(), after.getMemberId(), after.getTerm(), true);
      }
      return ExitCodes.OK;
    }

    private void print(String from, String to, long term, boolean moved) {
      if (format() == io.lattice.cli.output.OutputFormat.json) {
        JsonObject o = new JsonObject();
        o.addProperty("previous_leader_id", from);
        o.addProperty("leader_id", to);
        o.addProperty("term", term);
        o.addProperty("moved", moved);
        printJson(o);
      } else if (moved) {
        out().println("Leadership moved from " + from + " to " + to + " (term " + term + ").");
      } else {
        out().println(to + " already leads (term " + term + "); nothing to do.");
      }
    }
  }
}
