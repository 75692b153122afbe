package io.lattice.server;

import io.lattice.node.NodeConfig;
import io.lattice.security.NodeSecurity;
import java.util.List;
import picocli.CommandLine;

/**
 * Turns a {@code lattice-node} command line into the configuration the node itself would run with:
 * parsed by the node's own picocli model and validated by its own option resolution (so a CLI test
 * fails if the CLI prints flags the node does not accept). In this package only to reach that
 * resolution.
 */
public final class NodeCommandLines {
  private NodeCommandLines() {}

  /** The configuration for {@code args} (the words after {@code lattice-node}). */
  public static NodeConfig configOf(List<String> args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs(args.toArray(String[]::new));
    LatticeNodeCommand cmd = cl.getCommand();
    return cmd.resolveConfig();
  }

  /**
   * The security {@code args} start the node with, as the node resolves and checks it (the files
   * they name are read: a start line naming missing or mismatched files fails here).
   */
  public static NodeSecurity securityOf(List<String> args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs(args.toArray(String[]::new));
    LatticeNodeCommand cmd = cl.getCommand();
    NodeConfig config = cmd.resolveConfig();
    return cmd.tls.security(config.id(), cmd.resolvedFile,
        m -> new CommandLine.ParameterException(cl, m));
  }
}
