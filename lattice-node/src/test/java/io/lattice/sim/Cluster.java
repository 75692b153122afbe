package io.lattice.sim;

import io.lattice.kv.SessionLimits;
import io.lattice.node.PeerInbox;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Raft;
import io.lattice.raft.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The simulated cluster: the nodes, the network between them, global virtual time, and the wiring
 * of every node's transport and state machine to the network and the checkers.
 *
 * <p>Time: the simulation advances in ticks of {@link SimParams#TICK_MILLIS}; every node's clock
 * derives from it ({@link SimClock}). Within a tick, nodes are stepped in id order.
 */
final class Cluster implements NodeHooks {
  final SimParams params;
  final long seed;
  final SplittableRandom random;
  final Trace trace;
  final SafetyChecker safety = new SafetyChecker();
  final IndexFloors floors = new IndexFloors();
  final ExactlyOnce exactlyOnce = new ExactlyOnce();
  final Stats stats = new Stats();
  final SimNetwork network;
  private final TreeMap<String, SimNode> nodes = new TreeMap<>();
  /** Crashed nodes and the tick at which they restart. */
  private final TreeMap<String, Long> restartAt = new TreeMap<>();
  /** Nodes removed from the configuration (or never added) and stopped for good. */
  private final TreeSet<String> decommissioned = new TreeSet<>();
  /** Removed nodes and the tick at which the operator stops them. */
  private final TreeMap<String, Long> decommissionAt = new TreeMap<>();
  /** Nodes that were members of a committed configuration. */
  private final TreeSet<String> everMember = new TreeSet<>();
  private long committedConfigIndex = -1;
  private Membership committedConfig;
  private Clients clients;
  private long now;
  private boolean healing;
  private int created;
  /** Per node: last (role, term) seen, to trace role changes. */
  private final Map<String, String> lastRole = new TreeMap<>();

  Cluster(long seed, SimParams params, int traceKeep) {
    this.seed = seed;
    this.params = params;
    this.random = new SplittableRandom(seed);
    this.trace = new Trace(traceKeep);
    this.network = new SimNetwork(random.split(), trace, this::lost);
    network.setFaults(params.network);
    for (int i = 1; i <= params.clusterSize; i++) {
      String id = "n" + i;
      addNode(id, false).start();
      everMember.add(id);
    }
    committedConfig = nodes.firstEntry().getValue().raft().membership();
  }

  void setClients(Clients c) {
    this.clients = c;
  }

  Clients clients() {
    return clients;
  }

  long now() {
    return now;
  }

  /** Global virtual time in nanoseconds. */
  long globalNanos() {
    return now * SimParams.TICK_NANOS;
  }

  void setNow(long t) {
    now = t;
    trace.setNow(t);
  }

  boolean healing() {
    return healing;
  }

  void setHealing(boolean h) {
    healing = h;
  }

  /** Creates a server (not started): one of the initial voters, or one that joins later. */
  SimNode addNode(String id, boolean joining) {
    created++;
    double rate = 1 + params.clockRateSpread * (2 * random.nextDouble() - 1);
    long offset = random.nextLong(1L << 50);
    SimClock clock = new SimClock(this::globalNanos, rate, offset, random.nextInt(20));
    SessionLimits limits = SessionLimits.forTtl(Duration.ofMillis(params.sessionTtlMillis),
        params.maxResultsPerSession).withMaxSessions(params.maxSessions);
    SimNode n = new SimNode(id, created, SimNode.nodeConfig(id, params, joining),
        params.raftConfig(id), seed, this, safety, clock, limits,
        params.backgroundSnapshots ? params.snapshotWriteDelay : -1, params.restoreDelay);
    n.disk.log().observe((entries, prevTerm) -> safety.persisted(id, entries, prevTerm));
    n.disk.setLies(params.lyingDisks);
    nodes.put(id, n);
    if (rate != 1) {
      trace.add("clock-rate", id, Math.round(rate * 1e6), 0);
    }
    return n;
  }

  /** Stops a server that will never be a member (its addition was refused). */
  void forgetNode(SimNode n) {
    decommissioned.add(n.id);
    if (n.alive()) {
      trace.add("forget", n.id, 0, 0);
      n.crash(0, "never added");
    }
  }

  /** How many servers were created so far (the next one is "n" + (this + 1)). */
  int createdCount() {
    return created;
  }

  SimNode node(String id) {
    return nodes.get(id);
  }

  List<SimNode> nodes() {
    return new ArrayList<>(nodes.values());
  }

  List<SimNode> aliveNodes() {
    List<SimNode> out = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.alive()) {
        out.add(n);
      }
    }
    return out;
  }

  boolean isDecommissioned(String id) {
    return decommissioned.contains(id);
  }

  int downCount() {
    return restartAt.size();
  }

  Membership committedConfig() {
    return committedConfig;
  }

  /** The live node that is leader in the highest term, or null. */
  SimNode leader() {
    SimNode best = null;
    for (SimNode n : nodes.values()) {
      if (n.alive() && n.raft().role() == Role.LEADER
          && (best == null || n.raft().term() > best.raft().term())) {
        best = n;
      }
    }
    return best;
  }

  /** A random live node whose role is leader (there may be several, of different terms), or null. */
  SimNode randomSelfDeclaredLeader() {
    List<SimNode> leaders = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.alive() && n.raft().role() == Role.LEADER) {
        leaders.add(n);
      }
    }
    return leaders.isEmpty() ? null : leaders.get(random.nextInt(leaders.size()));
  }

  SimNode randomAlive() {
    List<SimNode> alive = aliveNodes();
    return alive.isEmpty() ? null : alive.get(random.nextInt(alive.size()));
  }

  // ---------------------------------------------------------------- stepping

  /** Steps every running node once (stalled ones are skipped: their clocks run on). */
  void stepAll() {
    for (SimNode n : nodes()) {
      step(n);
    }
  }

  /** Steps {@code node} if it is running, then checks safety. */
  void step(SimNode node) {
    if (node.step(now, this::died)) {
      afterStep(node);
    }
    if (clients != null) {
      clients.drain();
    }
  }

  /** Safety checks after a step (or a start) of {@code node}. */
  void afterStep(SimNode node) {
    if (!node.alive()) {
      return;
    }
    Raft r = node.raft();
    scanApplied(node, r);
    safety.afterStep(node.id, r);
    if (r.role() == Role.LEADER) {
      ClusterChecks.leases(nodes.values(), now);
    }
    String role = r.role() + "/" + r.term();
    String before = lastRole.put(node.id, role);
    if (!role.equals(before)) {
      trace.add("role-" + r.role(), node.id, r.term(), r.commitIndex());
    }
  }

  /**
   * Looks at the entries the node applied in its last step that did not reach the state machine
   * (no-ops and configurations: state-machine safety, committed configurations).
   */
  private void scanApplied(SimNode node, Raft r) {
    long applied = node.appliedIndex();
    for (long i = node.scannedUpTo + 1; i <= applied; i++) {
      Entry e = r.entry(i);
      if (e == null || e.type() == EntryType.COMMAND) {
        continue; // compacted in the same step, or seen when applied
      }
      safety.applied(node.id, e);
      if (e.type() == EntryType.CONFIG && e.index() > committedConfigIndex) {
        configCommitted(e.index(), Membership.decode(e.data()));
      }
    }
    node.scannedUpTo = Math.max(node.scannedUpTo, applied);
    if (r.snapshot().index() > committedConfigIndex && r.snapshot().index() <= applied) {
      configCommitted(r.snapshot().index(), r.snapshot().membership());
    }
  }

  /**
   * A process died (simulated crash inside the step, or a storage failure that stops it). On a
   * disk full to the last bytes a log or hard-state write that does not fit stops the node, as it
   * must (the Ready cannot be taken back, and nothing not durable may be acknowledged). But the
   * node's reserve exists so that this never happens while the disk has the room its reserve is
   * meant to keep, and a snapshot that does not fit must never stop it: either fails the run.
   */
  private void died(SimNode node, String why) {
    boolean storage = why.startsWith("storage failure");
    if (storage && why.contains("No space left on device")) {
      // A hard-state save has the space reservation to fall back on: only once it is used up may
      // a full disk stop the node there.
      boolean logOrHardState = why.contains("appending")
          || (why.contains("hard state") && why.contains("reservation is used up"));
      if (node.disk.filledWithHeadroom() || !logOrHardState) {
        throw new SimulationFailure(node.id + " stopped for want of space with "
            + node.disk.room() + " bytes left on its disk (it must refuse writes and go on): "
            + why);
      }
      stats.add(Stats.Kind.STOPPED_BY_ENOSPC);
    }
    stats.add(storage ? Stats.Kind.FSYNC_FAILURE : Stats.Kind.CRASH_INSIDE_STEP);
    crash(node, why);
  }

  void crash(SimNode node, String why) {
    crash(node, why, -1);
  }

  /**
   * Crashes {@code node}; it restarts {@code downtime} ticks from now (negative: a random
   * downtime within the run's bounds; the next tick when healing).
   */
  void crash(SimNode node, String why, long downtime) {
    int keep = random.nextDouble() < params.keepUnsyncedRate ? random.nextInt(4) : 0;
    stats.add(Stats.Kind.CRASH);
    stats.add(Stats.Kind.UNSYNCED_WRITES_LOST,
        Math.max(0, node.disk.log().unsyncedDataCount() - keep));
    trace.add("crash", node.id, keep, node.incarnation());
    node.crash(keep, why);
    lastRole.remove(node.id);
    if (clients != null) {
      clients.drain();
    }
    long down = downtime >= 0 ? downtime
        : params.minDowntime + random.nextInt(params.maxDowntime - params.minDowntime + 1);
    restartAt.put(node.id, healing ? now + 1 : now + down);
  }

  /**
   * Crashes {@code node} and repairs its disk as if its log's tail had been damaged: acknowledged
   * entries are lost. Raft tolerates this on one server at a time (the repaired server abstains
   * from votes until it has caught up), so nothing happens while another repaired server has not.
   */
  void crashAndRepair(SimNode node) {
    for (SimNode n : nodes.values()) {
      if (n.disk.hardState().noVoteBelow() != 0) {
        return;
      }
    }
    crash(node, "damaged log");
    long last = node.disk.log().durableLastIndex();
    long keep = Math.max(node.disk.log().firstIndex() - 1, last - 1 - random.nextInt(12));
    if (node.disk.repair(keep)) {
      stats.add(Stats.Kind.REPAIR);
      trace.add("repair", node.id, keep, last);
    }
  }

  /** Crashes {@code node} (losing its unsynced writes) and restarts it at once. */
  void crashAndRestartNow(SimNode node) {
    crash(node, "scripted");
    restartAt.put(node.id, now);
    restartDue();
  }

  /** Restarts crashed nodes whose downtime is over (all of them when healing). */
  void restartDue() {
    // Iterate over a copy of the keys: TreeMap reuses entry objects when removing.
    for (String id : new ArrayList<>(restartAt.keySet())) {
      if (restartAt.get(id) <= now || healing) {
        restartAt.remove(id);
        if (decommissioned.contains(id)) {
          continue;
        }
        SimNode n = nodes.get(id);
        n.start();
        stats.add(Stats.Kind.RESTART);
        if (n.disk.full()) {
          stats.add(Stats.Kind.RESTART_ON_FULL_DISK);
        }
        trace.add("restart", n.id, n.incarnation(), n.raft().lastIndex());
        safety.restarted(n.id);
        afterStep(n);
      }
    }
    for (String id : new ArrayList<>(decommissionAt.keySet())) {
      if (decommissionAt.get(id) <= now || healing) {
        decommissionAt.remove(id);
        SimNode n = nodes.get(id);
        decommissioned.add(n.id);
        restartAt.remove(n.id);
        if (n.alive()) {
          trace.add("decommission", n.id, 0, 0);
          n.crash(0, "decommissioned");
        }
      }
    }
  }

  // ---------------------------------------------------------------- network delivery

  /**
   * Delivers the messages due now into their nodes' inboxes (a stalled node's inbox fills up, as
   * its socket buffers would); some nodes step right after a message (else once per tick, which
   * batches).
   */
  void deliverDue() {
    for (SimNetwork.Envelope e : network.due(now)) {
      Message m = e.message();
      SimNode to = nodes.get(m.to());
      if (to == null || !to.alive()) {
        trace.add("lost-down", m, 0);
        lost(e, false);
        continue;
      }
      trace.add("deliver", m, 0);
      if (m instanceof InstallSnapshot is && to.disk.refusesIncomingSnapshot(e.snapshot().length)) {
        // The receiver writes the stream into a temporary file first; on a full disk that fails
        // (ENOSPC), the transfer fails, and the sender is told so and tries again later.
        trace.add("snapshot-no-space", m, 0);
        lost(e, false);
        continue;
      }
      if (m instanceof InstallSnapshot is) {
        to.loop().deliverSnapshot(is, e.snapshot());
        stats.add(Stats.Kind.SNAPSHOT_SENT);
        PeerInbox from = senderInbox(e);
        if (from != null) {
          from.snapshotSent(m.to(), true);
        }
      } else {
        to.loop().deliver(m);
      }
      if (m instanceof Message.TimeoutNow) {
        stats.add(Stats.Kind.TIMEOUT_NOW);
      }
      if (random.nextDouble() < params.immediateStepRate) {
        step(to);
      }
    }
  }

  private PeerInbox senderInbox(SimNetwork.Envelope e) {
    SimNode from = nodes.get(e.message().from());
    return from == null ? null : from.inbox(e.senderIncarnation());
  }

  /** The network lost a message: the sender's transport reports what a real one would notice. */
  private void lost(SimNetwork.Envelope e, boolean becauseCut) {
    PeerInbox from = senderInbox(e);
    if (from == null) {
      return;
    }
    String to = e.message().to();
    if (e.message() instanceof InstallSnapshot) {
      stats.add(Stats.Kind.SNAPSHOT_LOST);
      from.snapshotSent(to, false);
    } else if (becauseCut && random.nextInt(4) == 0) {
      from.unreachable(to);
    }
  }

  // ---------------------------------------------------------------- NodeHooks

  @Override
  public void send(SimNode from, Message m, byte[] snapshot) {
    network.send(m, snapshot, from.incarnation(), now);
  }

  @Override
  public void applied(SimNode node, long index, byte[] command, byte[] result) {
    Entry e = node.raft().entry(index);
    if (e == null || e.type() != EntryType.COMMAND) {
      throw new SimulationFailure(node.id + " applies " + index + " which its log does not hold"
          + " as a command: " + e);
    }
    safety.applied(node.id, e);
    if (clients != null) {
      clients.applying(node, index, command);
    }
    exactlyOnce.applied(node.id, index, command, result);
    if (Long.hashCode(index * 0x9E3779B97F4A7C15L) % 8 == 0) {
      // A sample of exact indexes: the state after them must be the same everywhere.
      safety.stateHash(node.id, index, node.sm().hash());
    }
  }

  private void configCommitted(long index, Membership m) {
    stats.add(Stats.Kind.CONFIG_COMMITTED);
    committedConfigIndex = index;
    committedConfig = m;
    everMember.addAll(m.members().keySet());
    for (String id : everMember) {
      if (!m.contains(id) && !decommissioned.contains(id) && !decommissionAt.containsKey(id)) {
        // The operator shuts a removed server down a little later.
        decommissionAt.put(id, now + 5 + random.nextInt(20));
      }
    }
    trace.add("config", m.toString(), index, 0);
  }

  @Override
  public void snapshotRestored(SimNode node) {
    stats.add(Stats.Kind.SNAPSHOT_INSTALLED);
    // Installed at the end of an off-loop restore (the core still holds entries back):
    if (node.alive() && node.raft().applyHeld()) {
      stats.add(Stats.Kind.RESTORED_OFF_LOOP);
      if (node.raft().commitIndex() > node.raft().snapshot().index()) {
        stats.add(Stats.Kind.COMMITTED_DURING_RESTORE);
      }
    }
  }

  // ---------------------------------------------------------------- whole-cluster checks

  /** Log matching over every pair of live nodes' in-memory logs. */
  void compareAllLogs() {
    ClusterChecks.logs(aliveNodes());
  }

  String describe() {
    StringBuilder sb = new StringBuilder();
    for (SimNode n : nodes.values()) {
      sb.append("  ").append(n.id);
      if (decommissioned.contains(n.id)) {
        sb.append(" decommissioned");
      }
      if (!n.alive()) {
        sb.append(" down\n");
        continue;
      }
      Raft r = n.raft();
      sb.append(' ').append(r.role()).append(" term=").append(r.term()).append(" leader=")
          .append(r.leaderId()).append(" log=[").append(r.firstIndex()).append("..")
          .append(r.lastIndex()).append("] commit=").append(r.commitIndex()).append(" applied=")
          .append(n.appliedIndex()).append(" snap=").append(r.snapshot().index()).append(' ')
          .append(r.membership());
      if (n.stalledUntil() > now) {
        sb.append(" stalled until ").append(n.stalledUntil());
      }
      sb.append(" clock x").append(n.clock.rate());
      if (n.clock.wallSkewMillis() != 0) {
        sb.append(" wall ").append(n.clock.wallSkewMillis() / 1000).append(" s ahead");
      }
      sb.append('\n');
      if (r.role() == Role.LEADER) {
        r.status().peers().values().forEach(p -> sb.append("      ").append(p).append('\n'));
      }
    }
    sb.append("  network: ").append(network.inFlightCount()).append(" in flight, cuts=")
        .append(network.hasCuts()).append('\n');
    return sb.toString();
  }
}
