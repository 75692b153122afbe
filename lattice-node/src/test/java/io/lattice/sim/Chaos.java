package io.lattice.sim;

import io.lattice.raft.Membership;
import io.lattice.raft.MembershipChange;
import io.lattice.raft.RaftException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fault injection during the fault phase of a run: crashes (between steps, before a sync takes
 * effect, mid-send, mid-apply, failed fsync), partitions (symmetric and one-way), membership
 * changes and leadership transfers, each at the rate its {@link SimParams} give.
 */
final class Chaos {
  private final Cluster cluster;
  private final SimParams params;
  private final SplittableRandom random;
  /** Partitions may overlap (e.g. a one-way cut, then the leader isolated): each heals alone. */
  private static final int MAX_PARTITIONS = 2;

  /** The directed links one partition cut, and when it heals. */
  private record Partition(List<String[]> links, long healAt) {}

  private final List<Partition> partitions = new ArrayList<>();
  /** Faults planned for a later tick (parts of a composite fault). */
  private final java.util.TreeMap<Long, List<Runnable>> scheduled = new java.util.TreeMap<>();
  private int added;

  Chaos(Cluster cluster, SplittableRandom random) {
    this.cluster = cluster;
    this.params = cluster.params;
    this.random = random;
  }

  void tick() {
    long now = cluster.now();
    List<Runnable> due = scheduled.remove(now);
    if (due != null) {
      due.forEach(Runnable::run);
    }
    if (params.leaseAttackRate > 0 && random.nextDouble() < params.leaseAttackRate) {
      leaseAttack();
    }
    if (params.crashRate > 0 && random.nextDouble() < params.crashRate
        && cluster.downCount() < params.maxDown) {
      crashSomeone();
    }
    for (Partition p : new ArrayList<>(partitions)) {
      if (now >= p.healAt) {
        partitions.remove(p);
        p.links.forEach(l -> cluster.network.uncut(l[0], l[1]));
        cluster.trace.add("heal", "net", p.links.size(), 0);
      }
    }
    if (partitions.size() < MAX_PARTITIONS && params.partitionRate > 0
        && random.nextDouble() < params.partitionRate) {
      partition();
    }
    if (params.membershipRate > 0 && random.nextDouble() < params.membershipRate) {
      changeMembership();
    }
    if (params.transferRate > 0 && random.nextDouble() < params.transferRate) {
      transfer();
    }
    if (params.pauseRate > 0 && random.nextDouble() < params.pauseRate) {
      pause();
    }
  }

  /**
   * Freezes a node (the leader half of the time) like SIGSTOP or a long GC pause: it misses ticks
   * and messages. When it resumes it still believes what it believed; for a few more ticks it
   * hears nobody (its inbound links stay cut), so a deposed leader gets requests it must not
   * answer from stale state.
   */
  private void pause() {
    SimNode leader = cluster.leader();
    SimNode victim = random.nextBoolean() && leader != null ? leader : cluster.randomAlive();
    if (victim == null || !victim.running(cluster.now())) {
      return;
    }
    long resumeAt = cluster.now() + 2L * params.electionTicks + random.nextInt(2 * params.electionTicks);
    long hearAgainAt = resumeAt + 1 + random.nextInt(params.electionTicks);
    victim.pauseUntil(resumeAt);
    List<String> others = new ArrayList<>();
    cluster.nodes().forEach(n -> {
      if (n != victim) {
        others.add(n.id);
      }
    });
    others.forEach(o -> cluster.network.cut(o, victim.id));
    at(hearAgainAt, () -> others.forEach(o -> cluster.network.uncut(o, victim.id)));
    cluster.trace.add("pause", victim.id, resumeAt, hearAgainAt);
  }

  private void crashSomeone() {
    SimNode victim = random.nextInt(3) == 0 && cluster.leader() != null
        ? cluster.leader()
        : cluster.randomAlive();
    if (victim == null) {
      return;
    }
    int style = random.nextInt(20);
    if (params.repairRate > 0 && random.nextDouble() < params.repairRate) {
      cluster.crashAndRepair(victim);
    } else if (style < 8) {
      cluster.crash(victim, "between steps");
    } else if (style < 13) {
      // Sometimes after a durable operation or two: between a snapshot or hard-state save and the
      // log's sync of the same Ready.
      victim.disk.arm(SimDisk.Fault.CRASH_BEFORE_SYNC, random.nextInt(3));
    } else if (style < 16) {
      victim.armCrash(SimNode.CrashPoint.MID_SEND, random.nextInt(4));
    } else if (style < 18) {
      victim.armCrash(SimNode.CrashPoint.MID_APPLY, random.nextInt(3));
    } else {
      victim.disk.arm(SimDisk.Fault.FAIL_SYNC);
    }
    cluster.trace.add("arm-crash", victim.id, style, 0);
  }

