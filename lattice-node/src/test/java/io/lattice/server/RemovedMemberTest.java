package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.node.MemberRemovedException;
import io.lattice.node.NodeConfig;
import io.lattice.raft.Role;
import io.lattice.storage.RemovalRecord;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A member removed from the cluster learns it from the leader, which refuses its messages once the
 * removal is committed; it logs that it was removed, stops, records it in its data directory and
 * refuses to start there again (etcd: "the member has been permanently removed from the cluster").
 * Before, it kept running and answered "leadership could not be confirmed" forever.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RemovedMemberTest {
  @TempDir Path tmp;
  private final Map<String, String> cluster = new LinkedHashMap<>();
  private final Map<String, NodeServer> servers = new LinkedHashMap<>();

  @AfterEach
  void closeAll() {
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }

  @Test
  void aRemovedMemberStopsForGoodAndItsDataDirectoryIsRefused() throws Exception {
    for (String id : List.of("n1", "n2", "n3")) {
      cluster.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    for (String id : cluster.keySet()) {
      servers.put(id, NodeServer.start(config(id), node -> List.of()));
    }
    NodeServer leader = awaitLeader();
    String victim = cluster.keySet().stream().filter(id -> !id.equals(leader.node().id()))
        .findFirst().orElseThrow();
    NodeServer removed = servers.get(victim);
    removeWhenNoChangeIsInProgress(leader, victim);

    Throwable why = removed.node().fatalError().get(30, TimeUnit.SECONDS);
    assertThat(why).isInstanceOf(MemberRemovedException.class)
        .hasMessageContaining("member " + victim + " has been permanently removed")
        .hasMessageContaining(leader.node().id());
    removed.node().terminated().get(30, TimeUnit.SECONDS);
    removed.close();
    servers.remove(victim);
    assertThat(RemovalRecord.read(tmp.resolve(victim))).get().asString()
        .contains("permanently removed");

    // The rest of the cluster goes on, and nobody else was told to stop.
    for (NodeServer s : servers.values()) {
      assertThat(s.node().fatalError()).isNotDone();
    }

    // Started again on that directory (as a supervisor would), it refuses at once.
    assertThatThrownBy(() -> NodeServer.start(config(victim), node -> List.of()))
        .isInstanceOf(MemberRemovedException.class)
        .hasMessageContaining("must not start again")
        .hasMessageContaining("lattice member add");
    // ... and the command says so with its own exit code.
    StringWriter err = new StringWriter();
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute("--id", victim, "--data-dir", tmp.resolve(victim).toString(),
        "--listen-client", "127.0.0.1:" + LoopbackPorts.free(), "--initial-cluster", initialCluster(),
        "--insecure");
    assertThat(code).as(err.toString()).isEqualTo(LatticeNodeCommand.EXIT_REMOVED);
    assertThat(err.toString()).contains("was removed from the cluster");
    assertThat(Files.exists(tmp.resolve(victim).resolve(RemovalRecord.FILE_NAME))).isTrue();
  }

  /**
   * A new leader takes a membership change once the first entry of its term committed, and one
   * change at a time (the members publish their client addresses through membership changes).
   */
  private static void removeWhenNoChangeIsInProgress(NodeServer leader, String id)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        leader.node().removeMember(id).get(10, TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.ExecutionException e) {
        if (!(e.getCause() instanceof io.lattice.node.NodeException ne)
            || ne.reason() != io.lattice.errors.Reason.MEMBERSHIP_CHANGE_IN_PROGRESS
            || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private NodeConfig config(String id) {
    return NodeConfig.of(id, tmp.resolve(id), cluster);
  }

  private String initialCluster() {
    StringBuilder b = new StringBuilder();
    cluster.forEach((id, a) -> b.append(b.length() == 0 ? "" : ",").append(id).append('=')
        .append(a));
    return b.toString();
  }

  private NodeServer awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      for (NodeServer s : servers.values()) {
        if (s.node().header() != null && s.node().header().role() == Role.LEADER) {
          return s;
        }
      }
      assertThat(System.nanoTime() - deadline).as("waiting for a leader").isNegative();
      Thread.sleep(20);
    }
  }
}
