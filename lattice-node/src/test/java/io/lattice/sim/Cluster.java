package io.lattice.sim;

import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Raft;
import io.lattice.raft.Role;
import io.lattice.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The simulated cluster: the nodes, the network between them, the virtual clock, and the wiring of
 * every node's transport and apply listener to the network, the checkers and the clients.
 */
final class Cluster implements NodeHooks {
  final SimParams params;
  final long seed;
  final SplittableRandom random;
  final Trace trace;
  final SafetyChecker safety = new SafetyChecker();
  final LinearizabilityChecker lin = new LinearizabilityChecker();
  final Stats stats = new Stats();
  final SimNetwork network;
  private final TreeMap<String, SimNode> nodes = new TreeMap<>();
  /** Crashed nodes and the tick at which they restart. */
  private final TreeMap<String, Long> restartAt = new TreeMap<>();
  /** Nodes removed from the configuration and stopped for good. */
  private final TreeSet<String> decommissioned = new TreeSet<>();
  /** Removed nodes and the tick at which the operator stops them. */
  private final TreeMap<String, Long> decommissionAt = new TreeMap<>();
  /** Nodes that were members of a committed configuration. */
  private final TreeSet<String> everMember = new TreeSet<>();
  private long committedConfigIndex = -1;
  private Membership committedConfig;
  private Clients clients;
  private ReadObserver readObserver;
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
    String[] ids = new String[params.clusterSize];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "n" + (i + 1);
    }
    Membership initial = Membership.ofVoterIds(ids);
    for (String id : ids) {
      addNode(id, initial).start();
      everMember.add(id);
    }
    committedConfig = initial;
  }

  void setClients(Clients c) {
    this.clients = c;
  }

  long now() {
    return now;
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

  SimNode addNode(String id, Membership bootstrap) {
    SimNode n = new SimNode(id, ++created, params.raftConfig(id), bootstrap,
        params.snapshotThreshold, seed, this, safety);
    n.disk.log().observe((entries, prevTerm) -> safety.persisted(id, entries, prevTerm));
    n.disk.setLies(params.lyingDisks);
    nodes.put(id, n);
    return n;
  }

  /** Removes a node that never started (its membership change was refused). */
  void forgetNode(String id) {
    nodes.remove(id);
    created--;
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

  /** Ticks every running node (paused ones miss their ticks: their clocks fall behind). */
  void tickAll() {
    for (SimNode n : aliveNodes()) {
      run(n, Raft::tick, true);
    }
  }

  // ---------------------------------------------------------------- running nodes

  /**
   * Runs {@code action} on {@code node} (if running: not crashed nor paused), handles its Readies,
   * then checks safety.
   */
  void run(SimNode node, Consumer<Raft> action, boolean handleReadies) {
    if (!node.running(now)) {
      return;
    }
    if (node.run(action, handleReadies, this::died)) {
      afterStep(node);
    }
  }

  void afterStep(SimNode node) {
    if (!node.alive()) {
      return;
    }
    Raft r = node.raft();
    safety.afterStep(node.id, r);
    if (r.role() == Role.LEADER) {
      ClusterChecks.leases(nodes.values());
    }
    String role = r.role() + "/" + r.term();
    String before = lastRole.put(node.id, role);
    if (!role.equals(before)) {
      trace.add("role-" + r.role(), node.id, r.term(), r.commitIndex());
    }
  }

  /** A process died (simulated crash inside the handler, or a storage failure that stops it). */
  private void died(SimNode node, String why) {
    stats.add(why.startsWith("storage failure") ? Stats.Kind.FSYNC_FAILURE : Stats.Kind.CRASH_INSIDE_READY);
    crash(node, why);
  }

  void crash(SimNode node, String why) {
    int keep = random.nextDouble() < params.keepUnsyncedRate ? random.nextInt(4) : 0;
    stats.add(Stats.Kind.CRASH);
    stats.add(Stats.Kind.UNSYNCED_WRITES_LOST,
        Math.max(0, node.disk.log().unsyncedDataCount() - keep));
    trace.add("crash", node.id, keep, node.incarnation());
    node.crash(keep);
    lastRole.remove(node.id);
    if (clients != null) {
      clients.nodeCrashed(node);
    }
    long down = params.minDowntime + random.nextInt(params.maxDowntime - params.minDowntime + 1);
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
        trace.add("restart", n.id, n.incarnation(), n.raft().lastIndex());
        safety.restarted(n.id);
        safety.chain(n.id, n.sm().lastCommandIndex(), n.sm().chain());
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
          n.crash(0);
          if (clients != null) {
            clients.nodeCrashed(n);
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- network delivery

  /** Delivers the messages due now. */
  void deliverDue() {
    for (SimNetwork.Envelope e : network.due(now)) {
      SimNode to = nodes.get(e.message().to());
      if (to == null || !to.running(now)) {
        trace.add("lost-down", e.message(), 0);
        lost(e, false);
        continue;
      }
      trace.add("deliver", e.message(), 0);
      boolean handle = random.nextDouble() < params.immediateReadyRate;
      run(to, r -> to.deliver(e), handle);
      if (e.message() instanceof io.lattice.raft.Message.TimeoutNow) {
        stats.add(Stats.Kind.TIMEOUT_NOW);
      }
      if (e.message() instanceof InstallSnapshot && to.alive()) {
        stats.add(Stats.Kind.SNAPSHOT_SENT);
        SimNode from = nodes.get(e.message().from());
        from.defer(e.senderIncarnation(), r -> r.reportSnapshot(e.message().to(), true));
      }
    }
  }

  /** The network lost a message: the sender's transport reports what a real one would notice. */
  private void lost(SimNetwork.Envelope e, boolean becauseCut) {
    SimNode from = nodes.get(e.message().from());
    if (from == null) {
      return;
    }
    String to = e.message().to();
    if (e.message() instanceof InstallSnapshot) {
      stats.add(Stats.Kind.SNAPSHOT_LOST);
      from.defer(e.senderIncarnation(), r -> r.reportSnapshot(to, false));
    } else if (becauseCut && random.nextInt(4) == 0) {
      from.defer(e.senderIncarnation(), r -> r.reportUnreachable(to));
    }
  }

  // ---------------------------------------------------------------- NodeHooks

  @Override
  public void send(SimNode from, Message m, byte[] snapshot) {
    network.send(m, snapshot, from.incarnation(), now);
  }

  @Override
  public void applied(SimNode node, Entry entry, byte[] result) {
    safety.applied(node.id, entry);
    if (entry.type() == EntryType.COMMAND) {
      safety.chain(node.id, entry.index(), node.sm().chain());
    } else if (entry.type() == EntryType.CONFIG && entry.index() > committedConfigIndex) {
      configCommitted(entry.index(), Membership.decode(entry.data()));
    }
    if (clients != null) {
      clients.applied(node, entry, result);
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
  public void snapshotRestored(SimNode node, SnapshotMeta meta) {
    stats.add(Stats.Kind.SNAPSHOT_INSTALLED);
    safety.chain(node.id, node.sm().lastCommandIndex(), node.sm().chain());
    if (meta.index() > committedConfigIndex) {
      configCommitted(meta.index(), meta.membership());
    }
    if (clients != null) {
      clients.snapshotRestored(node, meta);
    }
  }

  @Override
  public void readReady(SimNode node, long requestId, long readIndex) {
    if (clients != null) {
      clients.readReady(node, requestId, readIndex);
    }
    if (readObserver != null) {
      readObserver.readReady(node, requestId, readIndex);
    }
  }

  @Override
  public void readFailed(SimNode node, long requestId) {
    if (clients != null) {
      clients.readFailed(node, requestId);
    }
    if (readObserver != null) {
      readObserver.readFailed(node, requestId);
    }
  }

  /** Reads issued by a scripted test rather than by {@link Clients}. */
  interface ReadObserver {
    void readReady(SimNode node, long requestId, long readIndex);

    void readFailed(SimNode node, long requestId);
  }

  void setReadObserver(ReadObserver o) {
    readObserver = o;
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
          .append(r.appliedIndex()).append(" snap=").append(r.snapshot().index()).append(' ')
          .append(r.membership()).append('\n');
      if (r.role() == Role.LEADER) {
        r.status().peers().values().forEach(p -> sb.append("      ").append(p).append('\n'));
      }
    }
    sb.append("  network: ").append(network.inFlightCount()).append(" in flight, cuts=")
        .append(network.hasCuts()).append('\n');
    return sb.toString();
  }
}
