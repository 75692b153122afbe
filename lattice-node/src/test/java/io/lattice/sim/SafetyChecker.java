package io.lattice.sim;

import io.lattice.raft.Entry;
import io.lattice.raft.Raft;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Raft's safety properties (Raft paper Figure 3), checked incrementally over the whole history of a
 * run, across crashes:
 *
 * <ul>
 *   <li><b>election safety</b>: at most one leader per term;
 *   <li><b>log matching</b>: an (index, term) pair identifies the entry and its predecessor's term,
 *       wherever and whenever it is stored (which by induction makes logs identical up to it), and
 *       logs of live nodes are compared pairwise from time to time;
 *   <li><b>leader completeness</b>: when a node becomes leader, its log holds every entry ever
 *       committed (or a snapshot covering it);
 *   <li><b>committed entries are never lost or changed</b>: an index, once committed with a term,
 *       is committed with that term forever;
 *   <li><b>state-machine safety</b>: no two nodes apply different entries at the same index, and
 *       state machines (including ones restored from snapshots) agree at the same index (state
 *       hashes at a sample of indexes, snapshot digests).
 * </ul>
 */
final class SafetyChecker {
  /** What is known about one (index, term) pair. */
  private record EntryFacts(long dataHash, int type, long prevTerm) {}

  private final Map<Long, String> leaderOfTerm = new HashMap<>();
  /** Index → term of every entry known to be committed. */
  private final TreeMap<Long, Long> committed = new TreeMap<>();
  /** (index, term) → facts, for log matching. */
  private final Map<Long, Map<Long, EntryFacts>> entries = new HashMap<>();
  /** Index → (term, data hash) of the entry applied there. */
  private final Map<Long, long[]> applied = new HashMap<>();
  /** Index → state-machine hash right after applying the command there (a sample of indexes). */
  private final Map<Long, Long> stateHashes = new HashMap<>();
  /** Snapshot index → digest of the snapshot bytes. */
  private final Map<Long, Integer> snapshotDigests = new HashMap<>();
  private final Map<String, Long> leaderTermChecked = new HashMap<>();
  private final Map<String, Long> commitSeen = new HashMap<>();
  private long leaderElections;

  long elections() {
    return leaderElections;
  }

  /** Highest index known committed, or 0. */
  long maxCommitted() {
    return committed.isEmpty() ? 0 : committed.lastKey();
  }

  long committedTerm(long index) {
    Long t = committed.get(index);
    return t == null ? -1 : t;
  }

  /** Called after every step of {@code node}: election safety, leader completeness, commits. */
  void afterStep(String node, Raft raft) {
    recordCommits(node, raft);
    if (raft.role() != Role.LEADER) {
      return;
    }
    String other = leaderOfTerm.putIfAbsent(raft.term(), node);
    if (other != null && !other.equals(node)) {
      throw new SimulationFailure("election safety: " + other + " and " + node
          + " are both leaders of term " + raft.term());
    }
    Long checked = leaderTermChecked.get(node);
    if (checked == null || checked != raft.term()) {
      leaderTermChecked.put(node, raft.term());
      leaderElections++;
      checkLeaderCompleteness(node, raft);
    }
  }

  private void checkLeaderCompleteness(String node, Raft raft) {
    long snapshotIndex = raft.snapshot().index();
    for (Map.Entry<Long, Long> c : committed.entrySet()) {
      long index = c.getKey();
      if (index <= snapshotIndex) {
        continue; // covered by the leader's snapshot (checked by state hashes and snapshot digests)
      }
      Entry e = raft.entry(index);
      if (e == null || e.term() != c.getValue()) {
        throw new SimulationFailure("leader completeness: " + node + " became leader of term "
            + raft.term() + " without committed entry " + index + "@" + c.getValue()
            + " (has " + (e == null ? "nothing" : e.index() + "@" + e.term()) + ", last index "
            + raft.lastIndex() + ")");
      }
    }
  }

  /** Every index at or below a node's commit index is committed, with the term the node holds. */
  private void recordCommits(String node, Raft raft) {
    long commit = raft.commitIndex();
    long from = Math.max(commitSeen.getOrDefault(node, 0L), raft.firstIndex() - 1);
    for (long i = from + 1; i <= commit; i++) {
      Entry e = raft.entry(i);
      if (e == null) {
        continue;
      }
      Long t = committed.putIfAbsent(i, e.term());
      if (t != null && t != e.term()) {
        throw new SimulationFailure("committed entry changed: index " + i + " was committed with term "
            + t + ", " + node + " commits term " + e.term());
      }
    }
    commitSeen.put(node, commit);
  }

