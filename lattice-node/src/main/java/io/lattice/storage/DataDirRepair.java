package io.lattice.storage;

import io.lattice.raft.HardState;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code lattice-node repair}: truncates a corrupt log at its first damaged record and records, in
 * the hard state, the highest index the log held before ({@link HardState#noVoteBelow()}). Until
 * its log is back past that index, the repaired server does not vote or campaign, so it can never
 * help elect a leader that lacks an entry the cluster committed with this server's help.
 *
 * <p>Its acknowledgements may still count toward commitment: they describe only entries it holds
 * durably again, which is all a commit needs. A leader that probes it and learns that entries it
 * had acknowledged are gone lowers its record of what the server holds (see the Raft core).
 */
public final class DataDirRepair {
  /** What the repair did. */
  public record Report(LogRepair.Result log, HardState before, HardState after) {
    public boolean changed() {
      return log.repaired();
    }

    public String describe() {
      if (!log.repaired()) {
        return "The log is intact (last index " + log.lastIndexAfter() + "): nothing to repair.";
      }
      StringBuilder sb = new StringBuilder();
      sb.append("Truncated ").append(log.file()).append(" at byte offset ").append(log.offset())
          .append("; the log now ends at index ").append(log.lastIndexAfter()).append('.');
      for (Path p : log.removed()) {
        sb.append(" Removed ").append(p).append('.');
      }
      if (after.noVoteBelow() > log.lastIndexAfter()) {
        sb.append(" The log held up to index ").append(log.lastIndexBefore())
            .append(" before: this member will not vote until it has fetched entries up to ")
            .append(after.noVoteBelow()).append(" from the leader again.");
      }
      return sb.toString();
    }
  }

  private DataDirRepair() {}

  public static Report repair(Path dataDir, FileIo io) throws IOException {
    LogRepair.Result result = LogRepair.repair(dataDir, io);
    FileHardStateStore hardStates = new FileHardStateStore(dataDir, io);
    HardState before = hardStates.load();
    HardState after = before;
    if (result.repaired() && result.lastIndexBefore() > result.lastIndexAfter()) {
      long mark = Math.max(before.noVoteBelow(), result.lastIndexBefore());
      after = new HardState(before.term(), before.votedFor(), mark);
      hardStates.save(after);
    }
    return new Report(result, before, after);
  }
}
