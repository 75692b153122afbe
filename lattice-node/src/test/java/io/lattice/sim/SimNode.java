package io.lattice.sim;

import io.lattice.node.ApplyListener;
import io.lattice.node.RaftRecovery;
import io.lattice.node.ReadyHandler;
import io.lattice.node.StateMachine;
import io.lattice.node.StorageFailureException;
import io.lattice.node.Transport;
import io.lattice.raft.Entry;
import io.lattice.raft.Membership;
import io.lattice.raft.Message;
import io.lattice.raft.Message.InstallSnapshot;
import io.lattice.raft.Raft;
import io.lattice.raft.RaftConfig;
import io.lattice.raft.RestoredState;
import io.lattice.raft.SnapshotMeta;
import io.lattice.storage.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated server: a disk that survives crashes, and a process (core + real {@link
 * ReadyHandler} + state machine) that does not. A crash may be injected between two steps, or
 * inside the handler (before a sync takes effect, in the middle of sending, in the middle of
 * applying) to exercise every window of the Ready contract.
 */
final class SimNode {
  enum CrashPoint {
    NONE,
    /** Die in the middle of sending a Ready's messages (after {@code countdown} sends). */
    MID_SEND,
    /** Die in the middle of applying committed entries (after {@code countdown} commands). */
    MID_APPLY
  }

  final String id;
  final int number;
  final SimDisk disk;
  private final RaftConfig config;
  private final Membership bootstrap;
  private final long snapshotThreshold;
  private final long runSeed;
  private final NodeHooks hooks;

  private boolean alive;
  private int incarnation;
  /** Frozen (like SIGSTOP) until this tick: no ticks, no messages, no requests. */
  private long pausedUntil;
  /** Paused in this life: its tick clock fell behind, so its leases mean nothing. */
  private boolean drifted;
  private Raft raft;
  private ReadyHandler handler;
  private KvStateMachine sm;
  private CrashPoint crashPoint = CrashPoint.NONE;
  private int countdown;
  /** Core calls the transport asked for (snapshot reports, unreachable peers), run before the next step. */
  private final List<java.util.function.Consumer<Raft>> deferred = new ArrayList<>();

  SimNode(String id, int number, RaftConfig config, Membership bootstrap, long snapshotThreshold,
      long runSeed, NodeHooks hooks, SafetyChecker checker) {
    this.id = id;
    this.number = number;
    this.config = config;
    this.bootstrap = bootstrap;
    this.snapshotThreshold = snapshotThreshold;
    this.runSeed = runSeed;
    this.hooks = hooks;
    this.disk = new SimDisk((meta, data) -> checker.snapshotSaved(id, meta, data));
  }

  boolean alive() {
    return alive;
  }

  /** Whether the process is running and not frozen at {@code now}. */
  boolean running(long now) {
    return alive && now >= pausedUntil;
  }

  void pauseUntil(long tick) {
    pausedUntil = tick;
    drifted = true;
  }

  boolean drifted() {
    return drifted;
  }

  Raft raft() {
    return raft;
  }

  KvStateMachine sm() {
    return sm;
  }

  ReadyHandler handler() {
    return handler;
  }

  int incarnation() {
    return incarnation;
  }

  /** Starts (or restarts) the process from the disk's durable state only. */
  void start() {
    incarnation++;
    sm = new KvStateMachine(id);
    RestoredState restored;
    try {
      restored = RaftRecovery.recover(disk.storage(), sm, bootstrap);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SplittableRandom random = new SplittableRandom(runSeed * 0x9E3779B97F4A7C15L + number * 1000003L + incarnation);
    raft = new Raft(config, restored, random);
    handler = new ReadyHandler(raft, disk.storage(), new CrashingStateMachine(), new SimTransport(),
        new Listener(), snapshotThreshold);
    crashPoint = CrashPoint.NONE;
    deferred.clear();
    pausedUntil = 0;
    drifted = false;
    alive = true;
  }

  /** The process dies; the disk keeps what was synced plus the first {@code keepUnsynced} writes. */
  void crash(int keepUnsynced) {
    alive = false;
    raft = null;
    handler = null;
    sm = null;
    deferred.clear();
    crashPoint = CrashPoint.NONE;
    disk.crash(keepUnsynced);
  }

  void armCrash(CrashPoint point, int after) {
    crashPoint = point;
    countdown = after;
  }

  /**
   * Queues a call to the core (from the transport) for before the next step, if the process that
   * sent the message it is about ({@code incarnation}) is still the one running.
   */
  void defer(int incarnation, java.util.function.Consumer<Raft> call) {
    if (alive && incarnation == this.incarnation) {
      deferred.add(call);
    }
  }

  /**
   * Runs {@code action} against the live process, then handles every Ready. Returns false if the
   * process died doing so (a simulated crash or a storage failure, which stops the node).
   *
   * @param handleReadies whether to handle Readies now (false: leave them for a later batch)
   */
  boolean run(java.util.function.Consumer<Raft> action, boolean handleReadies, Died died) {
    if (!alive) {
      return false;
    }
    try {
      if (!deferred.isEmpty()) {
        List<java.util.function.Consumer<Raft>> calls = new ArrayList<>(deferred);
        deferred.clear();
        calls.forEach(c -> c.accept(raft));
      }
      if (action != null) {
        action.accept(raft);
      }
      if (handleReadies) {
        int n = 0;
        while (handler.handleReady()) {
          if (++n > 10_000) {
            throw new SimulationFailure(id + ": the core keeps producing Readies (livelock)");
          }
        }
      }
      return true;
    } catch (SimCrash e) {
      died.died(this, e.getMessage());
      return false;
    } catch (StorageFailureException e) {
      died.died(this, "storage failure: " + e.getMessage());
      return false;
    }
  }

  /** Called when a process dies inside {@link #run}; the simulation crashes it. */
  interface Died {
    void died(SimNode node, String why);
  }

  void deliver(SimNetwork.Envelope e) {
    if (e.message() instanceof InstallSnapshot is) {
      handler.deliverSnapshot(is, e.snapshot());
    } else {
      raft.step(e.message());
    }
  }

  private final class SimTransport implements Transport {
    @Override
    public void send(Message message) {
      beforeSend();
      hooks.send(SimNode.this, message, null);
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

  /** The KV state machine, with an optional crash in the middle of applying. */
  private final class CrashingStateMachine implements StateMachine {
    @Override
    public byte[] apply(long index, byte[] command) {
      if (crashPoint == CrashPoint.MID_APPLY && countdown-- <= 0) {
        throw new SimCrash("mid-apply");
      }
      return sm.apply(index, command);
    }

    @Override
    public byte[] snapshot() {
      return sm.snapshot();
    }

    @Override
    public void restore(byte[] snapshot) {
      sm.restore(snapshot);
    }
  }

  private final class Listener implements ApplyListener {
    @Override
    public void applied(Entry entry, byte[] result) {
      hooks.applied(SimNode.this, entry, result);
    }

    @Override
    public void snapshotRestored(SnapshotMeta meta) {
      hooks.snapshotRestored(SimNode.this, meta);
    }

    @Override
    public void readReady(long requestId, long readIndex) {
      hooks.readReady(SimNode.this, requestId, readIndex);
    }

    @Override
    public void readFailed(long requestId) {
      hooks.readFailed(SimNode.this, requestId);
    }
  }
}
