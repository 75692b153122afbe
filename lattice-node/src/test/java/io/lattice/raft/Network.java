package io.lattice.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A tiny deterministic test harness: a set of cores whose Ready outputs are "persisted" into an
 * in-memory store, whose messages are queued, and delivered only when a test says so. There is no
 * clock other than explicit {@link #tick} calls and no randomness other than seeded generators.
 */
final class Network {
  /** One server: the core plus what it has made durable and applied. */
  static final class Node {
    final String id;
    final RaftConfig cfg;
    final long seed;
    Raft raft;
    HardState hardState = HardState.INITIAL;
    SnapshotMeta snapshot;
    final TreeMap<Long, Entry> stored = new TreeMap<>();
    final List<Entry> applied = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    final List<Ready> readies = new ArrayList<>();
    int restarts;

    Node(String id, RaftConfig cfg, long seed, Membership bootstrap) {
      this.id = id;
      this.cfg = cfg;
      this.seed = seed;
      this.snapshot = SnapshotMeta.initial(bootstrap);
      this.raft = new Raft(cfg, RestoredState.bootstrap(bootstrap), new Random(seed));
    }

    /** Persist → (collect messages) → apply → advance, as the driver does. */
    Ready handle(List<Message> sent) {
      if (!raft.hasReady()) {
        return null;
      }
      Ready rd = raft.ready();
      persist(rd);
      sent.addAll(rd.messages());
      if (rd.snapshot() != null) {
        applied.clear(); // the state machine is replaced by the snapshot
      }
      applied.addAll(rd.committedEntries());
      readStates.addAll(rd.readStates());
      readies.add(rd);
      raft.advance(rd);
      return rd;
    }

    void persist(Ready rd) {
      if (rd.snapshot() != null) {
        snapshot = rd.snapshot();
        stored.clear();
      }
      if (rd.hardState() != null) {
        hardState = rd.hardState();
      }
      if (!rd.entries().isEmpty()) {
        stored.tailMap(rd.entries().get(0).index(), true).clear();
        for (Entry e : rd.entries()) {
          stored.put(e.index(), e);
        }
      }
    }

    /** A crash and restart from what was persisted. Volatile state is lost. */
    void restart() {
      restarts++;
      applied.clear(); // the state machine is rebuilt by replaying the log from the snapshot
      raft = new Raft(cfg, new RestoredState(hardState, snapshot, new ArrayList<>(stored.values())),
          new Random(seed + 1000L * restarts));
    }

    long lastAppliedIndex() {
      return applied.isEmpty() ? snapshot.index() : applied.get(applied.size() - 1).index();
    }
  }

  final Map<String, Node> nodes = new TreeMap<>();
  final Deque<Message> inFlight = new ArrayDeque<>();
  /** Every message ever delivered or dropped, in order. */
  final List<Message> history = new ArrayList<>();
  private final Set<String> isolated = new HashSet<>();
  private final Set<String> cuts = new HashSet<>();
  private Predicate<Message> dropFilter = m -> false;

  /** Cluster of voters {@code ids} with config made by {@code cfg}. */
  static Network of(Function<String, RaftConfig> cfg, String... ids) {
    Network n = new Network();
    Membership m = Membership.ofVoterIds(ids);
    long seed = 1;
    for (String id : ids) {
      n.nodes.put(id, new Node(id, cfg.apply(id), seed++, m));
    }
    return n;
  }

  /** Plain Raft: no pre-vote, no check-quorum. */
  static RaftConfig plain(String id) {
    return RaftConfig.defaults(id).withPreVote(false, false);
  }

  static Network plain(String... ids) {
    return of(Network::plain, ids);
  }

  /** Adds a server that joins an existing cluster (empty bootstrap membership). */
  Node addJoiner(String id, RaftConfig cfg) {
    Node n = new Node(id, cfg, 100 + nodes.size(), Membership.EMPTY);
    nodes.put(id, n);
    return n;
  }

  Node node(String id) {
    return nodes.get(id);
  }

  Raft raft(String id) {
    return nodes.get(id).raft;
  }

  /** Handles the Ready of {@code id} (if any) and queues its messages. */
  Ready process(String id) {
    List<Message> sent = new ArrayList<>();
    Ready rd = nodes.get(id).handle(sent);
    for (Message m : sent) {
      send(m);
    }
    return rd;
  }

  void processAll() {
    for (String id : nodes.keySet()) {
      process(id);
    }
  }

  void send(Message m) {
    if (isolated.contains(m.from()) || isolated.contains(m.to())
        || cuts.contains(m.from() + "|" + m.to()) || dropFilter.test(m)) {
      history.add(m);
      return;
    }
    inFlight.addLast(m);
  }

  /** Delivers one queued message. */
  void deliver(Message m) {
    history.add(m);
    Node n = nodes.get(m.to());
    if (n != null) {
      n.raft.step(m);
    }
  }

  /** Delivers every message currently queued (not those they cause). */
  void deliverAll() {
    List<Message> batch = new ArrayList<>(inFlight);
    inFlight.clear();
    for (Message m : batch) {
      deliver(m);
    }
  }

  /** Removes and returns the queued messages matching {@code p}. */
  List<Message> take(Predicate<Message> p) {
    List<Message> out = new ArrayList<>();
    for (Iterator<Message> it = inFlight.iterator(); it.hasNext(); ) {
      Message m = it.next();
      if (p.test(m)) {
        out.add(m);
        it.remove();
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  <T extends Message> List<T> take(Class<T> type) {
    return (List<T>) take(type::isInstance);
  }

  <T extends Message> List<T> take(Class<T> type, String to) {
    List<T> out = new ArrayList<>();
    for (Message m : take(x -> type.isInstance(x) && x.to().equals(to))) {
      out.add(type.cast(m));
    }
    return out;
  }

  /** Queued messages matching {@code type}, left in place. */
  <T extends Message> List<T> peek(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Message m : inFlight) {
      if (type.isInstance(m)) {
        out.add(type.cast(m));
      }
    }
    return out;
  }

  void clear() {
    inFlight.clear();
  }

  /** Process and deliver until nothing is left to do. */
  void stabilize() {
    for (int round = 0; round < 10_000; round++) {
      boolean any = false;
      for (Node n : nodes.values()) {
        if (n.raft.hasReady()) {
          any = true;
          process(n.id);
        }
      }
      if (!inFlight.isEmpty()) {
        any = true;
        deliverAll();
      }
      if (!any) {
        return;
      }
    }
    throw new AssertionError("network did not stabilize");
  }

  void tick(String id, int n) {
    for (int i = 0; i < n; i++) {
      nodes.get(id).raft.tick();
    }
  }

  void tickAll(int n) {
    for (int i = 0; i < n; i++) {
      for (Node node : nodes.values()) {
        node.raft.tick();
      }
    }
  }

  /** Ticks every node once and stabilizes, {@code n} times. */
  void tickAndStabilize(int n) {
    for (int i = 0; i < n; i++) {
      for (Node node : nodes.values()) {
        node.raft.tick();
      }
      stabilize();
    }
  }

  /** Makes {@code id} campaign (skipping any timeout) and runs the election to completion. */
  void elect(String id) {
    raft(id).campaign();
    stabilize();
    if (raft(id).role() != Role.LEADER) {
      throw new AssertionError(id + " did not win: " + raft(id).status());
    }
  }

  void isolate(String id) {
    isolated.add(id);
  }

  void cut(String a, String b) {
    cuts.add(a + "|" + b);
    cuts.add(b + "|" + a);
  }

  void heal() {
    isolated.clear();
    cuts.clear();
    dropFilter = m -> false;
  }

  void dropIf(Predicate<Message> p) {
    dropFilter = p;
  }

  Raft leader() {
    Raft found = null;
    for (Node n : nodes.values()) {
      if (n.raft.role() == Role.LEADER) {
        if (found != null && found.term() == n.raft.term()) {
          throw new AssertionError("two leaders in term " + found.term());
        }
        if (found == null || n.raft.term() > found.term()) {
          found = n.raft;
        }
      }
    }
    return found;
  }

  /** Proposes on the leader {@code id} and stabilizes; returns the entry id. */
  EntryId propose(String id, String data) {
    EntryId e = raft(id).propose(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    stabilize();
    return e;
  }

  static String text(Entry e) {
    return new String(e.data(), java.nio.charset.StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ single-core helpers

  /** A fresh core of a cluster of voters {@code ids}, as server {@code self}. */
  static Raft core(RaftConfig cfg, String... ids) {
    return new Raft(cfg, RestoredState.bootstrap(Membership.ofVoterIds(ids)), new Random(7));
  }

  /** A core restarted from a hard state and a log (no snapshot). */
  static Raft core(RaftConfig cfg, HardState hs, List<Entry> log, String... ids) {
    return new Raft(cfg,
        new RestoredState(hs, SnapshotMeta.initial(Membership.ofVoterIds(ids)), log),
        new Random(7));
  }

  /** Takes the Ready (if any) and advances at once, as if persisting were instantaneous. */
  static Ready cycle(Raft r) {
    if (!r.hasReady()) {
      return new Ready(null, null, null, List.of(), List.of(), List.of(), List.of());
    }
    Ready rd = r.ready();
    r.advance(rd);
    return rd;
  }

  /** The messages of one Ready cycle. */
  static List<Message> msgs(Raft r) {
    return cycle(r).messages();
  }

  /** Campaigns and grants every vote (pre-vote and vote) the core asks for, until it leads. */
  static void win(Raft r) {
    r.campaign();
    for (int i = 0; i < 4 && r.role() != Role.LEADER; i++) {
      for (Message m : cycle(r).messages()) {
        if (m instanceof Message.VoteRequest vr) {
          r.step(new Message.VoteResponse(vr.to(), r.id(), vr.term(), vr.preVote(), true));
        }
      }
    }
    if (r.role() != Role.LEADER) {
      throw new AssertionError(r.id() + " did not become leader");
    }
  }

  /** A successful AppendResponse from {@code from} to leader {@code r}. */
  static Message.AppendResponse ack(Raft r, String from, long match) {
    return new Message.AppendResponse(from, r.id(), r.term(), true, match, 0, 0, 0);
  }

  static Message.AppendRequest app(String from, String to, long term, long prevIndex, long prevTerm,
      List<Entry> entries, long commit) {
    return new Message.AppendRequest(from, to, term, prevIndex, prevTerm, entries, commit);
  }

  /** Puts a leader-less network node back in contact with everyone. */
  void rejoin(String id) {
    isolated.remove(id);
  }

  /** Replaces {@code id}'s durable state and restarts it from there. */
  Node restore(String id, HardState hs, List<Entry> log) {
    Node n = nodes.get(id);
    n.hardState = hs;
    n.stored.clear();
    for (Entry e : log) {
      n.stored.put(e.index(), e);
    }
    n.restart();
    return n;
  }

  /** Takes a snapshot of {@code id}'s state machine at its applied index and compacts. */
  SnapshotMeta compact(String id) {
    Node n = nodes.get(id);
    SnapshotMeta meta = n.raft.snapshotMetaAt(n.raft.appliedIndex());
    long dropThrough = n.raft.compact(meta);
    n.snapshot = meta;
    n.stored.headMap(dropThrough, true).clear();
    return meta;
  }

  /** Campaigns until {@code id} wins (a few attempts: the first may only teach it the term). */
  void electEventually(String id) {
    for (int i = 0; i < 5; i++) {
      raft(id).campaign();
      stabilize();
      if (raft(id).role() == Role.LEADER) {
        return;
      }
    }
    throw new AssertionError(id + " did not win: " + raft(id).status());
  }

  /** The terms of the entries {@code id} holds (from its first retained index). */
  List<Long> logTerms(String id) {
    Raft r = raft(id);
    List<Long> out = new ArrayList<>();
    for (long i = r.firstIndex(); i <= r.lastIndex(); i++) {
      out.add(r.entry(i).term());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static <T extends Message> List<T> only(List<Message> ms, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Message m : ms) {
      if (type.isInstance(m)) {
        out.add((T) m);
      }
    }
    return out;
  }

  /** Entries 1..n with the given terms. */
  static List<Entry> entries(long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(Entry.command(terms[i], i + 1, new byte[] {(byte) i}));
    }
    return out;
  }

  static List<Entry> entriesFrom(long firstIndex, long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(Entry.command(terms[i], firstIndex + i, new byte[] {(byte) i}));
    }
    return out;
  }
}
