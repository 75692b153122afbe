package io.lattice.sim;

import io.lattice.raft.Entry;
import io.lattice.raft.EntryId;
import io.lattice.raft.EntryType;
import io.lattice.raft.RaftException;
import io.lattice.raft.ReadMode;
import io.lattice.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulated clients. Each has a session id and a sequence number and at most one request
 * outstanding: a write (retried with the same sequence number until acknowledged: on NOT_LEADER,
 * on timeout, when the entry is overwritten, when the node dies, when the outcome is unknown) or a
 * read (ReadIndex or lease, on the leader or forwarded by a follower; abandoned on failure).
 *
 * <p>The completion logic is what the gRPC layer will do with {@link io.lattice.node.ApplyListener}
 * callbacks: a proposal succeeded exactly when the entry applied at its index has its term.
 */
final class Clients {
  private final Cluster cluster;
  private final SimParams params;
  private final SplittableRandom random;
  private final List<Client> clients = new ArrayList<>();
  /** Per node: outstanding proposals by index. */
  private final Map<String, TreeMap<Long, Client>> writes = new HashMap<>();
  /** Outstanding reads by request id. */
  private final TreeMap<Long, Client> reads = new TreeMap<>();
  private long nextReadId = 1;
  private boolean issuing = true;

  private enum State { IDLE, WRITE, READ }

  private static final class Client {
    final String id;
    long ackedSeq;
    String leaderGuess;
    State state = State.IDLE;
    long opStart;
    // Write.
    KvCommand command;
    boolean inFlight;
    long nextAttemptAt;
    long deadline;
    String node;
    long index;
    long term;
    // Read.
    long readId;
    String key;
    ReadMode mode;
    LinearizabilityChecker.ReadFloors floors;

    Client(String id) {
      this.id = id;
    }
  }

  Clients(Cluster cluster, SplittableRandom random) {
    this.cluster = cluster;
    this.params = cluster.params;
    this.random = random;
    for (int i = 1; i <= params.clients; i++) {
      clients.add(new Client("c" + i));
    }
  }

  /** Stop starting new operations (outstanding ones still complete). */
  void stopIssuing() {
    issuing = false;
  }

  /** Whether every client is idle: every write it started was acknowledged. */
  boolean allIdle() {
    for (Client c : clients) {
      if (c.state != State.IDLE) {
        return false;
      }
    }
    return true;
  }

