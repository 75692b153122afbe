package io.lattice.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.StatusResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How soon a member that comes back hears from the leader again, measured from outside on real
 * processes (3 members, peer traffic through a {@link FaultProxy}, a writer keeping the log
 * growing):
 *
 * <ul>
 *   <li>restart → contacted: a follower is killed (SIGKILL), stays down {@link #DOWN}, is started
 *       again; from the moment its port accepts connections until it follows a leader with a
 *       commit index at least the leader's at that moment (so the leader has sent it entries it
 *       accepted, and it is catching up);
 *   <li>heal → contacted: a follower is cut off from both peers ({@link FaultProxy.Mode#DROP}:
 *       connections reset; then separately {@link FaultProxy.Mode#BLACKHOLE}: nothing gets
 *       through) for {@link #DOWN}; from the heal until the same condition holds.
 * </ul>
 *
 * Status is polled every 20 ms. The default run measures one round of each (about 20 s) and fails
 * when one takes more than {@link #BOUND}; {@code -Dlattice.rejoin.rounds=5} measures five rounds of
 * each and prints the medians. A restarted JVM is itself slow to serve its first calls; the time
 * until it first answers a Status call is printed next to the restart figure.
 */
class RejoinTimeProcessTest extends ProcessClusterTest {
  static final int ROUNDS = ItProperties.intValue("lattice.rejoin.rounds", 1);
  /** How long a member stays down or cut off. */
  static final Duration DOWN = Duration.ofSeconds(3);
  /** The slowest rejoin accepted (the aim is well under 1 s; the machine may be busy). */
  static final Duration BOUND = Duration.ofSeconds(3);
  /** Start-up of three JVMs and the first election, on a machine that may be busy. */
  static final Duration START_BOUND = Duration.ofSeconds(90);
  /** How long to wait for contact at all before giving up on a round. */
  static final Duration CONTACT_BOUND = Duration.ofSeconds(40);

  private final AtomicBoolean stopWriter = new AtomicBoolean();
  private final AtomicLong writes = new AtomicLong();

  @Test
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  void aRestartedOrHealedMemberHearsFromTheLeaderSoon() throws Exception {
    start(3, List.of(), new FaultProxy());
    cluster.awaitLeader(START_BOUND);
    Thread writer = startWriter();
    List<Long> restart = new ArrayList<>();
    List<Long> restartFirstAnswer = new ArrayList<>();
    List<Long> healDrop = new ArrayList<>();
    List<Long> healBlackhole = new ArrayList<>();
    try {
      for (int r = 0; r < ROUNDS; r++) {
        Contact c = restartRound();
        restart.add(c.millis());
        restartFirstAnswer.add(c.firstAnswerMillis());
        healDrop.add(healRound(FaultProxy.Mode.DROP).millis());
        healBlackhole.add(healRound(FaultProxy.Mode.BLACKHOLE).millis());
      }
    } finally {
      stopWriter.set(true);
      writer.join(10_000);
    }
    String report = String.format("rejoin, %d round(s), down %d s, %d writes, load average %s:%n"
        + "  restart -> contacted: median %d ms %s%n"
        + "    (the restarted node's first answer to anyone: median %d ms %s)%n"
        + "  heal (drop) -> contacted: median %d ms %s%n"
        + "  heal (blackhole) -> contacted: median %d ms %s", ROUNDS, DOWN.toSeconds(),
        writes.get(), loadAverage(), median(restart), restart, median(restartFirstAnswer),
        restartFirstAnswer, median(healDrop), healDrop, median(healBlackhole), healBlackhole);
    System.out.println(report);
    for (List<Long> l : List.of(restart, healDrop, healBlackhole)) {
      assertThat(l).as(report).allMatch(ms -> ms <= BOUND.toMillis());
    }
  }

  /**
   * Milliseconds until contact, and until the member first answered a Status call at all (a
   * freshly started JVM is slow to serve its first calls: no rejoin can be faster than that).
   */
  record Contact(long millis, long firstAnswerMillis) {}

  /** Kills a follower, restarts it after DOWN; time from its port opening to contact. */
  private Contact restartRound() throws Exception {
    NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
    NodeProcess f = follower(leader);
    f.kill();
    Thread.sleep(DOWN.toMillis()); // down on purpose: the leader keeps trying
    f.start();
    long open = awaitPortOpen(f, Duration.ofSeconds(60));
    long target = leader.status().getCommitIndex();
    return awaitContact(f, leader, target, open);
  }

  /** Cuts a follower off for DOWN; time from the heal to contact. */
  private Contact healRound(FaultProxy.Mode mode) throws Exception {
    NodeProcess leader = cluster.awaitLeader(ELECTION_BOUND);
    NodeProcess f = follower(leader);
    cluster.proxy.isolate(f.id, cluster.ids(), mode);
    Thread.sleep(DOWN.toMillis()); // cut off on purpose
    long target = leader.status().getCommitIndex();
    assertThat(f.status().getCommitIndex()).as("%s fell behind while cut off (%s)", f.id, mode)
        .isLessThan(target);
    long healed = System.nanoTime();
    cluster.proxy.heal();
    return awaitContact(f, leader, target, healed);
  }

  private NodeProcess follower(NodeProcess leader) {
    return cluster.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
  }

  /** Polls until the port accepts a connection; returns System.nanoTime() then. */
  private static long awaitPortOpen(NodeProcess n, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", n.port), 200);
        return System.nanoTime();
      } catch (IOException e) {
        Thread.sleep(10);
      }
    }
    throw new AssertionError(n.id + "'s port " + n.port + " did not open within " + bound);
  }

  /**
   * Polls {@code f}'s Status every 20 ms until it follows a leader (normally {@code leader}) with a
   * commit index of at least {@code target}; times are since {@code since} (a System.nanoTime()).
   */
  private static Contact awaitContact(NodeProcess f, NodeProcess leader, long target, long since)
      throws InterruptedException {
    long deadline = since + CONTACT_BOUND.toNanos();
    String last = "no answer";
    long heard = -1;
    long answered = -1;
    while (System.nanoTime() < deadline) {
      try {
        StatusResponse s = f.status();
        long now = System.nanoTime();
        if (answered < 0) {
          answered = TimeUnit.NANOSECONDS.toMillis(now - since);
        }
        if (heard < 0 && !s.getLeaderId().isEmpty()) {
          heard = TimeUnit.NANOSECONDS.toMillis(now - since);
        }
        // normally the same leader; on a busy machine leadership may have moved meanwhile
        if (!s.getLeaderId().isEmpty() && s.getCommitIndex() >= target) {
          System.out.printf("%s: answers Status after %d ms, follows %s after %d ms, caught up to"
              + " %d after %d ms%s%n", f.id, answered, s.getLeaderId(), heard, target,
              TimeUnit.NANOSECONDS.toMillis(now - since),
              s.getLeaderId().equals(leader.id) ? "" : " (leadership moved from " + leader.id
                  + ")");
          return new Contact(TimeUnit.NANOSECONDS.toMillis(now - since), answered);
        }
        last = "leader '" + s.getLeaderId() + "', commit " + s.getCommitIndex();
      } catch (RuntimeException e) {
        last = e.toString();
      }
      Thread.sleep(20);
    }
    throw new AssertionError(f.id + " did not follow a leader with commit >= " + target
        + " within " + CONTACT_BOUND + "; last: " + last);
  }

  private Thread startWriter() {
    Thread t = new Thread(() -> {
      try (KvClient wc = new KvClient(cluster.addresses(), cluster.tls)) {
        for (long i = 0; !stopWriter.get(); i++) {
          String key = "r/" + (i % 100);
          try {
            wc.call(Duration.ofSeconds(3), kv -> kv.put(PutRequest.newBuilder().setKey(bs(key))
                .setValue(bs("v")).build()));
            writes.incrementAndGet();
            Thread.sleep(5);
          } catch (RuntimeException | AssertionError e) {
            // unavailable for a moment: keep going
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "rejoin-writer");
    t.setDaemon(true);
    t.start();
    return t;
  }

  static long median(List<Long> l) {
    List<Long> s = l.stream().sorted().collect(Collectors.toList());
    return s.isEmpty() ? -1 : s.get(s.size() / 2);
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
