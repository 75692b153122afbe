package io.lattice.storage;

import io.lattice.format.LogScan;
import io.lattice.format.LogScanner;
import io.lattice.raft.HardState;
import io.lattice.raft.LogIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code lattice-node repair}: truncates a corrupt log at its first damaged record and records, in
 * the hard state, the highest index the log held before ({@link HardState#noVoteBelow()}). Until
 * its log is back past that index, the repaired server does not vote or campaign, so it can never
 * help elect a leader that lacks an entry the cluster committed with this server's help.
 *
 * <p>Its acknowledgements may still count toward commitment: they describe only entries it holds
 * durably again, which is all a commit needs. A leader that probes it and learns that entries it
 * had acknowledged are gone lowers its record of what the server holds (see the Raft core).
 *
 * <p>It also writes a new hard state when the old one is damaged, or missing while the log or a
 * snapshot shows that the server has run. The term and vote it held are then unknown, and nothing
 * left in the directory bounds them: the server may have seen, and voted in, a term after its last
 * entry's. So the repair needs the highest term the rest of the cluster has reached ({@code
 * --term}, from {@code lattice status}): every term this server can have voted in existed before
 * the repair, so none is above that one (or above the terms in its own log and snapshots). The new
 * hard state is one term higher, with no vote. The server then refuses every vote request of a term
 * it may have voted in (they are all below its own), and votes again only in terms it has never
 * seen. It costs one election: the leader learns the higher term from this server's first answer
 * and steps down.
 */
public final class DataDirRepair {
  /**
   * The hard state was damaged, or missing on a server that has run, and was written anew.
   *
   * @param file the hard-state file
   * @param problem what was wrong with it
   * @param givenTerm the highest term of the cluster, as given ({@code --term})
   * @param storedTerm the highest term found in the log and the snapshots' names
   */
  public record Rewrite(Path file, String problem, long givenTerm, long storedTerm) {
    /** The highest term this server may have voted in, as far as anyone can tell. */
    public long highestTermSeen() {
      return Math.max(givenTerm, storedTerm);
    }
  }

  /**
   * What the repair did.
   *
   * @param before the hard state found (null when it was missing or damaged)
   * @param rewrite why the hard state was written anew, or null if it was intact
   * @param termUnused whether a cluster term was given although the hard state was intact
   */
  public record Report(LogRepair.Result log, HardState before, HardState after, Rewrite rewrite,
      boolean termUnused) {
    public boolean changed() {
      return log.repaired() || rewrite != null;
    }

    public String describe() {
      StringBuilder sb = new StringBuilder();
      if (rewrite != null) {
        sb.append("The hard state ").append(rewrite.file()).append(' ').append(rewrite.problem())
            .append(": wrote a new one in term ").append(after.term())
            .append(", with no vote. No term this member can have voted in is above ")
            .append(rewrite.highestTermSeen()).append(" (the higher of --term ")
            .append(rewrite.givenTerm()).append(" and the highest term in its log and snapshots, ")
            .append(rewrite.storedTerm()).append("), so it will not vote again in any of them.")
            .append(" When it is back, the leader steps down on learning the new term and the")
            .append(" cluster elects a leader again.");
      }
      if (!log.repaired()) {
        if (rewrite == null) {
          sb.append("The log is intact (last index ").append(log.lastIndexAfter())
              .append("): nothing to repair.");
          if (termUnused) {
            sb.append(" The hard state is intact as well, so --term was not used.");
          }
        } else {
          sb.append(" The log is intact (last index ").append(log.lastIndexAfter()).append(").");
        }
        return sb.toString();
      }
      if (rewrite != null) {
        sb.append(' ');
      }
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
      if (termUnused) {
        sb.append(" The hard state is intact, so --term was not used.");
      }
      return sb.toString();
    }
  }

  private DataDirRepair() {}

  /** As {@link #repair(Path, FileIo, OptionalLong)} with no cluster term. */
  public static Report repair(Path dataDir, FileIo io) throws IOException {
    return repair(dataDir, io, OptionalLong.empty());
  }

