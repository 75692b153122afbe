package io.lattice.node;

import io.lattice.storage.DataDirLock;
import io.lattice.storage.DataDirRepair;
import io.lattice.storage.FileIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lattice-node repair}: truncates a corrupt Raft log at its first damaged record, and
 * rewrites a damaged or missing hard state, so that the node can start again. Run it only on a
 * stopped node.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
    description = {
        "Truncates a corrupt Raft log at its first damaged record, so that the node can start.",
        "Run it only while the node is stopped. The node then fetches the lost entries from the",
        "leader, and does not vote until its log is back past the highest index it held before",
        "(recorded in the hard state), so a repair never loses an entry the cluster committed.",
        "",
        "A damaged hard state, or a missing one on a node that has run, is written anew; this",
        "needs --term. The node then starts one term above it, with no vote, so it cannot vote",
        "twice in a term it may already have voted in (the cluster holds one election when it",
        "comes back)."})
public final class RepairCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "The node's data directory (the one holding raft.log).")
  Path dataDir;

  @Option(names = "--term", paramLabel = "T",
      description = {"The highest TERM that 'lattice status' shows for the other members (start",
          "them first if they are down); used only when the hard state must be rewritten. Give 0",
          "only when every member is being restored from a backup."})
  Long term;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dataDir)) {
      spec.commandLine().getErr().println("lattice-node repair: " + dataDir + " is not a directory");
      return 1;
    }
    if (term != null && term < 0) {
      spec.commandLine().getErr().println("lattice-node repair: --term must be 0 or more, not "
          + term);
      return 2;
    }
    DataDirRepair.Report report;
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      report = DataDirRepair.repair(dataDir, FileIo.SYSTEM,
          term == null ? OptionalLong.empty() : OptionalLong.of(term));
    }
    spec.commandLine().getOut().println(report.describe());
    return 0;
  }
}
