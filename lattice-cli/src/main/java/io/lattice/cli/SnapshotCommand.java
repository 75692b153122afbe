package io.lattice.cli;

import com.google.gson.JsonObject;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.SnapshotResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lattice snapshot}: makes a member (default: the leader) snapshot now. */
@Command(name = "snapshot", description = "Make a member (default: the leader) take a snapshot "
    + "now and compact its log; prints the snapshot's index. 'snapshot save FILE' makes a "
    + "backup, 'snapshot status FILE' checks one.",
    subcommands = {SnapshotSaveCommand.class, SnapshotStatusCommand.class})
final class SnapshotCommand extends BaseCommand {
  @Option(names = "--member", paramLabel = "ID", description = "The member to snapshot.")
  String member;

  SnapshotCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    SnapshotResponse r;
    try (CliContext.ClientLease lease = client()) {
      LatticeClient c = lease.client();
      String address = member == null ? c.leaderStatus().getAddress()
          : c.memberAddress(member);
      if (address == null) {
        throw CliException.notFound("no member '" + member + "' in the configuration");
      }
      if (address.isEmpty()) {
        throw new CliException(ExitCodes.UNAVAILABLE, "the client address of "
            + (member == null ? "the leader" : "member '" + member + "'")
            + " is not known yet (the leader records it once the member runs); retry shortly");
      }
      r = c.snapshot(address);
    }
    if (format() == io.lattice.cli.output.OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.addProperty("member_id", r.getHeader().getMemberId());
      o.addProperty("snapshot_index", r.getSnapshotIndex());
      o.addProperty("snapshot_term", r.getSnapshotTerm());
      printJson(o);
    } else if (format() == io.lattice.cli.output.OutputFormat.table) {
      new io.lattice.cli.output.Table("MEMBER", "SNAPSHOT_INDEX", "SNAPSHOT_TERM")
          .row(r.getHeader().getMemberId(), r.getSnapshotIndex(), r.getSnapshotTerm())
          .print(out());
    } else {
      out().println(r.getHeader().getMemberId() + ": snapshot at index " + r.getSnapshotIndex()
          + " (term " + r.getSnapshotTerm() + ")");
    }
    return ExitCodes.OK;
  }
}