  /**
   * Repairs the log, and the hard state if it is damaged or missing on a server that has run.
   *
   * @param clusterTerm the highest term the other members have reached; needed only to rewrite the
   *     hard state
   * @throws CorruptStorageException (before anything is changed) if the hard state must be
   *     rewritten and no {@code clusterTerm} is given: the same error the node stops with
   */
  public static Report repair(Path dataDir, FileIo io, OptionalLong clusterTerm)
      throws IOException {
    FileHardStateStore hardStates = new FileHardStateStore(dataDir, io);
    HardState before;
    String problem = null;
    CorruptStorageException refusal = null;
    try {
      before = hardStates.loadIfPresent().orElse(null);
    } catch (CorruptStorageException e) {
      before = null;
      problem = "was damaged at byte offset " + e.offset();
      refusal = e;
    }
    Stored stored = Stored.scan(dataDir);
    if (before == null && refusal == null && stored.hasRun()) {
      problem = "was missing, but " + stored.describe();
      refusal = hardStates.missing(stored.describe());
    }
    if (refusal != null && clusterTerm.isEmpty()) {
      throw refusal;
    }
    if (clusterTerm.isPresent() && clusterTerm.getAsLong() < 0) {
      throw new IllegalArgumentException("the cluster term must not be negative, not "
          + clusterTerm.getAsLong());
    }

    LogRepair.Result result = LogRepair.repair(dataDir, io);
    boolean dropped = result.repaired() && result.lastIndexBefore() > result.lastIndexAfter();
    HardState after = before == null ? HardState.INITIAL : before;
    Rewrite rewrite = null;
    if (refusal != null) {
      rewrite = new Rewrite(hardStates.file(), problem, clusterTerm.getAsLong(),
          stored.highestTerm());
      // Whatever an earlier repair's mark was is lost with the hard state; this repair's is not.
      after = new HardState(Math.addExact(rewrite.highestTermSeen(), 1), null,
          dropped ? result.lastIndexBefore() : LogIndex.NONE);
      hardStates.save(after);
    } else if (dropped) {
      long mark = Math.max(after.noVoteBelow(), result.lastIndexBefore());
      after = new HardState(after.term(), after.votedFor(), mark);
      hardStates.save(after);
    }
    return new Report(result, before, after, rewrite, refusal == null && clusterTerm.isPresent());
  }

  /** What the log and snapshot files show, read before anything is repaired. */
  private record Stored(long records, int sealedSegments, boolean damaged, List<Path> snapshots,
      long highestTerm) {
    static Stored scan(Path dataDir) throws IOException {
      List<Path> segments = new ArrayList<>(SegmentedLogStore.listSealed(dataDir).values());
      int sealed = segments.size();
      Path open = dataDir.resolve(SegmentedLogStore.OPEN_SEGMENT);
      if (Files.exists(open)) {
        segments.add(open);
      }
      long records = 0;
      boolean damaged = false;
      long highestTerm = LogIndex.NO_TERM;
      for (Path p : segments) {
        LogScan scan = LogScanner.scan(p, (o, s, r) -> { }, false);
        records += scan.records();
        damaged |= scan.corrupt();
        if (scan.records() > 0) {
          highestTerm = Math.max(highestTerm, scan.lastTerm());
        }
      }
      List<Path> snapshots = FileSnapshotStore.listFiles(dataDir);
      for (Path p : snapshots) {
        highestTerm = Math.max(highestTerm, FileSnapshotStore.termOf(p));
      }
      return new Stored(records, sealed, damaged, snapshots, highestTerm);
    }

    /**
     * Whether the server has run: a log record (intact, or damaged beyond a torn tail), a sealed
     * segment or a snapshot file.
     */
    boolean hasRun() {
      return records > 0 || sealedSegments > 0 || damaged || !snapshots.isEmpty();
    }

    String describe() {
      List<String> parts = new ArrayList<>();
      if (records > 0) {
        parts.add("the log holds " + records + (records == 1 ? " entry" : " entries"));
      } else if (sealedSegments > 0) {
        parts.add("the log has " + sealedSegments + " sealed "
            + (sealedSegments == 1 ? "segment" : "segments"));
      } else if (damaged) {
        parts.add("the log holds a damaged record");
      }
      if (snapshots.size() == 1) {
        parts.add("there is a snapshot, " + snapshots.get(0));
      } else if (snapshots.size() > 1) {
        parts.add("there are " + snapshots.size() + " snapshots in "
            + snapshots.get(0).getParent());
      }
      return String.join(" and ", parts);
    }
  }
}
