package io.lattice.sim;

import io.lattice.errors.Reason;
import io.lattice.node.NodeException;
import io.lattice.node.ReadConsistency;
import io.lattice.raft.Membership;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Fault injection during the fault phase of a run: crashes (between steps, before a sync takes
 * effect, mid-send, mid-apply, failed fsync), partitions (symmetric and one-way), stalled loops,
 * disks that fill up (see {@link #diskFull}), wall clocks far ahead, membership changes, leadership transfers and snapshots on demand (the
 * last three through the node's request API, as an operator would), each at the rate its {@link
 * SimParams} give. Clocks running at different rates are set when the nodes are created.
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
  private final TreeMap<Long, List<Runnable>> scheduled = new TreeMap<>();
  /** Follow-ups of operator requests, run at the next tick (not inside the step that ended them). */
  private final List<Runnable> followUps = new ArrayList<>();
  private final List<Stall> stalls = new ArrayList<>();
  private final List<DiskFull> fullDisks = new ArrayList<>();
  /** Disks full at a time at most (a full majority just stops commits until one is freed). */
  private static final int MAX_FULL_DISKS = 2;
  private int added;
  private int clockJumps;

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
    List<Runnable> f = new ArrayList<>(followUps);
    followUps.clear();
    f.forEach(Runnable::run);
    for (Stall st : new ArrayList<>(stalls)) {
      st.poll(now);
      if (st.over) {
        stalls.remove(st);
      }
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
    if (params.stallRate > 0 && random.nextDouble() < params.stallRate) {
      stall();
    }
    for (DiskFull d : new ArrayList<>(fullDisks)) {
      d.poll(now);
      if (d.over) {
        fullDisks.remove(d);
      }
    }
    if (params.diskFullRate > 0 && fullDisks.size() < MAX_FULL_DISKS
        && random.nextDouble() < params.diskFullRate) {
      diskFull();
    }
    if (params.wallClockJumpRate > 0 && clockJumps < 4
        && random.nextDouble() < params.wallClockJumpRate) {
      wallClockJump();
    }
    if (params.snapshotRate > 0 && random.nextDouble() < params.snapshotRate) {
      SimNode n = cluster.randomAlive();
      if (n != null) {
        cluster.stats.add(Stats.Kind.SNAPSHOT_ON_DEMAND);
        n.loop().snapshotNow();
      }
    }
  }

  /**
   * Stalls a node's loop (the leader most of the time) like SIGSTOP, a long fsync, a long apply or
   * a GC pause: it is not stepped while its clock runs on. A short stall just delays it. A long one
   * outlasts its lease and builds the stale-lease situation: the node hears nobody (its inbound
   * links are cut until a little after it resumes); once another leader has been elected and a
   * probe client's write to it is acknowledged, a LEASE read of that key (and sometimes a
   * ReadIndex one) is queued at the stalled node, which then resumes: the read is the first thing
   * it handles, and it must not answer from the tick count it had before the stall.
   */
  private void stall() {
    SimNode leader = cluster.leader();
    SimNode victim = random.nextInt(4) != 0 && leader != null ? leader : cluster.randomAlive();
    if (victim == null || !victim.running(cluster.now())) {
      return;
    }
    long now = cluster.now();
    cluster.stats.add(Stats.Kind.STALL);
    if (victim == leader) {
      cluster.stats.add(Stats.Kind.STALLED_LEADER);
    }
    if (random.nextInt(5) == 0) {
      long resumeAt = now + 1 + random.nextInt(params.electionTicks); // a slow fsync
      victim.stallUntil(resumeAt);
      cluster.trace.add("stall", victim.id, resumeAt, 0);
      return;
    }
    victim.stallUntil(Long.MAX_VALUE);
    List<String> others = new ArrayList<>();
    cluster.nodes().forEach(n -> {
      if (n != victim) {
        others.add(n.id);
      }
    });
    others.forEach(o -> cluster.network.cut(o, victim.id));
    long earliest = now + 2L * params.electionTicks + random.nextInt(2 * params.electionTicks);
    stalls.add(new Stall(victim, victim.incarnation(), others, earliest,
        earliest + 4L * params.electionTicks, "k" + random.nextInt(params.keys)));
    cluster.trace.add("stall", victim.id, earliest, 0);
  }

  /** A long stall in progress (see {@link #stall}). */
  private final class Stall {
    final SimNode victim;
    final int incarnation;
    final List<String> others;
    final long earliest;
    final long latest;
    final String key;
    boolean writing;
    boolean over;

    Stall(SimNode victim, int incarnation, List<String> others, long earliest, long latest,
        String key) {
      this.victim = victim;
      this.incarnation = incarnation;
      this.others = others;
      this.earliest = earliest;
      this.latest = latest;
      this.key = key;
    }

    /** Called every tick: writes at another leader once there is one, then reads and resumes. */
    void poll(long now) {
      if (!victim.alive() || victim.incarnation() != incarnation) {
        end(false); // crashed meanwhile: it restarted unstalled
        return;
      }
      if (now < earliest || writing) {
        return;
      }
      SimNode other = null;
      for (SimNode n : cluster.aliveNodes()) {
        if (n != victim && n.running(now) && n.raft().role() == io.lattice.raft.Role.LEADER
            && n.raft().term() > victim.raft().term()) {
          other = n;
        }
      }
      if (other != null) {
        writing = true;
        cluster.clients().probeWrite(other, key, acked -> end(true));
      } else if (now >= latest) {
        end(true);
      }
    }

    private void end(boolean probe) {
      if (over) {
        return;
      }
      over = true;
      if (probe && victim.alive() && victim.incarnation() == incarnation) {
        cluster.stats.add(Stats.Kind.STALE_LEASE_PROBE);
        cluster.clients().probe(victim, ReadConsistency.LEASE, key);
        if (random.nextBoolean()) {
          cluster.clients().probe(victim, ReadConsistency.LINEARIZABLE, key);
        }
      }
      long now = cluster.now();
      victim.resumeAt(now + 1);
      at(now + 2 + random.nextInt(params.electionTicks),
          () -> others.forEach(o -> cluster.network.uncut(o, victim.id)));
      cluster.trace.add("resume", victim.id, now + 1, probe ? 1 : 0);
    }
  }

  /**
   * A node's disk fills up (the leader's half of the time) for a while, then space is freed. Most
   * of the time it fills past the node's reserve with room left for what still reaches the log
   * under the NO_SPACE alarm, as the reserve intends, and snapshots may not fit (a real one is the
   * size of the whole state); now and then it is full to the last few bytes, when a log write that
   * does not fit stops the node (see {@link Cluster}: only then may it stop). Meanwhile, probes
   * check what the node promises while full (see {@link DiskFull}), and half the time the node is
   * crashed and restarted on its full disk.
   */
  private void diskFull() {
    SimNode leader = cluster.leader();
    SimNode victim = random.nextBoolean() && leader != null ? leader : cluster.randomAlive();
    if (victim == null || victim.disk.full()) {
      return;
    }
    long reserve = params.diskReserveBytes;
    boolean lastBytes = random.nextInt(6) == 0;
    long room = lastBytes ? random.nextInt(400)
        : Math.max(SimDisk.HEADROOM_BYTES, reserve / 4 + random.nextLong(reserve / 2));
    boolean snapshotsFit = !lastBytes && random.nextInt(3) == 0;
    victim.disk.fill(room, snapshotsFit);
    long now = cluster.now();
    long freeAt = now + params.diskFullMinTicks
        + random.nextInt(params.diskFullMaxTicks - params.diskFullMinTicks + 1);
    long restartAt = random.nextBoolean() ? now + DiskFull.ALARM_TICKS
        + random.nextLong(Math.max(1, (freeAt - now) / 2)) : -1;
    fullDisks.add(new DiskFull(victim, freeAt, restartAt, "k" + random.nextInt(params.keys)));
    cluster.stats.add(Stats.Kind.DISK_FULL);
    cluster.trace.add("disk-full", victim.id, room, snapshotsFit ? 1 : 0);
  }

  /**
   * One disk-full episode and its probes. While the disk is full and the node leads (and is
   * neither stalled nor just restarted), a write sent to it must end with NO_SPACE: never
   * acknowledged (it could not be made durable), never INDETERMINATE (it was refused before it
   * was proposed: {@link Clients} also checks that no command answered NO_SPACE is ever applied);
   * a linearizable read sent with it is served as usual (its outcome goes into the history). The
   * node may be crashed and restarted on the full disk: it must start and stay up (a node stopped
   * on a disk with room left fails the run, see {@link Cluster}), not loop. Once space is freed, a
   * write to the same life of the node, if it still leads, must not be refused for want of space:
   * writes resume without a restart.
   */
  private final class DiskFull {
    /** Ticks after which the node has surely seen its disk's state (it reads it every 100 ms). */
    static final long ALARM_TICKS = 20;
    final SimNode victim;
    final long freeAt;
    final long restartAt;
    final String key;
    /** This episode's fill of the disk ({@link SimDisk#fills}): a later one is another episode. */
    final int fill;
    long nextProbe;
    int freedIncarnation = -1;
    boolean probing;
    boolean over;

    DiskFull(SimNode victim, long freeAt, long restartAt, String key) {
      this.victim = victim;
      this.freeAt = freeAt;
      this.restartAt = restartAt;
      this.key = key;
      this.fill = victim.disk.fills();
      this.nextProbe = cluster.now() + ALARM_TICKS;
    }

    void poll(long now) {
      if (now == restartAt && victim.alive()) {
        cluster.trace.add("restart-on-full-disk", victim.id, 0, 0);
        cluster.crash(victim, "restart on a full disk", 1 + random.nextInt(8));
        nextProbe = Math.max(nextProbe, now + 1 + 8 + ALARM_TICKS);
      }
      if (now == freeAt) {
        victim.disk.freeSpace();
        freedIncarnation = victim.alive() ? victim.incarnation() : -1;
        nextProbe = now + ALARM_TICKS;
        cluster.trace.add("disk-freed", victim.id, 0, 0);
      }
      if (probing || now < nextProbe || !leads(now)) {
        if (now > freeAt + 3 * ALARM_TICKS && !probing) {
          over = true; // it did not lead again soon after the space came back: nothing to probe
        }
        return;
      }
      boolean full = now < freeAt;
      if (!full && victim.incarnation() != freedIncarnation) {
        over = true; // restarted since: it is not the same life that saw the disk full
        return;
      }
      probing = true;
      int incarnation = victim.incarnation();
      cluster.clients().probeWriteOutcome(victim, key, failure -> {
        probing = false;
        nextProbe = cluster.now() + 10 + random.nextInt(20);
        check(full, failure, incarnation);
        if (!full) {
          over = true;
        }
      });
      if (full) {
        cluster.clients().probe(victim, ReadConsistency.LINEARIZABLE, key);
      }
    }

    private boolean leads(long now) {
      return victim.alive() && victim.running(now) && victim.steppedAt(now - 1)
          && victim.raft().role() == io.lattice.raft.Role.LEADER;
    }

    private void check(boolean full, Throwable failure, int incarnation) {
      Reason reason = failure instanceof NodeException e ? e.reason() : null;
      if (failure != null && reason == null) {
        throw new SimulationFailure("a write to " + victim.id + " failed with " + failure);
      }
      if (full) {
        if (failure == null) {
          throw new SimulationFailure(victim.id + " acknowledged a write while its disk was full");
        }
        if (reason == Reason.INDETERMINATE) {
          throw new SimulationFailure(victim.id + " answered INDETERMINATE to a write it should "
              + "have refused with NO_SPACE (its disk is full)");
        }
        if (reason != Reason.NO_SPACE && reason != Reason.NOT_LEADER
            && reason != Reason.SHUTTING_DOWN && reason != Reason.TRANSFER_IN_PROGRESS) {
          throw new SimulationFailure("a write to " + victim.id + " on a full disk ended " + reason
              + ", not NO_SPACE");
        }
      } else if (reason == Reason.NO_SPACE && victim.incarnation() == incarnation
          && victim.disk.fills() == fill && !victim.disk.full()) {
        throw new SimulationFailure(victim.id + " still refuses writes with NO_SPACE "
            + ALARM_TICKS + " ticks after space was freed (writes must resume without a restart): "
            + failure.getMessage());
      }
    }
  }

  /**
   * A node's wall clock jumps hours ahead of every other (the leader's, most of the time): the
   * commands it stamps move the sessions' log time by hours, past the session TTL.
   */
  private void wallClockJump() {
    SimNode leader = cluster.leader();
    SimNode victim = random.nextInt(3) != 0 && leader != null ? leader : cluster.randomAlive();
    if (victim == null) {
      return;
    }
    clockJumps++;
    long ahead = 0;
    for (SimNode n : cluster.nodes()) {
      ahead = Math.max(ahead, n.clock.wallSkewMillis());
    }
    long hours = 1 + random.nextInt(3);
    victim.clock.skewWall(ahead + hours * 3_600_000L + random.nextInt(3_600_000));
    cluster.stats.add(Stats.Kind.WALL_CLOCK_JUMP);
    cluster.trace.add("wall-clock-jump", victim.id, hours, 0);
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
    scheduled.computeIfAbsent(Math.max(tick, cluster.now() + 1), k -> new ArrayList<>())
        .add(action);
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

  /**
   * An operator adds a learner (auto-promoted or not), promotes or removes a learner, removes a
   * follower or the leader itself (which hands leadership off first and names the new leader,
   * where the removal is made again).
   */
  private void changeMembership() {
    SimNode leader = cluster.leader();
    if (leader == null) {
      return;
    }
    Membership m = leader.raft().membership();
    int voters = m.voters().size();
    int choice = random.nextInt(10);
    if (choice < 4 && added < params.maxAddedNodes) {
      added++;
      String id = "n" + (cluster.createdCount() + 1);
      SimNode joining = cluster.addNode(id, true);
      joining.start();
      boolean stayLearner = random.nextInt(10) >= 8;
      operator("add " + id, leader.loop().addMember(id, "sim://" + id, stayLearner), e -> {
        if (e != null && e.reason() != Reason.INDETERMINATE) {
          cluster.forgetNode(joining); // refused: it will never be a member
        }
      });
    } else if (choice < 6 && voters > 3) {
      List<String> others = new ArrayList<>(m.voters());
      others.remove(leader.id);
      remove(leader, others.get(random.nextInt(others.size())), true);
    } else if (choice < 7 && voters > 3) {
      remove(leader, leader.id, true);
    } else if (choice < 9 && !m.learners().isEmpty()) {
      List<String> learners = new ArrayList<>(m.learners());
      String l = learners.get(random.nextInt(learners.size()));
      if (random.nextBoolean()) {
        operator("promote " + l, leader.loop().promoteMember(l), e -> { });
      } else {
        remove(leader, l, false);
      }
    }
  }

  private void remove(SimNode at, String id, boolean retryAtNewLeader) {
    operator("remove " + id, at.loop().removeMember(id), e -> {
      if (retryAtNewLeader && e != null && e.reason() == Reason.NOT_LEADER
          && e.leaderId() != null && !e.leaderId().equals(at.id)) {
        SimNode next = cluster.node(e.leaderId());
        if (next != null && next.alive()) {
          remove(next, id, false);
        }
      }
    });
  }

  /** Runs {@code then} (with the failure, or null) at the next tick once {@code f} completes. */
  private void operator(String what, CompletableFuture<?> f,
      java.util.function.Consumer<NodeException> then) {
    cluster.trace.add("operator", what, 0, 0);
    f.whenComplete((v, err) -> followUps.add(() -> {
      Throwable t = err instanceof CompletionException && err.getCause() != null
          ? err.getCause() : err;
      if (t != null && !(t instanceof NodeException)) {
        throw new SimulationFailure("operator request " + what + " failed with " + t);
      }
      cluster.trace.add("operator-done", what, t == null ? 0 : 1, 0);
      then.accept((NodeException) t);
    }));
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
    operator("transfer to " + target, leader.loop().transferLeadership(target), e -> { });
  }
}
