package io.lattice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lattice.raft.ReadMode;
import io.lattice.raft.Role;
import java.util.ArrayList;
import java.util.List;
import io.lattice.raft.Message.TimeoutNow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Lease reads (dissertation §6.4.1) are safe only while no other leader can be elected. A follower
 * that acknowledged the leader's heartbeat and then restarted no longer remembers that leader: it
 * must still not help elect a new one before that lease can have run out, or the old leader
 * serves stale reads by lease.
 */
class LeaseReadTest {
  @Test
  void restartedFollowerDoesNotBreakTheOldLeadersLease() {
    SimParams p = new SimParams();
    p.clusterSize = 3;
    p.electionTicks = 20;
    Harness h = new Harness(7, p);
    SimNode old = h.awaitLeader();
    h.write("k", "v1");
    h.run(3);
    List<SimNode> followers = new ArrayList<>();
    h.cluster.nodes().forEach(n -> {
      if (n != old) {
        followers.add(n);
      }
    });
    SimNode a = followers.get(0);
    SimNode b = followers.get(1);
    assertTrue(old.raft().leaseValid(), "the leader holds a lease");
    // The old leader is cut off from everyone; a restarts at once; b's election timer fires now.
    h.cluster.network.cutBothWays(a.id, old.id);
    h.cluster.network.cutBothWays(b.id, old.id);
    h.cluster.crashAndRestartNow(a);
    h.campaign(b);
    // Until the old leader's lease has expired, a must not vote for b: no write can commit
    // elsewhere while the old leader may still answer reads by lease.
    while (old.raft().leaseValid()) {
      h.tick();
      SimNode l = h.cluster.leader();
      assertEquals(old, l, "a new leader was elected while the old lease is valid");
    }
    // Afterwards a or b is elected and commits a write, and the isolated old leader can no longer
    // serve a lease read (it falls back to ReadIndex, which cannot be confirmed without a majority).
    h.runUntil("a or b leads", 200, () -> h.cluster.leader() != null && h.cluster.leader() != old);
    h.write("k", "v2");
    if (old.raft().role() == Role.LEADER) {
      assertEquals(-1, h.read(old, "k", ReadMode.LEASE), "stale lease read on the old leader");
    }
  }

  /**
   * A TimeoutNow can arrive long after the transfer it belongs to was given up (a slow network).
   * The target then campaigns with the transfer flag, which voters honour even while they follow a
   * live leader, so the old leader must not be serving reads by lease then. Tried with the message
   * landing at every phase of the old leader's check-quorum period.
   *
   * <p>The core therefore gives no lease for the rest of a term in which a transfer started.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18})
  void lateTimeoutNowDoesNotBreakTheLease(int phase) {
    SimParams p = new SimParams();
    p.clusterSize = 3;
    p.electionTicks = 20;
    Harness h = new Harness(11, p);
    SimNode old = h.awaitLeader();
    h.write("k", "v1");
    SimNode target = h.cluster.nodes().stream().filter(n -> n != old).findFirst().orElseThrow();
    h.transfer(old, target);
    // The TimeoutNow is held up in the network until well after the transfer was given up.
    h.cluster.network.delay(m -> m instanceof TimeoutNow, 3L * p.electionTicks + phase);
    h.runUntil("the transfer is given up", 100, () -> old.raft().status().transferTarget() == null);
    // Right after the TimeoutNow lands, the old leader is cut off from everyone.
    h.runUntil("the TimeoutNow lands", 200,
        () -> h.cluster.network.nextDelivery(m -> m instanceof TimeoutNow) == Long.MAX_VALUE);
    h.cluster.nodes().forEach(n -> {
      if (n != old) {
        h.cluster.network.cutBothWays(n.id, old.id);
      }
    });
    h.runUntil("the target leads", 100, () -> h.cluster.leader() == target);
    h.write("k", "v2");
    if (old.raft().role() == Role.LEADER) {
      assertEquals(-1, h.read(old, "k", ReadMode.LEASE), "stale lease read on the old leader");
    }
  }
}
