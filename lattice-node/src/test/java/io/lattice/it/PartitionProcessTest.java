package io.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.lattice.check.Call;
import io.lattice.check.History;
import io.lattice.check.Linearizability;
import io.lattice.check.Result;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.HashRequest;
import io.lattice.proto.v1.HashResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.ResponseHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Partitions, crashes and pauses of real lattice-node processes under a concurrent client load,
 * with the client history checked for linearizability (DESIGN §7.5).
 *
 * <p>Three members dial each other through a {@link FaultProxy}; {@value #CLIENTS} client threads
 * talk to the members directly and run puts, gets (lease reads on the leader, linearizable reads on
 * the leader and through any member), compare-and-swaps and deletes on {@value #KEYS} keys, each operation recorded with its invocation
 * and completion times in a {@link History}. A write rejected before it could take effect (not the
 * leader, unavailable, ...) is left out; a write whose fate is unknown (indeterminate, deadline
 * exceeded, connection broken) is recorded as such: it may have taken effect at any moment after its
 * invocation, or never. Meanwhile, each round:
 *
 * <ol>
 *   <li>isolates the leader (both directions blackholed), then heals;
 *   <li>cuts a follower off (its connections reset and refused), then heals;
 *   <li>kills the leader with SIGKILL, restarts it;
 *   <li>freezes the leader with SIGSTOP for longer than an election timeout, then SIGCONT.
 * </ol>
 *
 * Then the load stops and the test checks that the history is linearizable ({@link
 * Linearizability}: a failure names the key and the operations that show it), that the clients
 * got work done in spite of the faults, and that all members hold the same state (hash at one
 * applied index).
 *
 * <p>The default is one round (about 40 s with start-up). A longer campaign: {@code
 * -Dlattice.partition.rounds=N} runs N rounds on the same cluster, e.g. {@code mvn -pl lattice-node
 * -am test -Dtest=PartitionProcessTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dlattice.partition.rounds=20}.
 */
class PartitionProcessTest extends ProcessClusterTest {
  static final int ROUNDS = ItProperties.intValue("lattice.partition.rounds", 1);
  static final int CLIENTS = 4;
  static final int KEYS = 8;
  /** Client deadline per request: short, so that requests to a cut-off member end soon. */
  static final long CALL_MILLIS = 1500;
  static final Duration START_BOUND = Duration.ofSeconds(90);

  private final History history = new History();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicReference<Throwable> clientError = new AtomicReference<>();
  private final Map<String, Integer> outcomes = new java.util.concurrent.ConcurrentHashMap<>();

  /** Partitions always run with TLS (peers through the proxy: TLS end to end). */
  @Override
  ProcessTls tls() {
    return ProcessTls.tls(tmp.resolve("pki"));
  }

  @Test
  void historyStaysLinearizableThroughPartitionsCrashesAndPauses() {
    // bounded as a whole: start-up, each round and the check (processes are killed after the test)
    assertTimeoutPreemptively(Duration.ofSeconds(300 + 120L * ROUNDS), this::run,
        "the partition test did not finish in time");
  }

  private void run() throws Exception {
    start(3, List.of(), new FaultProxy());
    cluster.awaitLeader(START_BOUND);
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Thread t = new Thread(new Client(c), "partition-client-" + c);
      t.setDaemon(true);
      t.start();
      clients.add(t);
    }
    long t0 = System.nanoTime();
    try {
      Thread.sleep(2000); // load on a healthy cluster first
      for (int r = 1; r <= ROUNDS; r++) {
        round(r);
      }
    } finally {
      stop.set(true);
      for (Thread t : clients) {
        t.join(TimeUnit.SECONDS.toMillis(10));
      }
      cluster.proxy.heal();
      for (NodeProcess n : cluster.nodes) {
        if (n.isAlive()) {
          n.resume(); // harmless if running; a frozen member must not stay frozen
        }
      }
    }
    for (Thread t : clients) {
      assertThat(t.isAlive()).as("%s stopped within 10 s", t.getName()).isFalse();
    }
    assertThat(clientError.get()).as("client thread failure").isNull();
    long faultsMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    long c0 = System.nanoTime();
    Linearizability.Report report = history.check();
    long checkMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c0);
    System.out.printf("partitions: %d round(s) in %d ms, %d operations (%s), outcomes %s; "
        + "checked in %d ms: %s%n", ROUNDS, faultsMillis, history.size(), history.summary(),
        new java.util.TreeMap<>(outcomes), checkMillis, report.describe());
    assertThat(report.verdict()).as(report.describe())
        .isEqualTo(Linearizability.Verdict.LINEARIZABLE);
    assertThat(outcomes.getOrDefault("write ok", 0)).as("acknowledged writes")
        .isGreaterThan(20 * ROUNDS);
    assertThat(outcomes.getOrDefault("read ok", 0)).as("served reads")
        .isGreaterThan(20 * ROUNDS);
    assertReplicasAgree();
  }

  /** One round of faults (see the class comment). */
  private void round(int r) throws Exception {
    NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
    System.out.printf("round %d: isolating leader %s%n", r, leader.id);
    cluster.proxy.isolate(leader.id, cluster.ids(), FaultProxy.Mode.BLACKHOLE);
    Thread.sleep(3000); // cut off on purpose: the others elect a new leader meanwhile
    cluster.proxy.heal();
    Thread.sleep(1500);

    leader = cluster.awaitLeader(ELECTION_BOUND);
    NodeProcess l = leader;
    NodeProcess follower = cluster.nodes.stream().filter(n -> n != l).findFirst().orElseThrow();
    System.out.printf("round %d: cutting off follower %s%n", r, follower.id);
    cluster.proxy.isolate(follower.id, cluster.ids(), FaultProxy.Mode.DROP);
    Thread.sleep(2500);
    cluster.proxy.heal();
    Thread.sleep(1500);

    leader = cluster.awaitLeader(ELECTION_BOUND);
    System.out.printf("round %d: kill -9 leader %s%n", r, leader.id);
    leader.kill();
    Thread.sleep(1500);
    leader.start();
    awaitPortOpen(leader, START_BOUND);
    cluster.awaitLeader(ELECTION_BOUND);
    Thread.sleep(1000);

    leader = cluster.awaitLeader(ELECTION_BOUND);
    System.out.printf("round %d: SIGSTOP leader %s%n", r, leader.id);
    leader.pause();
    try {
      Thread.sleep(2500); // frozen on purpose, longer than an election timeout
    } finally {
      leader.resume();
    }
    Thread.sleep(1500);
  }

  private static void awaitPortOpen(NodeProcess n, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", n.port), 200);
        return;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    throw new AssertionError(n.id + "'s port did not open within " + bound + " after restart");
  }

  /** Every member applies the same state: equal hashes at one index. */
  private void assertReplicasAgree() throws InterruptedException {
    NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
    long index = leader.status().getAppliedIndex();
    HashResponse want = leader.cluster(20).hash(HashRequest.newBuilder().setWaitForIndex(index)
        .build());
    for (NodeProcess n : cluster.nodes) {
      HashResponse h = n.cluster(20).hash(HashRequest.newBuilder().setWaitForIndex(index).build());
      assertThat(h.getAppliedIndex()).as("%s hashed at", n.id).isEqualTo(want.getAppliedIndex());
      assertThat(h.getHash()).as("%s state hash at %d", n.id, index).isEqualTo(want.getHash());
    }
  }

  private void count(String outcome) {
    outcomes.merge(outcome, 1, Integer::sum);
  }

  /** One client: one request at a time, each a recorded operation (never retried). */
  private final class Client implements Runnable {
    private final int id;
    private final SplittableRandom rnd;
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    /** The member this client believes leads. */
    private String leaderGuess;
    /** Per key, the value this client last saw (null: absent, or never seen). */
    private final Map<String, String> lastSeen = new HashMap<>();
    private int seq;

    Client(int id) {
      this.id = id;
      this.rnd = new SplittableRandom(1000 + id);
      this.leaderGuess = cluster.nodes.get(id % cluster.nodes.size()).id;
    }

    private KVGrpc.KVBlockingStub kv(String member) {
      String address = cluster.node(member).address();
      ManagedChannel ch = channels.computeIfAbsent(address,
          cluster.tls::channel);
      return KVGrpc.newBlockingStub(ch).withDeadlineAfter(CALL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private String randomMember() {
      return cluster.nodes.get(rnd.nextInt(cluster.nodes.size())).id;
    }

    private void learn(ResponseHeader h) {
      if (!h.getLeaderId().isEmpty()) {
        leaderGuess = h.getLeaderId();
      }
    }

    @Override
    public void run() {
      try {
        while (!stop.get()) {
          step();
        }
      } catch (Throwable t) {
        clientError.compareAndSet(null, t);
      } finally {
        for (ManagedChannel ch : channels.values()) {
          ch.shutdownNow();
        }
      }
    }

    private void step() throws InterruptedException {
      String key = "p/" + rnd.nextInt(KEYS);
      int dice = rnd.nextInt(100);
      if (dice < 35) {
        // a third each: lease read on the leader, linearizable read on the leader, linearizable
        // read through any member (a follower forwards a read index request)
        int kind = rnd.nextInt(3);
        String via = kind == 2 ? randomMember() : leaderGuess;
        ReadConsistency mode = kind == 0 ? ReadConsistency.LEASE : ReadConsistency.LINEARIZABLE;
        History.Pending p = history.invoke(id, Call.get(key), System.nanoTime());
        try {
          GetResponse g = kv(via).get(GetRequest.newBuilder().setKey(bs(key))
              .setConsistency(mode).build());
          String v = g.hasKv() ? g.getKv().getValue().toStringUtf8() : null;
          p.ok(Result.read(v), System.nanoTime());
          lastSeen.put(key, v);
          learn(g.getHeader());
          count("read ok");
        } catch (StatusRuntimeException e) {
          p.failed(); // a read that returned nothing constrains nothing
          count("read failed");
          afterError(e);
        }
        return;
      }
      String value = "c" + id + "-" + (++seq);
      Call call;
      if (dice < 70) {
        call = Call.put(key, value);
      } else if (dice < 90) {
        String seen = lastSeen.get(key);
        call = Call.cas(key, seen == null ? Call.Expect.absent() : Call.Expect.value(seen),
            value);
      } else {
        call = Call.delete(key);
      }
      History.Pending p = history.invoke(id, call, System.nanoTime());
      try {
        Result r = write(leaderGuess, call);
        p.ok(r, System.nanoTime());
        count("write ok");
      } catch (StatusRuntimeException e) {
        if (hadNoEffect(e)) {
          p.failed();
          count("write rejected");
        } else {
          p.unknown();
          count("write unknown");
        }
        afterError(e);
      }
    }

    private Result write(String via, Call call) {
      KVGrpc.KVBlockingStub kv = kv(via);
      if (call instanceof Call.Put put) {
        PutResponse r = kv.put(PutRequest.newBuilder().setKey(bs(put.key()))
            .setValue(bs(put.value())).build());
        learn(r.getHeader());
        lastSeen.put(put.key(), put.value());
        return Result.ok();
      }
      if (call instanceof Call.Cas cas) {
        CompareAndSwapRequest.Builder b = CompareAndSwapRequest.newBuilder().setKey(bs(cas.key()))
            .setNewValue(bs(cas.newValue()));
        if (cas.expect() instanceof Call.Expect.Value v) {
          b.setExpectedValue(bs(v.value()));
        } else {
          b.setExpectedAbsent(true);
        }
        CompareAndSwapResponse r = kv.compareAndSwap(b.build());
        learn(r.getHeader());
        if (r.getSucceeded()) {
          lastSeen.put(cas.key(), cas.newValue());
        } else {
          lastSeen.put(cas.key(), r.hasPrevKv() ? r.getPrevKv().getValue().toStringUtf8() : null);
        }
        return Result.swapped(r.getSucceeded());
      }
      DeleteResponse r = kv.delete(DeleteRequest.newBuilder().setKey(bs(call.key())).build());
      learn(r.getHeader());
      lastSeen.put(call.key(), null);
      return Result.deleted(r.getDeleted());
    }

    /** Follows a NOT_LEADER hint, else tries another member; a short pause when nobody leads. */
    private void afterError(StatusRuntimeException e) throws InterruptedException {
      ErrorInfo info = KvClient.errorInfo(e);
      if (info != null && info.getReason() == ErrorInfo.Reason.NOT_LEADER
          && !info.getLeaderId().isEmpty()) {
        leaderGuess = info.getLeaderId();
        return;
      }
      leaderGuess = randomMember();
      Thread.sleep(20);
    }
  }

  /**
   * Whether a failed write certainly had no effect: the member says so (errors.proto). Anything
   * else (INDETERMINATE, a deadline that expired on the client, a broken connection) may have
   * taken effect.
   */
  static boolean hadNoEffect(StatusRuntimeException e) {
    ErrorInfo info = KvClient.errorInfo(e);
    if (info == null) {
      return false;
    }
    switch (info.getReason()) {
      case NOT_LEADER:
      case UNAVAILABLE:
      case TIMEOUT:
      case TRANSFER_IN_PROGRESS:
      case OVERLOADED:
      case KEY_TOO_LARGE:
      case VALUE_TOO_LARGE:
      case REQUEST_TOO_LARGE:
      case EMPTY_KEY:
      case INVALID_ARGUMENT:
        return true;
      default:
        return false;
    }
  }
}
