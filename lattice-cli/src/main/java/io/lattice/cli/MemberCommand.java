package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.client.Endpoints;
import io.lattice.cli.output.Members;
import io.lattice.proto.v1.MemberAddResponse;
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

  @Command(name = "list", description = "List the members, their roles and the leader.")
  static final class ListMembers extends BaseCommand {
    ListMembers(CliContext ctx) {
      super(ctx);
    }

    @Override
    public Integer call() {
      try (CliContext.ClientLease lease = client()) {
        var r = lease.client().memberList();
        Members.print(out(), format(), null, r.getMembersList(), r.getHeader());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "add", description = "Add a member (as a learner, promoted automatically once "
      + "it has caught up unless --learner) and print the command that starts it.",
      footer = {"", "Example:",
          "  lattice member add n4 --peer-address 127.0.0.1:7104 --client-address 127.0.0.1:7004"})
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
      try (CliContext.ClientLease lease = client()) {
        r = lease.client().memberAdd(id, peerAddress, clientAddress, learner);
      }
      String clusterId = r.getHeader().getClusterId();
      List<String> args = NodeStartLine.args(id, peerAddress, clientAddress, dataDir != null
          ? dataDir : "data/" + id, clusterId);
      String line = NodeStartLine.line(args);
      if (format() == io.lattice.cli.output.OutputFormat.json) {
        JsonObject o = new JsonObject();
        o.add("member", Members.json(r.getMember()));
        o.add("members", Members.json(r.getMembersList()));
        JsonArray a = new JsonArray();
        a.add("lattice-node");
        args.forEach(a::add);
        o.add("start_command", a);
        printJson(o);
        return ExitCodes.OK;
      }
      out().println("Added " + id + " (peer " + peerAddress + ", client " + clientAddress
          + ") as a learner; "
          + (learner ? "promote it with `lattice member promote " + id + "` once it has caught up."
              : "the leader promotes it to voter once it has caught up."));
      out().println("Start it with:");
      out().println("  " + line);
      return ExitCodes.OK;
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
