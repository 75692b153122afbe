package io.lattice.cli;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code lattice-node} command line that starts a member added with {@code lattice member add}:
 * it joins the running cluster (the node learns the membership from the leader, so it needs no
 * peer list) under the cluster's id.
 */
final class NodeStartLine {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

  private NodeStartLine() {}

  /** The arguments after {@code lattice-node}. */
  static List<String> args(String id, String peerAddress, String clientAddress, String dataDir,
      String clusterId) {
    return List.of("--id", id, "--listen-client", clientAddress, "--listen-peer", peerAddress,
        "--data-dir", dataDir, "--join", "--cluster-id", clusterId);
  }

  /** The whole command line, with arguments quoted for a POSIX shell where needed. */
  static String line(List<String> args) {
    StringBuilder b = new StringBuilder("lattice-node");
    for (String a : args) {
      b.append(' ').append(PLAIN.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }
}
