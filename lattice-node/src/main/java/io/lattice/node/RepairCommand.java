package io.lattice.node;

import io.lattice.storage.DataDirLock;
import io.lattice.storage.DataDirRepair;
import io.lattice.storage.FileIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lattice-node repair}: truncates a corrupt Raft log at its first damaged record so that the
 * node can start again. Run it only on a stopped node.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
    description = {
        "Truncates a corrupt Raft log at its first damaged record, so that the node can start.",
        "Run it only while the node is stopped. The node then fetches the lost entries from the",
        "leader, and does not vote until its log is back past the highest index it held before",
        "(recorded in the hard state), so a repair never loses an entry the cluster committed."})
public final class RepairCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "The node's data directory (the one holding raft.log).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    if (!Files.isDirectory(dataDir)) {
      spec.commandLine().getErr().println("lattice-node repair: " + dataDir + " is not a directory");
      return 1;
    }
    DataDirRepair.Report report;
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      report = DataDirRepair.repair(dataDir, FileIo.SYSTEM);
    }
    spec.commandLine().getOut().println(report.describe());
    return 0;
  }
}
