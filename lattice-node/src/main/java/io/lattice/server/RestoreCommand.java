package io.lattice.server;

import io.lattice.format.BackupFile;
import io.lattice.format.FormatException;
import io.lattice.raft.HardState;
import io.lattice.raft.LogIndex;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.DataDirLock;
import io.lattice.storage.FileHardStateStore;
import io.lattice.storage.FileIo;
import io.lattice.storage.FileSnapshotStore;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lattice-node restore FILE}: seeds one member of a new cluster from a backup made by
 * {@code lattice snapshot save}. Run it once per member, with the same backup and the same
 * {@code --initial-cluster}, then start the members as a new cluster.
 *
 * <p>The data directory gets the backup's snapshot, its membership replaced by the new voters,
 * and a hard state at the snapshot's term with no vote; no log. Every member so restored holds
 * the same state at the same index and term, so they agree from their first election on, and no
 * member of the old cluster is part of it (its votes and log stay behind).
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {
        "Seeds a member of a new cluster from a backup made by 'lattice snapshot save'.",
        "Run it on every member with the same FILE and --initial-cluster, then start each one",
        "with its usual flags, that --initial-cluster and the --cluster-id it prints. The backup",
        "is verified first (every checksum); a non-empty data directory is refused."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:restored", "1:failure (damaged backup, non-empty directory, I/O error)",
        "2:usage error"})
public final class RestoreCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The backup file.")
  Path file;

  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "The new member's data directory: must not exist, or be empty.")
  Path dataDir;

  @Option(names = "--id", required = true, paramLabel = "ID",
      description = "This member's id; one of --initial-cluster's.")
  String id;

  @Option(names = "--initial-cluster", required = true, paramLabel = "ID=HOST:PORT,...",
      description = "The new cluster's voters and their peer addresses.")
  String initialCluster;

  @Option(names = "--cluster-id", paramLabel = "NAME",
      description = {"The new cluster's id (default: the backup's, with '-restored-INDEX'",
          "added, so that members of the old cluster are refused by the new one)."})
  String clusterId;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Map<String, String> voters;
    try {
      voters = InitialCluster.parse(initialCluster);
    } catch (IllegalArgumentException e) {
      err.println("lattice-node restore: " + e.getMessage());
      return 2;
    }
    if (!voters.containsKey(id)) {
      err.println("lattice-node restore: --id " + id + " is not in --initial-cluster "
          + voters.keySet());
      return 2;
    }
    BackupFile.Verified backup;
    try {
      backup = BackupFile.verify(file);
    } catch (FormatException e) {
      err.println("lattice-node restore: " + file + " is damaged at offset " + e.offset() + ": "
          + e.getMessage() + " (nothing was written; use another backup)");
      return 1;
    } catch (java.nio.file.NoSuchFileException e) {
      err.println("lattice-node restore: " + file + ": no such file");
      return 1;
    }
    String refusal = refuseNonEmpty(dataDir);
    if (refusal != null) {
      err.println("lattice-node restore: " + refusal);
      return 1;
    }
    Files.createDirectories(dataDir);
    List<Member> members = new ArrayList<>();
    voters.forEach((member, peer) -> members.add(Member.voter(member, peer)));
    long index = backup.snapshot().lastIndex();
    long term = backup.snapshot().lastTerm();
    SnapshotMeta meta = new SnapshotMeta(index, term, Membership.ofVoters(members));
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      FileSnapshotStore store = new FileSnapshotStore(dataDir, FileIo.SYSTEM);
      SnapshotStore.Staged staged = store.stage(meta, sink -> {
        try (InputStream in = BackupFile.openData(file, backup)) {
          in.transferTo(sink);
        }
      });
      store.publish(staged);
      // The snapshot's term, no vote: the first election of the new cluster is one term above.
      new FileHardStateStore(dataDir, FileIo.SYSTEM)
          .save(new HardState(term, null, LogIndex.NONE));
    }
    String newId = clusterId != null ? clusterId
        : backup.meta().clusterId() + "-restored-" + index;
    out.println("Restored " + id + " into " + dataDir + " from " + file + ": index " + index
        + ", term " + term + ", taken from " + backup.meta().memberId() + " of cluster '"
        + backup.meta().clusterId() + "'.");
    out.println("Start it as a member of the new cluster (every member restored the same way):");
    out.println("  lattice-node --id " + id + " --data-dir " + dataDir + " --initial-cluster "
        + initialCluster + " --cluster-id " + newId + " ...");
    return 0;
  }

  /** Why {@code dir} cannot take a restore (it holds something), or null. */
  private static String refuseNonEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return null;
    }
    if (!Files.isDirectory(dir)) {
      return dir + " exists and is not a directory";
    }
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        return dir + " is not empty: a restore seeds a new member, it never overwrites one "
            + "(move the directory aside first)";
      }
    }
    return null;
  }
}
