package io.lattice.sim;

import io.lattice.check.Call;
import io.lattice.check.History;
import io.lattice.check.Result;
import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.NodeException;
import io.lattice.node.NodeLoop;
import io.lattice.node.ReadConsistency;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The simulated clients, which use a node only through its request API ({@link
 * io.lattice.node.NodeRequests}: propose and read futures) with real commands ({@link
 * KvCommandCodec}), as the API layer does.
 *
 * <p>Each client registers an exactly-once session (a committed RegisterSession entry, whose index
 * is the session id) and runs one operation at a time: a put or a compare-and-swap (on value,
 * version or absence), retried with the same sequence number after NOT_LEADER, INDETERMINATE, a
 * node crash or a client-side timeout, until a result comes back — sometimes to two nodes at once
 * after a leader change, and on a timeout while the first attempt is still pending (duplicate
 * attempts); or a get, by ReadIndex (LINEARIZABLE), by LEASE, or STALE, abandoned when it fails or
 * times out. Every command is stamped with the wall clock of the node it is sent to, as the API
 * layer would. A SESSION_EXPIRED answer leaves the write's outcome unknown (it is never sent again
 * under another session) and the client registers a new session; now and then a client closes its
 * session and registers another while attempts of its last write may still be in flight.
 *
 * <p>Every linearizable operation goes into the {@link History} (checked for linearizability at
 * the end of the run, key by key, by {@link io.lattice.check.Linearizability}): writes with their
 * results, or of unknown outcome; gets with what they returned; failed or abandoned gets, which had
 * no effect, are left out, and so are STALE reads. Results are also checked as they
 * arrive ({@link ExactlyOnce}, {@link IndexFloors}, stale reads return a value that was written).
 * Futures complete inside a node's step; their outcomes are handled right after it ({@link #drain}).
 */
final class Clients {
  private final Cluster cluster;
  private final SimParams params;
  private final SplittableRandom random;
  private final List<Client> clients = new ArrayList<>();
  private final List<Client> probes = new ArrayList<>();
  private final ArrayDeque<ClientOp.Attempt> completed = new ArrayDeque<>();
  private final ArrayDeque<Runnable> probeOutcomes = new ArrayDeque<>();
  final History history = new History();
  private boolean issuing = true;
  private long stampTick = -1;
  private long stampSeq;

  static final class Client {
    final int number;
    final String name;
    /** The session id (the index of its registration); 0: none, register one before writing. */
    long session;
    long nextSeq;
    long acked;
    String leaderGuess;
    ClientOp op;
    /** Last key-value seen per key (for compare-and-swap expectations). */
    final Map<String, KvEntry> seen = new HashMap<>();

    Client(int number, String name) {
      this.number = number;
      this.name = name;
    }
  }

  Clients(Cluster cluster, SplittableRandom random) {
    this.cluster = cluster;
    this.params = cluster.params;
    this.random = random;
    for (int i = 1; i <= params.clients; i++) {
      clients.add(new Client(i, "c" + i));
    }
  }

  /** Stop starting new operations (outstanding ones still complete). */
  void stopIssuing() {
    issuing = false;
  }

  /** Whether every client is idle: every write it started has its outcome. */
  boolean allIdle() {
    for (Client c : clients) {
      if (c.op != null) {
        return false;
      }
    }
    for (Client c : probes) {
      if (c.op != null) {
        return false;
      }
    }
    return true;
  }

  /**
   * A time for the history: operations are ordered by tick, and within a tick by the order things
   * happened (the nodes are stepped one after another).
   */
  private long stamp() {
    if (cluster.now() != stampTick) {
      stampTick = cluster.now();
      stampSeq = 0;
    }
    return stampTick * 1_000_000 + ++stampSeq;
  }

