package io.lattice.sim;

import io.lattice.kv.KvEntry;
import io.lattice.kv.KvStateMachine;
import io.lattice.kv.SessionLimits;
import io.lattice.node.NodeConfig;
import io.lattice.node.NodeLoop;
import io.lattice.node.NodeMetrics;
import io.lattice.node.PeerInbox;
import io.lattice.node.StateMachine;
import io.lattice.node.StorageFailureException;
import io.lattice.node.Transport;
import io.lattice.raft.HardState;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * One simulated server: a disk and a clock that survive crashes, and a process that does not — the
 * production {@link NodeLoop} (core, {@link io.lattice.node.ReadyHandler}, request registry) with
 * the production {@link KvStateMachine}. Only the clock ({@link SimClock}), the disk ({@link
 * SimDisk}) and the network (through {@link SimTransport} to the {@link SimNetwork}) are
 * simulated.
 *
 * <p>The simulation steps the loop ({@link #step}) after delivering messages into it (it is the
 * transport's {@link PeerInbox}); a stalled node is simply not stepped while its clock runs on. A
 * crash may be injected between two steps, or inside the step (before a sync takes effect, in the
 * middle of sending, in the middle of applying, a failed fsync): the loop is {@link NodeLoop#stop
 * stopped} (its pending requests end as the outcome rule says) and the next life starts from the
 * disk with a new loop.
 */
final class SimNode {
  enum CrashPoint {
    NONE,
    /** Die in the middle of sending a Ready's messages (after {@code countdown} sends). */
    MID_SEND,
    /** Die in the middle of applying committed entries (after {@code countdown} commands). */
    MID_APPLY
  }

  /** A background snapshot write, run by the simulation at {@code dueAt} if the life is the same. */
  private record SnapshotJob(long dueAt, int incarnation, Runnable work, boolean restore) {}

  final String id;
  final int number;
  final SimDisk disk;
  final SimClock clock;
  private final NodeConfig config;
  private final RaftConfig raftConfig;
  private final long runSeed;
  private final NodeHooks hooks;
  private final SessionLimits sessionLimits;
  /** Background snapshot writes are delayed by up to this many ticks; negative: synchronous. */
  private final int snapshotWriteDelay;
  /**
   * Restores from installed snapshots run off the loop, finishing up to this many ticks later
   * (entries keep arriving meanwhile); negative: inside the step that installs the snapshot.
   */
  private final int restoreDelay;

  private NodeLoop<KvStateMachine> loop;
  private KvStateMachine sm;
  private int incarnation;
  /** Not stepped (SIGSTOP, a long fsync or GC pause) until this tick; its clock runs on. */
  private long stalledUntil;
  private CrashPoint crashPoint = CrashPoint.NONE;
  private int countdown;
  private final List<SnapshotJob> snapshotJobs = new ArrayList<>();
  private boolean holdRestores;
  private final SplittableRandom jobRandom;
  /** The tick of the current step (background snapshot writes are due some ticks after it). */
  private long currentTick;
  /** The tick of the last step (its core's tick count is as of then). */
  private long lastStepTick = -1;
  /** Applied entries up to here were looked at by the simulation (in this life). */
  long scannedUpTo;

  SimNode(String id, int number, NodeConfig config, RaftConfig raftConfig, long runSeed,
      NodeHooks hooks, SafetyChecker checker, SimClock clock, SessionLimits sessionLimits,
      int snapshotWriteDelay, int restoreDelay) {
    this.id = id;
    this.number = number;
    this.config = config;
    this.raftConfig = raftConfig;
    this.runSeed = runSeed;
    this.hooks = hooks;
    this.clock = clock;
    this.sessionLimits = sessionLimits;
    this.snapshotWriteDelay = snapshotWriteDelay;
    this.restoreDelay = restoreDelay;
    this.jobRandom = new SplittableRandom(runSeed ^ (number * 7919L));
    this.disk = new SimDisk((meta, data) -> checker.snapshotSaved(id, meta, data));
  }

  /** A node configuration for the simulation (the data directory is not used by the loop). */
  static NodeConfig nodeConfig(String id, SimParams p, boolean joining) {
    Map<String, String> cluster = new TreeMap<>();
    for (int i = 1; i <= p.clusterSize; i++) {
      cluster.put("n" + i, "sim://n" + i);
    }
    NodeConfig base = joining ? NodeConfig.joining(id, Path.of("sim", id), "sim://" + id)
        : NodeConfig.of(id, Path.of("sim", id), cluster);
    return base.withTiming(SimParams.TICK_MILLIS, p.electionTicks, p.heartbeatTicks,
            p.leaseDriftTicks)
        .withSnapshots(p.snapshotThreshold, p.trailingEntries)
        .withTrailingBytes(p.trailingBytes)
        .withDiskReserve(p.diskReserveBytes)
        .withTimeouts(p.requestTimeoutTicks * SimParams.TICK_MILLIS,
            p.transferTimeoutTicks * SimParams.TICK_MILLIS);
  }

  boolean alive() {
    return loop != null;
  }

  /** Whether the process is running and not stalled at {@code now}. */
  boolean running(long now) {
    return loop != null && now >= stalledUntil;
  }

  void stallUntil(long tick) {
    stalledUntil = Math.max(stalledUntil, tick);
  }

  /** Whether the loop was stepped at tick {@code now}: its core's view of time is current. */
  boolean steppedAt(long now) {
    return loop != null && lastStepTick == now;
  }

  /** Ends the stall at {@code tick} (it runs again from then on). */
  void resumeAt(long tick) {
    stalledUntil = tick;
  }

  /** Ends a stall now. */
  void resume() {
    stalledUntil = 0;
  }

  long stalledUntil() {
    return stalledUntil;
  }

  /** The running loop (null when down). */
  NodeLoop<KvStateMachine> loop() {
    return loop;
  }

  Raft raft() {
    return loop.raft();
  }

  KvStateMachine sm() {
    return sm;
  }

  long appliedIndex() {
    return loop.appliedIndex();
  }

  int incarnation() {
    return incarnation;
  }

  /** The value of {@code key} in this node's state machine, or null. */
  String value(String key) {
    return sm.get(key.getBytes(StandardCharsets.UTF_8))
        .map(e -> new String(e.value(), StandardCharsets.UTF_8)).orElse(null);
  }

  /** The key-value of {@code key} in this node's state machine, or null. */
  KvEntry entry(String key) {
    return sm.get(key.getBytes(StandardCharsets.UTF_8)).orElse(null);
  }

  /** Starts (or restarts) the process from the disk's durable state only. */
  void start() {
    incarnation++;
    crashPoint = CrashPoint.NONE;
    snapshotJobs.clear();
    stalledUntil = 0;
    lastStepTick = -1;
    sm = new KvStateMachine(sessionLimits);
    SplittableRandom random =
        new SplittableRandom(runSeed * 0x9E3779B97F4A7C15L + number * 1000003L + incarnation);
    Executor background = snapshotWriteDelay < 0 ? null : this::scheduleSnapshotWrite;
    try {
      loop = new NodeLoop<>(config, raftConfig, disk.storage(), sm, new CrashingStateMachine(),
          inbox -> new SimTransport(), NodeMetrics.NONE, clock, random, background);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (restoreDelay >= 0) {
      loop.setRestoreExecutor(this::scheduleRestore);
    }
    scannedUpTo = loop.appliedIndex();
  }

  /**
   * The process dies: its loop stops (pending requests end INDETERMINATE or SHUTTING_DOWN, as a broken
   * connection would tell the clients); the disk keeps what was synced plus the first {@code
   * keepUnsynced} writes.
   */
  void crash(int keepUnsynced, String why) {
    NodeLoop<KvStateMachine> l = loop;
    loop = null;
    sm = null;
    snapshotJobs.clear();
    crashPoint = CrashPoint.NONE;
    if (l != null) {
      l.stop(new SimCrash(why));
    }
    disk.crash(keepUnsynced);
  }

  void armCrash(CrashPoint point, int after) {
    crashPoint = point;
    countdown = after;
  }

  /**
   * Steps the loop once (background snapshot writes due by {@code now} run first, as if their
   * thread had finished). Returns false if the process died doing so: a simulated crash or a
   * storage failure, which stops the node; {@code died} is told why.
   */
  boolean step(long now, Died died) {
    if (!running(now)) {
      return false;
    }
    try {
      runSnapshotJobs(now);
      loop.step();
      lastStepTick = now;
      return true;
    } catch (SimCrash e) {
      died.died(this, e.getMessage());
      return false;
    } catch (StorageFailureException e) {
      died.died(this, "storage failure: " + e.getMessage()
          + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
      return false;
    }
  }

  /** Called when a process dies inside {@link #step}; the simulation crashes it. */
  interface Died {
    void died(SimNode node, String why);
  }

  /**
   * Where this life's loop takes messages, if {@code incarnation} is still the one running (a
   * transport's report about a message sent by an earlier life is dropped), else null.
   */
  PeerInbox inbox(int incarnation) {
    return loop != null && incarnation == this.incarnation ? loop : null;
  }

  // ---------------------------------------------------------------- background snapshots

  private void scheduleSnapshotWrite(Runnable work) {
    long due = currentTick + (snapshotWriteDelay == 0 ? 0 : 1 + jobRandom.nextInt(snapshotWriteDelay));
    snapshotJobs.add(new SnapshotJob(due, incarnation, work, false));
  }

  /**
   * A restore off the loop, as a step of the simulation: it runs (reads and decodes the snapshot,
   * then queues its finish for the loop) when due, up to {@link #restoreDelay} ticks from now, if
   * this life still runs; until then the loop goes on without applying.
   */
  private void scheduleRestore(Runnable work) {
    long due = currentTick + (restoreDelay == 0 ? 0 : 1 + jobRandom.nextInt(restoreDelay));
    snapshotJobs.add(new SnapshotJob(due, incarnation, work, true));
  }

  /** While held, off-loop restores are not run (nor anything queued after them): a slow restore. */
  void holdRestores(boolean hold) {
    holdRestores = hold;
  }

  /** Whether an off-loop restore is queued and not yet run. */
  boolean restoreQueued() {
    return snapshotJobs.stream().anyMatch(SnapshotJob::restore);
  }

  private void runSnapshotJobs(long now) {
    currentTick = now;
    while (!snapshotJobs.isEmpty() && snapshotJobs.get(0).dueAt() <= now
        && !(holdRestores && snapshotJobs.get(0).restore())) {
      SnapshotJob j = snapshotJobs.remove(0);
      if (j.incarnation() == incarnation) {
        j.work().run(); // writes, then queues the finish for this step
      }
    }
  }

  boolean snapshotWriteQueued() {
    return !snapshotJobs.isEmpty();
  }

  // ---------------------------------------------------------------- the simulated parts

  private final class SimTransport implements Transport {
    @Override
    public void send(Message message) {
      beforeSend();
      checkAnswerDurable(message);
      hooks.send(SimNode.this, message, null);
    }

    /**
     * Figure 2, "respond to RPCs only after updating stable storage": an acknowledgement never
     * covers an entry, and a granted vote never a vote, that the disk does not hold durably (a
     * leader's appends may leave before its own write; its followers' answers never may). What
     * a later term superseded in the same Ready is covered by the durable newer term instead: an
     * acknowledgement to the leader of an older term (whose entries a newer leader may have
     * replaced since), a vote in a term below the durable one (which can no longer be recast).
     */
    private void checkAnswerDurable(Message message) {
      if (disk.lies()) {
        return; // (the checker-sensitivity run: the disk's durable image is not what it reports)
      }
      HardState durable = disk.hardState();
      if (message instanceof Message.AppendResponse r && r.success()
          && r.term() == durable.term() && r.matchIndex() > disk.log().durableLastIndex()) {
        throw new SimulationFailure(id + ": acknowledges " + r.matchIndex() + " to " + r.to()
            + " but its disk holds only up to " + disk.log().durableLastIndex() + " durably");
      }
      if (message instanceof Message.VoteResponse v && v.granted() && !v.preVote()
          && (durable.term() < v.term()
              || (durable.term() == v.term() && !v.to().equals(durable.votedFor())))) {
        throw new SimulationFailure(id + ": grants its vote of term " + v.term() + " to " + v.to()
            + " but its disk holds " + disk.hardState());
      }
    }

    @Override
    public void sendSnapshot(InstallSnapshot message, SnapshotStore.Snapshot snapshot) {
      if (snapshot.meta().index() != message.snapshot().index()) {
        throw new SimulationFailure(id + ": snapshot bytes do not match the message");
      }
      beforeSend();
      hooks.send(SimNode.this, message, snapshot.data());
    }

    private void beforeSend() {
      if (disk.log().unsyncedDataCount() > 0) {
        // Everything of the Ready must be durable before anything is sent: checked at the transport.
        throw new SimulationFailure(id + ": sending while log writes are not synced");
      }
      if (crashPoint == CrashPoint.MID_SEND && countdown-- <= 0) {
        throw new SimCrash("mid-send");
      }
    }
  }

  /** The real state machine, with an optional crash in the middle of applying. */
  private final class CrashingStateMachine implements StateMachine {
    @Override
    public byte[] apply(long index, byte[] command) {
      if (crashPoint == CrashPoint.MID_APPLY && countdown-- <= 0) {
        throw new SimCrash("mid-apply");
      }
      byte[] result = sm.apply(index, command);
      hooks.applied(SimNode.this, index, command, result);
      return result;
    }

    @Override
    public byte[] snapshot() {
      return sm.snapshot();
    }

    @Override
    public io.lattice.storage.SnapshotWriter capture() {
      return sm.capture();
    }

    @Override
    public void restore(byte[] snapshot) {
      sm.restore(snapshot);
      hooks.snapshotRestored(SimNode.this);
    }

    @Override
    public Restoration prepareRestore(java.io.InputStream data, long length) throws IOException {
      KvStateMachine target = sm;
      Restoration r = target.prepareRestore(data, length);
      return () -> {
        r.install();
        hooks.snapshotRestored(SimNode.this);
      };
    }

    @Override
    public long hash() {
      return sm.hash();
    }
  }
}