  /** The node restarted: its commit index starts over from its snapshot. */
  void restarted(String node) {
    commitSeen.remove(node);
    leaderTermChecked.remove(node);
  }

  /** Log matching, for entries a node is about to make durable after an entry of {@code prevTerm} (-1: unknown). */
  void persisted(String node, List<Entry> batch, long prevTerm) {
    long prev = prevTerm;
    for (Entry e : batch) {
      EntryFacts f = new EntryFacts(Arrays.hashCode(e.data()), e.type().code(), prev);
      Map<Long, EntryFacts> byTerm = entries.computeIfAbsent(e.index(), k -> new HashMap<>());
      EntryFacts known = byTerm.putIfAbsent(e.term(), f);
      if (known != null) {
        if (known.dataHash != f.dataHash || known.type != f.type) {
          throw new SimulationFailure("log matching: " + node + " stores a different entry "
              + e.index() + "@" + e.term());
        }
        if (known.prevTerm >= 0 && f.prevTerm >= 0 && known.prevTerm != f.prevTerm) {
          throw new SimulationFailure("log matching: entry " + e.index() + "@" + e.term() + " follows term "
              + known.prevTerm + " elsewhere but term " + f.prevTerm + " on " + node);
        }
        if (known.prevTerm < 0 && f.prevTerm >= 0) {
          byTerm.put(e.term(), f);
        }
      }
      prev = e.term();
    }
  }

  /** State-machine safety: every node applies the same entry at each index. */
  void applied(String node, Entry e) {
    long[] mine = {e.term(), Arrays.hashCode(e.data()) * 4L + e.type().code()};
    long[] known = applied.putIfAbsent(e.index(), mine);
    if (known != null && !Arrays.equals(known, mine)) {
      throw new SimulationFailure("state-machine safety: " + node + " applies " + e.index() + "@"
          + e.term() + " but " + e.index() + "@" + known[0] + " was applied elsewhere");
    }
    Long t = committed.putIfAbsent(e.index(), e.term());
    if (t != null && t != e.term()) {
      throw new SimulationFailure("applied entry " + e.index() + "@" + e.term() + " but " + e.index()
          + "@" + t + " was committed");
    }
  }

  /** The applied entry at {@code index}: {term, data hash * 4 + type}, or null. */
  long[] appliedAt(long index) {
    return applied.get(index);
  }

  /** The state machine's hash right after applying the entry at {@code index} must agree everywhere. */
  void stateHash(String node, long index, long hash) {
    Long known = stateHashes.putIfAbsent(index, hash);
    if (known != null && known != hash) {
      throw new SimulationFailure("state machines diverge: " + node + " has state hash " + hash
          + " after entry " + index + ", others " + known);
    }
  }

  void snapshotSaved(String node, SnapshotMeta meta, byte[] data) {
    Long t = committed.get(meta.index());
    if (meta.index() > 0 && t != null && t != meta.term()) {
      throw new SimulationFailure(node + " saves snapshot " + meta.index() + "@" + meta.term()
          + " but " + meta.index() + "@" + t + " is committed");
    }
    Integer known = snapshotDigests.putIfAbsent(meta.index(), Arrays.hashCode(data));
    if (known != null && known != Arrays.hashCode(data)) {
      throw new SimulationFailure("snapshots at " + meta.index() + " differ (" + node + ")");
    }
  }

  /** Log matching over the in-memory logs of two live nodes: identical up to the last common (index, term). */
  static void compareLogs(String a, Raft ra, String b, Raft rb) {
    long lo = Math.max(ra.firstIndex(), rb.firstIndex());
    long hi = Math.min(ra.lastIndex(), rb.lastIndex());
    long common = -1;
    for (long i = hi; i >= lo; i--) {
      if (ra.entry(i).term() == rb.entry(i).term()) {
        common = i;
        break;
      }
    }
    for (long i = lo; i <= common; i++) {
      if (!ra.entry(i).equals(rb.entry(i))) {
        throw new SimulationFailure("log matching: " + a + " and " + b + " agree on " + common + "@"
            + ra.entry(common).term() + " but differ at " + i + ": " + ra.entry(i) + " vs " + rb.entry(i));
      }
    }
  }

}