  private void partition() {
    List<SimNode> alive = cluster.aliveNodes();
    if (alive.size() < 2) {
      return;
    }
    SimNode leader = cluster.leader();
    boolean oneWay = random.nextDouble() < params.oneWayRate;
    int kind = random.nextInt(3);
    List<String> ids = new ArrayList<>();
    cluster.nodes().forEach(n -> ids.add(n.id));
    List<String[]> links = new ArrayList<>();
    if (kind == 0 || kind == 1) {
      // Isolate one node (the leader half of the time) from everyone else.
      String lonely = kind == 0 && leader != null ? leader.id : ids.get(random.nextInt(ids.size()));
      boolean inbound = random.nextBoolean();
      for (String other : ids) {
        if (other.equals(lonely)) {
          continue;
        }
        if (!oneWay || inbound) {
          links.add(new String[] {other, lonely}); // it hears nothing
        }
        if (!oneWay || !inbound) {
          links.add(new String[] {lonely, other}); // nobody hears it
        }
      }
      cluster.trace.add(oneWay ? "isolate-one-way" : "isolate", lonely, inbound ? 1 : 0, 0);
    } else {
      // Split into two random groups.
      List<String> a = new ArrayList<>();
      List<String> b = new ArrayList<>();
      for (String id : ids) {
        (random.nextBoolean() ? a : b).add(id);
      }
      for (String x : a) {
        for (String y : b) {
          links.add(new String[] {x, y});
          if (!oneWay) {
            links.add(new String[] {y, x});
          }
        }
      }
      cluster.trace.add(oneWay ? "split-one-way" : "split", a.toString(), a.size(), b.size());
    }
    links.forEach(l -> cluster.network.cut(l[0], l[1]));
    long healAt = cluster.now() + params.partitionMinTicks
        + random.nextInt(params.partitionMaxTicks - params.partitionMinTicks + 1);
    partitions.add(new Partition(links, healAt));
  }

  private void at(long tick, Runnable action) {
    scheduled.computeIfAbsent(tick, k -> new ArrayList<>()).add(action);
  }

  /**
   * A composite fault aimed at leader leases: follower b stops hearing the leader (so its election
   * timer runs) while the others keep renewing the leader's lease; a few ticks later the leader is
   * cut off entirely and enough followers to make a majority with b restart at once, just as b's
   * timer may fire. A lease that restarted voters forget lets b win while the old leader still
   * answers reads by lease.
   */
  private void leaseAttack() {
    SimNode leader = cluster.leader();
    if (leader == null || !scheduled.isEmpty()) {
      return; // one at a time
    }
    List<String> followers = new ArrayList<>(leader.raft().membership().voters());
    followers.remove(leader.id);
    if (followers.size() < 2) {
      return;
    }
    String b = followers.remove(random.nextInt(followers.size()));
    // b plus the restarted followers make a majority of the voters.
    int restarts = io.lattice.raft.Quorum.majority(followers.size() + 2) - 1;
    List<String> restarted = new ArrayList<>();
    while (restarted.size() < restarts && !followers.isEmpty()) {
      restarted.add(followers.remove(random.nextInt(followers.size())));
    }
    String l = leader.id;
    SimNetwork net = cluster.network;
    net.cut(l, b);
    long isolateAt = cluster.now() + 5 + random.nextInt(20);
    long healAt = isolateAt + 10 + random.nextInt(30);
    at(isolateAt, () -> {
      for (SimNode n : cluster.nodes()) {
        if (!n.id.equals(l)) {
          net.cutBothWays(l, n.id);
        }
      }
      for (String a : restarted) {
        SimNode victim = cluster.node(a);
        if (victim != null && victim.alive()) {
          cluster.crash(victim, "lease attack");
        }
      }
    });
    at(healAt, () -> {
      net.uncut(l, b);
      for (SimNode n : cluster.nodes()) {
        if (!n.id.equals(l)) {
          net.uncut(l, n.id);
          net.uncut(n.id, l);
        }
      }
    });
    cluster.trace.add("lease-attack", l, b.hashCode(), restarted.hashCode());
  }

  private void changeMembership() {
    SimNode leader = cluster.leader();
    if (leader == null) {
      return;
    }
    Membership m = leader.raft().membership();
    int voters = m.voters().size();
    int choice = random.nextInt(10);
    MembershipChange change;
    SimNode joining = null;
    if (choice < 4 && added < params.maxAddedNodes) {
      String id = "n" + (cluster.nodes().size() + 1);
      joining = cluster.addNode(id, Membership.EMPTY);
      change = new MembershipChange.AddLearner(id, "sim://" + id, random.nextInt(10) < 8);
    } else if (choice < 6 && voters > 3) {
      List<String> others = new ArrayList<>(m.voters());
      others.remove(leader.id);
      change = new MembershipChange.Remove(others.get(random.nextInt(others.size())));
    } else if (choice < 7 && voters > 3) {
      change = new MembershipChange.Remove(leader.id);
    } else if (choice < 9 && !m.learners().isEmpty()) {
      List<String> learners = new ArrayList<>(m.learners());
      String l = learners.get(random.nextInt(learners.size()));
      change = random.nextBoolean() ? new MembershipChange.Promote(l) : new MembershipChange.Remove(l);
    } else {
      return;
    }
    MembershipChange c = change;
    boolean[] ok = {false};
    cluster.run(leader, r -> {
      try {
        r.proposeMembership(c);
        ok[0] = true;
      } catch (RaftException e) {
        // Another change in flight, the no-op not committed yet, or a transfer: try later.
      }
    }, false);
    if (joining != null) {
      if (ok[0]) {
        added++;
        joining.start();
      } else {
        cluster.forgetNode(joining.id);
      }
    }
    cluster.trace.add("membership", c.toString(), ok[0] ? 1 : 0, 0);
  }

  private void transfer() {
    SimNode leader = cluster.leader();
    if (leader == null) {
      return;
    }
    List<String> voters = new ArrayList<>(leader.raft().membership().voters());
    voters.remove(leader.id);
    String target = voters.isEmpty() || random.nextInt(4) == 0
        ? null : voters.get(random.nextInt(voters.size()));
    cluster.run(leader, r -> {
      try {
        r.transferLeadership(target);
      } catch (RaftException e) {
        // No eligible target: fine.
      }
    }, false);
    cluster.trace.add("transfer", leader.id, target == null ? 0 : target.hashCode(), 0);
  }
}
