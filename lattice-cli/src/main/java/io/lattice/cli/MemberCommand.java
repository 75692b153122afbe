package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.client.ClientTls;
import io.lattice.cli.client.Endpoints;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.Members;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.StatusResponse;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice member list|add|promote|remove}: the cluster configuration. */
@Command(name = "member", description = "List, add, promote or remove members.",
    subcommands = {MemberCommand.ListMembers.class, MemberCommand.Add.class,
        MemberCommand.Promote.class, MemberCommand.Remove.class})
final class MemberCommand extends BaseCommand {
  MemberCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: list, add, promote or remove");
  }

  @Command(name = "list", description = "List the members, their roles and the leader.",
      footer = {"", "Exits with 0 when the answering member knows a leader; when it knows none, "
          + "the list is printed, then `lattice: no leader: ...` (why, as the reachable members "
          + "say) on standard error, and the exit code is 4."})
  static final class ListMembers extends BaseCommand {
    ListMembers(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      try (CliContext.ClientLease lease = client()) {
        var r = lease.client().memberList();
        Members.print(out(), format(), null, r.getMembersList(), r.getHeader());
        if (!Members.anyLeader(r.getMembersList())) {
          throw new CliException(ExitCodes.UNAVAILABLE,
              "no leader: " + lease.client().whyNoLeader());
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "add", description = "Add a member (as a learner, promoted automatically once "
      + "it has caught up unless --learner) and print the command that starts it.",
      footer = {"", "Example:",
          "  lattice member add n4 --peer-address 127.0.0.1:7104 --client-address 127.0.0.1:7004",
          "", "On a TLS cluster the printed command has the TLS flags, and is preceded by the",
          "`lattice cert create-node` command that makes the certificate they name."})
  static final class Add extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The new member's id.")
    String id;

    @Option(names = "--peer-address", required = true, paramLabel = "HOST:PORT",
        description = "Where the other members will reach it (its --listen-peer).")
    String peerAddress;

    @Option(names = "--client-address", required = true, paramLabel = "HOST:PORT",
        description = "Where clients will reach it (its --listen-client).")
    String clientAddress;

    @Option(names = "--learner",
        description = "Keep it a learner until `lattice member promote ID`.")
    boolean learner;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Data directory to put in the printed start command (default: data/ID).")
    String dataDir;

    @Option(names = "--node-certs-dir", paramLabel = "DIR",
        description = "On a TLS cluster, where the new member's certificate, key and CA "
            + "certificate will be on its host, for the printed start command (default: "
            + "--certs-dir, else certs).")
    Path nodeCertsDir;

    Add(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      try {
        Endpoints.check(peerAddress);
        Endpoints.check(clientAddress);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      if (peerAddress.equals(clientAddress)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--peer-address and "
            + "--client-address must differ: a member serves peers and clients on separate "
            + "listeners");
      }
      MemberAddResponse r;
      NodeStartLine.Security security;
      try (CliContext.ClientLease lease = client()) {
        r = lease.client().memberAdd(id, peerAddress, clientAddress, learner);
        security = securityOf(lease.client());
      }
      String clusterId = r.getHeader().getClusterId();
      Path certsDir = globals().certsDir() != null ? globals().certsDir() : CertsDir.DEFAULT;
      List<String> args = NodeStartLine.args(id, peerAddress, clientAddress, dataDir != null
          ? dataDir : "data/" + id, clusterId, security,
          nodeCertsDir != null ? nodeCertsDir : certsDir);
      List<String> certArgs = security.tls()
          ? NodeStartLine.certificateArgs(id, peerAddress, clientAddress, certsDir) : null;
      if (format() == io.lattice.cli.output.OutputFormat.json) {
        JsonObject o = new JsonObject();
        o.add("member", Members.json(r.getMember()));
        o.add("members", Members.json(r.getMembersList()));
        o.add("start_command", words("lattice-node", args));
        if (certArgs != null) {
          o.add("certificate_command", words("lattice", certArgs));
        }
        printJson(o);
        return ExitCodes.OK;
      }
      out().println("Added " + id + " (peer " + peerAddress + ", client " + clientAddress
          + ") as a learner; "
          + (learner ? "promote it with `lattice member promote " + id + "` once it has caught up."
              : "the leader promotes it to voter once it has caught up."));
      if (certArgs != null) {
        out().println("Make its certificate where the CA key is, then copy "
            + CertsDir.caCert(certsDir) + ", " + CertsDir.nodeCert(certsDir, id) + " and "
            + CertsDir.nodeKey(certsDir, id) + " to its host"
            + (nodeCertsDir != null ? " (" + nodeCertsDir + ")" : "") + ":");
        out().println("  " + NodeStartLine.line("lattice", certArgs));
      }
      out().println("Start it with:");
      out().println("  " + NodeStartLine.line(args));
      return ExitCodes.OK;
    }

    /**
     * How the cluster is secured: as the leader's Status says, or, from a member that does not
     * say (older than the field), as this connection is: TLS if the CLI dials TLS, client
     * certificates required if it presents one (the safer guess: a node started with them serves
     * clients without certificates too only if they are not required).
     */
    private static NodeStartLine.Security securityOf(LatticeClient client) {
      try {
        StatusResponse s = client.leaderStatus();
        if (s.hasSecurity()) {
          boolean tls = s.getSecurity().getClientTls() || s.getSecurity().getPeerTls();
          return new NodeStartLine.Security(tls, tls && s.getSecurity().getClientCertAuth());
        }
      } catch (RuntimeException e) {
        // the member is added; say what the connection tells
      }
      ClientTls tls = client.tls();
      return tls == null ? NodeStartLine.Security.INSECURE
          : new NodeStartLine.Security(true, tls.certFile() != null);
    }

    private static JsonArray words(String command, List<String> args) {
      JsonArray a = new JsonArray();
      a.add(command);
      args.forEach(a::add);
      return a;
    }
  }

  @Command(name = "promote", description = "Make a learner a voter (it must have caught up).")
  static final class Promote extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The learner's id.")
    String id;

    Promote(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      try (CliContext.ClientLease lease = client()) {
        var r = lease.client().memberPromote(id);
        Members.print(out(), format(), "Promoted " + id + " to voter.",
            r.getMembersList(), r.getHeader());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "remove", description = "Remove a member (a leader hands off leadership first).")
  static final class Remove extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "The member's id.")
    String id;

    Remove(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      try (CliContext.ClientLease lease = client()) {
        var r = lease.client().memberRemove(id);
        Members.print(out(), format(), "Removed " + id + ".", r.getMembersList(),
            r.getHeader());
      }
      return ExitCodes.OK;
    }
  }
}
