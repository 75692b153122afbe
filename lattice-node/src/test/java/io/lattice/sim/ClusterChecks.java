package io.lattice.sim;

import io.lattice.raft.Raft;
import io.lattice.raft.Role;
import java.util.Collection;
import java.util.List;

/** Safety checks that look at several live nodes at once. */
final class ClusterChecks {
  private ClusterChecks() {}

  /**
   * Lease safety (dissertation §6.4.1), checked directly rather than waiting for a read to land in
   * the window: while a leader holds a valid lease, no leader of a later term may have committed an
   * entry of its term, or a read served by that lease could miss it. Clocks run at different
   * rates within the lease's drift margin. A leader is looked at only if it was stepped in the
   * current tick: a node's core knows only the time of its last step (a stalled node's is stale),
   * and every step catches up on the time missed before anything else, so nothing is ever served
   * from a stale count.
   */
  static void leases(Collection<SimNode> nodes, long now) {
    for (SimNode old : nodes) {
      if (!old.steppedAt(now) || old.raft().role() != Role.LEADER
          || !old.raft().leaseValid()) {
        continue;
      }
      for (SimNode newer : nodes) {
        Raft n = newer.alive() ? newer.raft() : null;
        if (n != null && n.role() == Role.LEADER && n.term() > old.raft().term()
            && n.entry(n.commitIndex()) != null && n.entry(n.commitIndex()).term() == n.term()) {
          throw new SimulationFailure("lease safety: " + old.id + " holds a lease in term "
              + old.raft().term() + " while " + newer.id + " has committed in term " + n.term());
        }
      }
    }
  }

  /** Log matching over every pair of nodes' in-memory logs. */
  static void logs(List<SimNode> alive) {
    for (int i = 0; i < alive.size(); i++) {
      for (int j = i + 1; j < alive.size(); j++) {
        SafetyChecker.compareLogs(alive.get(i).id, alive.get(i).raft(), alive.get(j).id,
            alive.get(j).raft());
      }
    }
  }
}