  String describe() {
    StringBuilder sb = new StringBuilder();
    List<Client> all = new ArrayList<>(clients);
    all.addAll(probes);
    for (Client c : all) {
      sb.append("  ").append(c.name).append(" session ").append(c.session).append(" acked=")
          .append(c.acked);
      if (c.op != null) {
        sb.append(' ').append(c.op);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  // ---------------------------------------------------------------- every tick

  void tick() {
    drain();
    long now = cluster.now();
    for (Client c : clients) {
      if (c.op != null) {
        advance(c.op, now);
      }
      if (c.op == null && issuing && random.nextDouble() < params.opRate) {
        if (random.nextDouble() < params.readFraction) {
          startRead(c, null, null, randomKey());
        } else if (c.session == 0) {
          startRegister(c);
        } else {
          startWrite(c);
        }
      }
    }
    for (Client c : probes) {
      if (c.op != null) {
        advance(c.op, now);
      }
    }
  }

  /**
   * A read of {@code key} by {@code mode} sent to {@code node} right now, by a client of its own
   * (a fault's probe: a stalled old leader asked, first thing after its stall, for what another
   * leader changed meanwhile).
   */
  void probe(SimNode node, ReadConsistency mode, String key) {
    startRead(newProbe(), node, mode, key);
  }

  /**
   * A put of {@code key} (without a session, one attempt) by a client of its own, sent to {@code
   * node} right now; {@code then} is told, after the step that ends it, whether it was
   * acknowledged.
   */
  void probeWrite(SimNode node, String key, java.util.function.Consumer<Boolean> then) {
    probeWriteOutcome(node, key, failure -> then.accept(failure == null));
  }

  /**
   * As {@link #probeWrite}, but {@code then} is told how it ended: null when acknowledged, else
   * the failure (a {@link NodeException} for any answer of the node).
   */
  void probeWriteOutcome(SimNode node, String key, java.util.function.Consumer<Throwable> then) {
    Client c = newProbe();
    String value = c.name + ":put";
    History.Pending record = history.invoke(c.number, Call.put(key, value), stamp());
    cluster.trace.add("probe-put", node.id, c.number, 0);
    byte[] command = KvCommandCodec.encode(new KvCommand.Put(Session.NONE,
        node.clock.wallMillis(), bytes(key), bytes(value), false));
    sent(command);
    node.loop().propose(command).whenComplete((r, err) -> {
          long at = stamp();
          probeOutcomes.add(() -> {
            if (r == null) {
              Throwable t = err.getCause() != null ? err.getCause() : err;
              if (t instanceof NodeException e
                  && e.reason() == Reason.INDETERMINATE) {
                record.unknown();
              } else {
                record.failed();
              }
              if (t instanceof NodeException e && e.reason() == Reason.NO_SPACE) {
                refused(command);
              }
              then.accept(t);
              return;
            }
            KvResult.Put put = (KvResult.Put) KvResultCodec.decodeTrusted(r);
            record.ok(Result.written(put.version()), at);
            cluster.floors.writeAcked(key, put.index());
            stat(Stats.Kind.WRITE_ACKED);
            then.accept(null);
          });
        });
  }

  // ------------------------------------------------- writes refused for want of space

  /** Per command (its exact bytes): attempts that sent it, and those answered NO_SPACE. */
  private final Map<java.nio.ByteBuffer, int[]> commandsSent = new HashMap<>();

  private void sent(byte[] command) {
    commandsSent.computeIfAbsent(java.nio.ByteBuffer.wrap(command), k -> new int[2])[0]++;
  }

  /** An attempt of {@code command} was answered NO_SPACE: it must never be applied. */
  private void refused(byte[] command) {
    stat(Stats.Kind.WRITE_NO_SPACE);
    commandsSent.computeIfAbsent(java.nio.ByteBuffer.wrap(command), k -> new int[2])[1]++;
  }

  /**
   * Checks a command a node applies: NO_SPACE says the write had no effect (it was refused before
   * it was proposed), so a command whose every attempt was answered NO_SPACE must never reach a
   * state machine. A write that may have been appended must be answered INDETERMINATE instead.
   */
  void applying(SimNode node, long index, byte[] command) {
    int[] c = commandsSent.get(java.nio.ByteBuffer.wrap(command));
    if (c != null && c[1] > 0 && c[1] == c[0]) {
      throw new SimulationFailure(node.id + " applies at " + index + " a command every attempt of "
          + "which was answered NO_SPACE (a write that may apply must be INDETERMINATE)");
    }
  }

  private Client newProbe() {
    Client c = new Client(1000 + probes.size(), "p" + (probes.size() + 1));
    probes.add(c);
    return c;
  }

  private void advance(ClientOp op, long now) {
    if (op.kind == ClientOp.Kind.GET) {
      if (now >= op.startedAt + params.readTimeout) {
        // Abandoned: it had no effect, and whatever it returns later is not looked at.
        if (op.record != null) {
          op.record.failed();
        }
        stat(Stats.Kind.READ_FAILED);
        finish(op);
        op.client.leaderGuess = null;
      }
      return;
    }
    if (!op.outstanding()) {
      if (now >= op.nextAttemptAt) {
        attemptWrite(op, pick(op.client, null));
        if (op.attempts.size() > 1 && random.nextDouble() < params.duplicateRetryRate) {
          stat(Stats.Kind.DUPLICATE_ATTEMPT);
          attemptWrite(op, pick(op.client, op.attempts.get(op.attempts.size() - 1).node));
        }
      }
    } else if (now - op.lastSentAt() >= params.clientTimeout && op.attempts.size() < 12) {
      // No answer in time (a stalled or partitioned node): try elsewhere while the first attempt
      // may still land.
      stat(Stats.Kind.DUPLICATE_ATTEMPT);
      SimNode last = op.attempts.get(op.attempts.size() - 1).node;
      op.client.leaderGuess = null;
      attemptWrite(op, pick(op.client, last));
    }
  }

  private SimNode pick(Client c, SimNode avoid) {
    SimNode n = c.leaderGuess == null ? null : cluster.node(c.leaderGuess);
    if (n == null || !n.alive() || n == avoid) {
      n = cluster.randomAlive();
      if (n == avoid && n != null) {
        n = cluster.randomAlive();
      }
    }
    return n;
  }

  private String randomKey() {
    return "k" + random.nextInt(params.keys);
  }

  // ---------------------------------------------------------------- writes

  private void startWrite(Client c) {
    String key = randomKey();
    long seq = c.nextSeq++;
    String value = c.name + "." + c.session + ":" + seq;
    Session session = new Session(c.session, seq, c.acked);
    boolean cas = random.nextDouble() < params.casFraction;
    KvCommand.Expect expect = null;
    if (cas) {
      KvEntry last = c.seen.get(key);
      int how = random.nextInt(4);
      expect = last == null || how == 0 ? KvCommand.Expect.absent()
          : how == 1 ? KvCommand.Expect.version(last.version())
          : KvCommand.Expect.value(last.value());
    }
    History.Pending record = history.invoke(c.number,
        cas ? Call.cas(key, expectation(expect), value) : Call.put(key, value), stamp());
    c.op = new ClientOp(c, cas ? ClientOp.Kind.CAS : ClientOp.Kind.PUT, key, value, expect, null,
        session, record, cluster.now());
    advance(c.op, cluster.now());
  }

  private void attemptWrite(ClientOp op, SimNode n) {
    if (n == null) {
      op.nextAttemptAt = cluster.now() + 1;
      return;
    }
    byte[] key = op.key == null ? null : bytes(op.key);
    byte[] value = op.value == null ? null : bytes(op.value);
    long at = n.clock.wallMillis(); // the API layer of the node stamps the command
    KvCommand command = op.kind == ClientOp.Kind.REGISTER ? new KvCommand.RegisterSession(at)
        : op.kind == ClientOp.Kind.PUT ? new KvCommand.Put(op.session, at, key, value, false)
        : new KvCommand.CompareAndSwap(op.session, at, key, op.expect, value, false);
    ClientOp.Attempt a = new ClientOp.Attempt(op, n, cluster.now());
    op.attempts.add(a);
    if (op.attempts.size() > 1) {
      stat(Stats.Kind.WRITE_RETRY);
    }
    cluster.trace.add("propose", n.id, op.client.number,
        op.session == null ? 0 : op.session.sequence());
    byte[] encoded = KvCommandCodec.encode(command);
    a.command = encoded;
    sent(encoded);
    CompletableFuture<byte[]> f = n.loop().propose(encoded);
    f.whenComplete((v, e) -> completed(a, v, e));
  }

  private void writeDone(ClientOp.Attempt a) {
    ClientOp op = a.op;
    Client c = op.client;
    if (a.error != null) {
      if (!(a.error instanceof NodeException e)) {
        throw new SimulationFailure("write " + op + " failed with " + a.error);
      }
      switch (e.reason()) {
        case INDETERMINATE -> stat(Stats.Kind.WRITE_INDETERMINATE);
        case NOT_LEADER, TRANSFER_IN_PROGRESS, MEMBERSHIP_CHANGE_IN_PROGRESS, SHUTTING_DOWN -> { }
        // The leader's disk is full: no effect; retried (the same sequence number) until space is
        // freed there or another member leads.
        case NO_SPACE -> refused(a.command);
        default -> throw new SimulationFailure("write " + op + " failed with " + e);
      }
      if (!op.finished && !op.outstanding()) {
        String hint = e.leaderId();
        c.leaderGuess = hint != null && !hint.equals(a.node.id) ? hint : null;
        // Straight to a named leader; without one, back off (there may be an election going on).
        int failed = op.attempts.size();
        op.nextAttemptAt = cluster.now() + (c.leaderGuess != null ? 1
            : 1 + random.nextInt(Math.min(2 + failed, params.electionTicks)));
      }
      return;
    }
    if (op.kind == ClientOp.Kind.REGISTER) {
      registered(a);
      return;
    }
    KvResult r = cluster.exactlyOnce.acknowledged(op.session, a.result);
    if (r instanceof KvResult.Error) {
      // SESSION_EXPIRED: not applied now, and whether an earlier attempt was cannot be told. The
      // write stays unknown; it is never sent again under another session.
      stat(Stats.Kind.SESSION_EXPIRED);
      if (!op.finished) {
        op.record.unknown();
        finish(op);
        if (c.session == op.session.id()) {
          c.session = 0;
        }
      }
      return;
    }
    if (op.finished) {
      // A late answer to another attempt: the first result again (checked above).
      stat(Stats.Kind.DUPLICATE_RESULT);
      return;
    }
    cluster.trace.add("ack", a.node.id, c.number, r.index());
    if (r instanceof KvResult.Put put) {
      op.record.ok(Result.written(put.version()), a.doneAt);
      cluster.floors.writeAcked(op.key, put.index());
      c.seen.put(op.key, new KvEntry(bytes(op.key), bytes(op.value), 0, put.index(),
          put.version()));
      stat(Stats.Kind.WRITE_ACKED);
    } else {
      KvResult.CompareAndSwap cas = (KvResult.CompareAndSwap) r;
      op.record.ok(Result.swapped(cas.succeeded()), a.doneAt);
      if (cas.succeeded()) {
        cluster.floors.writeAcked(op.key, cas.index());
        c.seen.remove(op.key); // its version is not reported
        stat(Stats.Kind.CAS_SWAPPED);
      } else {
        if (cas.prevKv() != null) {
          cluster.floors.observed(op.key, cas.prevKv().modIndex());
          c.seen.put(op.key, cas.prevKv());
        } else {
          c.seen.remove(op.key);
        }
        stat(Stats.Kind.CAS_REFUSED);
      }
    }
    op.acked = true;
    c.acked = op.session.sequence();
    c.leaderGuess = a.node.id;
    finish(op);
    if (random.nextDouble() < params.closeSessionRate) {
      closeSession(c, a.node);
    }
  }

  // ---------------------------------------------------------------- sessions

  /** Registers a new session (a committed RegisterSession entry: its index is the id). */
  private void startRegister(Client c) {
    c.op = new ClientOp(c, ClientOp.Kind.REGISTER, null, null, null, null, null, null,
        cluster.now());
    advance(c.op, cluster.now());
  }

  private void registered(ClientOp.Attempt a) {
    ClientOp op = a.op;
    KvResult r = cluster.exactlyOnce.acknowledged(null, a.result);
    if (op.finished) {
      return; // a second registration by a duplicate attempt: that session just idles out
    }
    if (!(r instanceof KvResult.SessionOpened opened)) {
      throw new SimulationFailure("a registration was answered " + r);
    }
    stat(Stats.Kind.SESSION_REGISTERED);
    Client c = op.client;
    c.session = opened.sessionId();
    c.nextSeq = 1;
    c.acked = 0;
    c.leaderGuess = a.node.id;
    finish(op);
  }

  /**
   * The client is done with its session: it closes it (without waiting) and registers another
   * before its next write. Attempts of its writes still in flight must then be refused.
   */
  private void closeSession(Client c, SimNode at) {
    if (!at.alive()) {
      return;
    }
    stat(Stats.Kind.SESSION_CLOSED);
    cluster.trace.add("close-session", at.id, c.number, c.session);
    at.loop().propose(KvCommandCodec.encode(
        new KvCommand.CloseSession(at.clock.wallMillis(), c.session)));
    c.session = 0;
  }

  // ---------------------------------------------------------------- reads

  private void startRead(Client c, SimNode target, ReadConsistency forced, String key) {
    SimNode n = target;
    if (n == null) {
      // Clients with stale leader caches: some reads go to any node that believes it leads
      // (possibly a deposed leader that has not noticed yet), some to any node (forwarded).
      int how = random.nextInt(10);
      n = how < 4 ? pick(c, null) : how < 7 ? cluster.randomSelfDeclaredLeader()
          : cluster.randomAlive();
      if (n == null) {
        n = cluster.randomAlive();
      }
      if (n == null) {
        return;
      }
    }
    ReadConsistency mode = forced != null ? forced
        : random.nextDouble() < params.staleReadFraction ? ReadConsistency.STALE
        : random.nextDouble() < params.leaseFraction ? ReadConsistency.LEASE
        : ReadConsistency.LINEARIZABLE;
    History.Pending record = mode == ReadConsistency.STALE ? null
        : history.invoke(c.number, Call.get(key), stamp());
    ClientOp op = new ClientOp(c, ClientOp.Kind.GET, key, null, null, mode, null, record,
        cluster.now());
    op.floors = cluster.floors.readIssued(key, cluster.safety.maxCommitted());
    c.op = op;
    ClientOp.Attempt a = new ClientOp.Attempt(op, n, cluster.now());
    op.attempts.add(a);
    cluster.trace.add("read", n.id, c.number, mode.ordinal());
    NodeLoop<KvStateMachine> loop = n.loop();
    byte[] k = bytes(key);
    loop.read(mode, sm -> new ClientOp.View(sm.get(k).orElse(null), loop.appliedIndex()))
        .whenComplete((v, e) -> completed(a, v, e));
  }

  private void readDone(ClientOp.Attempt a) {
    ClientOp op = a.op;
    if (op.finished) {
      return; // abandoned already
    }
    if (a.error != null) {
      if (!(a.error instanceof NodeException e) || (e.reason() != Reason.UNAVAILABLE
          && e.reason() != Reason.SHUTTING_DOWN)) {
        throw new SimulationFailure("read " + op + " failed with " + a.error);
      }
      cluster.trace.add("read-failed", a.node.id, op.client.number, 0);
      stat(Stats.Kind.READ_FAILED);
      if (op.record != null) {
        op.record.failed();
      }
      op.client.leaderGuess = e.leaderId();
      finish(op);
      return;
    }
    KvEntry e = a.view.entry();
    long valueIndex = e == null ? 0 : e.modIndex();
    String value = e == null ? null : new String(e.value(), StandardCharsets.UTF_8);
    cluster.trace.add("read-ok", a.node.id, op.client.number, valueIndex);
    if (a.node.disk.full()) {
      stat(Stats.Kind.READ_ON_FULL_DISK);
    }
    if (op.mode == ReadConsistency.STALE) {
      stat(Stats.Kind.STALE_READ);
      ExactlyOnce.Write w = valueIndex == 0 ? null : cluster.exactlyOnce.writeAt(valueIndex);
      if (valueIndex != 0 && (w == null || !w.key().equals(op.key) || !w.value().equals(value)
          || cluster.safety.committedTerm(valueIndex) < 0)) {
        throw new SimulationFailure("stale read of " + op.key + " on " + a.node.id + " returned "
            + value + " written at " + valueIndex + ", which is not a committed write of it ("
            + w + ")");
      }
    } else {
      stat(op.mode == ReadConsistency.LEASE ? Stats.Kind.LEASE_READ : Stats.Kind.INDEX_READ);
      cluster.floors.readServed(a.node.id, op.mode + " read by " + op.client.name, op.key,
          op.floors, a.view.appliedIndex(), valueIndex);
      op.record.ok(Result.read(value, e == null ? 0 : e.version()), a.doneAt);
    }
    if (e == null) {
      op.client.seen.remove(op.key);
    } else {
      op.client.seen.put(op.key, e);
    }
    finish(op);
  }

  // ---------------------------------------------------------------- outcomes

  /** A future completed (inside a step): the outcome is handled by the next {@link #drain}. */
  private void completed(ClientOp.Attempt a, Object value, Throwable error) {
    a.complete(value, error, stamp());
    completed.add(a);
  }

  /** Handles the outcomes of the attempts completed since the last call (after every step). */
  void drain() {
    Runnable r;
    while ((r = probeOutcomes.poll()) != null) {
      r.run();
    }
    ClientOp.Attempt a;
    while ((a = completed.poll()) != null) {
      if (a.op.kind == ClientOp.Kind.GET) {
        readDone(a);
      } else {
        writeDone(a);
      }
    }
  }

  private void finish(ClientOp op) {
    op.finished = true;
    if (op.client.op == op) {
      op.client.op = null;
    }
  }

  private void stat(Stats.Kind k) {
    cluster.stats.add(k);
  }

  private static Call.Expect expectation(KvCommand.Expect e) {
    return switch (e.kind()) {
      case VALUE -> Call.Expect.value(new String(e.value(), StandardCharsets.UTF_8));
      case VERSION -> Call.Expect.version(e.version());
      case ABSENT -> Call.Expect.absent();
    };
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