  String describe() {
    StringBuilder sb = new StringBuilder();
    for (Client c : clients) {
      sb.append("  ").append(c.id).append(' ').append(c.state).append(" acked=").append(c.ackedSeq);
      if (c.state == State.WRITE) {
        sb.append(" seq=").append(c.command.seq()).append(" inFlight=").append(c.inFlight)
            .append(" node=").append(c.node).append(" at ").append(c.index).append('@').append(c.term)
            .append(" since ").append(c.opStart);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  void tick() {
    long now = cluster.now();
    for (Client c : clients) {
      switch (c.state) {
        case IDLE -> {
          if (issuing && random.nextDouble() < params.opRate) {
            if (random.nextDouble() < params.readFraction) {
              startRead(c);
            } else {
              c.state = State.WRITE;
              c.opStart = now;
              c.command = new KvCommand(c.id, c.ackedSeq + 1, key(), c.id + ":" + (c.ackedSeq + 1));
              c.nextAttemptAt = now;
              c.inFlight = false;
            }
          }
        }
        case WRITE -> {
          if (c.inFlight && now >= c.deadline) {
            forget(c);
            c.leaderGuess = null;
            c.nextAttemptAt = now;
          }
          if (!c.inFlight && now >= c.nextAttemptAt) {
            attemptWrite(c);
          }
        }
        case READ -> {
          if (now >= c.deadline) {
            reads.remove(c.readId);
            c.state = State.IDLE;
          }
        }
      }
    }
  }

  private String key() {
    return "k" + random.nextInt(params.keys);
  }

  private SimNode pick(Client c) {
    SimNode n = c.leaderGuess == null ? null : cluster.node(c.leaderGuess);
    if (n == null || !n.alive()) {
      n = cluster.randomAlive();
    }
    return n;
  }

  private void attemptWrite(Client c) {
    SimNode n = pick(c);
    if (n == null) {
      c.nextAttemptAt = cluster.now() + 1;
      return;
    }
    byte[] data = c.command.encode();
    EntryId[] landed = new EntryId[1];
    RaftException[] refused = new RaftException[1];
    cluster.run(n, r -> {
      try {
        landed[0] = r.propose(data);
      } catch (RaftException e) {
        refused[0] = e;
      }
    }, false);
    if (landed[0] == null) {
      String hint = refused[0] == null ? null : refused[0].leaderHint();
      c.leaderGuess = hint != null && !hint.equals(n.id) ? hint : null;
      c.nextAttemptAt = cluster.now() + 1 + random.nextInt(3);
      return;
    }
    if (!n.alive()) {
      c.nextAttemptAt = cluster.now() + 1;
      return;
    }
    c.inFlight = true;
    c.node = n.id;
    c.index = landed[0].index();
    c.term = landed[0].term();
    c.deadline = cluster.now() + params.writeTimeout;
    c.leaderGuess = n.id;
    Client other = writes.computeIfAbsent(n.id, k -> new TreeMap<>()).put(c.index, c);
    if (other != null && other != c) {
      // The node proposed twice at one index within one life: only possible after a truncation,
      // i.e. the earlier proposal was lost; retry it.
      retry(other);
    }
    cluster.trace.add("propose", n.id, c.index, c.term);
  }

  private void startRead(Client c) {
    // Clients with stale leader caches: some reads go to any node that believes it leads
    // (possibly a deposed leader that has not noticed yet), some to any node (forwarded).
    int how = random.nextInt(10);
    SimNode n = how < 4 ? pick(c) : how < 7 ? cluster.randomSelfDeclaredLeader() : cluster.randomAlive();
    if (n == null) {
      n = cluster.randomAlive();
    }
    if (n == null) {
      return;
    }
    c.state = State.READ;
    c.opStart = cluster.now();
    c.readId = nextReadId++;
    c.key = key();
    c.mode = random.nextDouble() < params.leaseFraction ? ReadMode.LEASE : ReadMode.LINEARIZABLE;
    c.floors = cluster.lin.readIssued(c.key, cluster.safety.maxCommitted());
    c.node = n.id;
    c.deadline = cluster.now() + params.readTimeout;
    reads.put(c.readId, c);
    long id = c.readId;
    ReadMode mode = c.mode;
    cluster.trace.add("read", n.id, id, mode.ordinal());
    cluster.run(n, r -> r.readIndex(id, mode), false);
  }

  /** Drops the current write attempt's bookkeeping (its entry may still commit: dedupe). */
  private void forget(Client c) {
    TreeMap<Long, Client> m = writes.get(c.node);
    if (m != null && m.get(c.index) == c) {
      m.remove(c.index);
    }
    c.inFlight = false;
  }

  private void retry(Client c) {
    cluster.stats.add(Stats.Kind.WRITE_RETRY);
    c.inFlight = false;
    c.nextAttemptAt = cluster.now() + 1;
  }

  // ---------------------------------------------------------------- node callbacks

  void applied(SimNode node, Entry entry, byte[] result) {
    TreeMap<Long, Client> m = writes.get(node.id);
    if (m == null) {
      return;
    }
    Client c = m.remove(entry.index());
    if (c == null) {
      return;
    }
    if (entry.term() != c.term) {
      retry(c); // overwritten by another leader's entry: the proposal was lost
      return;
    }
    if (entry.type() != EntryType.COMMAND) {
      throw new SimulationFailure("proposal " + c.index + "@" + c.term + " applied as " + entry);
    }
    long effect = KvCommand.decodeResult(result);
    long[] atEffect = cluster.safety.appliedAt(effect);
    long expected = Arrays.hashCode(c.command.encode()) * 4L + EntryType.COMMAND.code();
    if (atEffect == null || atEffect[1] != expected) {
      throw new SimulationFailure("exactly-once: " + c.id + " seq " + c.command.seq()
          + " acknowledged with result index " + effect + ", which holds another entry");
    }
    cluster.lin.writeAcked(c.command.key(), effect, entry.index());
    cluster.trace.add("ack", c.id, c.command.seq(), effect);
    c.ackedSeq = c.command.seq();
    c.inFlight = false;
    c.state = State.IDLE;
    c.leaderGuess = node.id;
  }

  /** Proposals at or below the snapshot have an unknown outcome: retry (sessions dedupe). */
  void snapshotRestored(SimNode node, SnapshotMeta meta) {
    TreeMap<Long, Client> m = writes.get(node.id);
    if (m == null) {
      return;
    }
    for (Client c : new ArrayList<>(m.headMap(meta.index(), true).values())) {
      m.remove(c.index);
      retry(c);
    }
  }

  void nodeCrashed(SimNode node) {
    TreeMap<Long, Client> m = writes.remove(node.id);
    if (m != null) {
      for (Client c : m.values()) {
        retry(c);
        c.leaderGuess = null;
      }
    }
    for (Client c : new ArrayList<>(reads.values())) {
      if (c.node.equals(node.id)) {
        reads.remove(c.readId);
        c.state = State.IDLE;
      }
    }
  }

  void readReady(SimNode node, long requestId, long readIndex) {
    Client c = reads.get(requestId);
    if (c == null || !c.node.equals(node.id)) {
      return;
    }
    reads.remove(requestId);
    KvStateMachine.Versioned v = node.sm().get(c.key);
    cluster.trace.add("read-ok", node.id, requestId, readIndex);
    cluster.stats.add(c.mode == ReadMode.LEASE ? Stats.Kind.LEASE_READ : Stats.Kind.INDEX_READ);
    cluster.lin.readServed(node.id, requestId, c.key, c.floors, readIndex, v == null ? 0 : v.index(),
        c.mode.toString());
    c.state = State.IDLE;
  }

  void readFailed(SimNode node, long requestId) {
    Client c = reads.remove(requestId);
    if (c != null) {
      cluster.trace.add("read-failed", node.id, requestId, 0);
      cluster.stats.add(Stats.Kind.READ_FAILED);
      c.state = State.IDLE;
      c.leaderGuess = null;
    }
  }
}
