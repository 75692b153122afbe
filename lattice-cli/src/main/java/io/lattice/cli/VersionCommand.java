package io.lattice.cli;

import com.google.gson.JsonObject;
import io.lattice.proto.v1.StatusResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lattice version}: the CLI's version; with {@code --server}, also the version and cluster
 * id the leader reports (so that a plain {@code lattice version} never touches the network).
 */
@Command(name = "version", description = "Print the CLI's version (and the server's with "
    + "--server).")
final class VersionCommand extends BaseCommand {
  @Option(names = "--server", description = "Also ask the leader for its version and cluster id.")
  boolean server;

  VersionCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    StatusResponse s = null;
    if (server) {
      try (CliContext.ClientLease lease = client()) {
        s = lease.client().leaderStatus();
      }
    }
    if (format() == io.lattice.cli.output.OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.addProperty("cli_version", VersionInfo.version());
      if (s != null) {
        o.addProperty("server_version", s.getVersion());
        o.addProperty("cluster_id", s.getClusterId());
        o.addProperty("leader_id", s.getMemberId());
      }
      printJson(o);
      return ExitCodes.OK;
    }
    out().println("lattice " + VersionInfo.version());
    if (s != null) {
      out().println("server " + s.getVersion() + " (leader " + s.getMemberId() + " at "
          + s.getAddress() + ", cluster " + s.getClusterId() + ")");
    }
    return ExitCodes.OK;
  }
}
