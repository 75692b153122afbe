package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.testing.LoopbackPorts;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With no leader, errors say what is wrong in the cluster's terms, from what the reachable
 * members' Status says, and keep gRPC's own wording for -v.
 */
class NoLeaderErrorsTest {
  @Test
  void twoOfThreeDownSaysTheSurvivorHasNoLeaderAndThereIsNoQuorum(@TempDir Path dir) {
    try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
      String endpoints = cluster.endpoints();
      String leader = cluster.awaitLeader();
      String survivor = cluster.follower();
      for (String id : cluster.addresses.keySet().toArray(String[]::new)) {
        if (!id.equals(survivor)) {
          cluster.stop(id);
        }
      }
      assertThat(leader).isNotEqualTo(survivor);
      Cli.Result get = Cli.run("--endpoints", endpoints, "--timeout", "1s", "get", "k");
      assertThat(get.code()).as(get.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(get.err()).as(get.toString()).isEqualTo("lattice: get: no leader reachable "
          + "within 1s: " + survivor + " is up but has no leader (2 of 3 voters unreachable, "
          + "no quorum)\n");

      Cli.Result verbose = Cli.run("--endpoints", endpoints, "--timeout", "1s", "get", "k",
          "-v");
      assertThat(verbose.err()).startsWith(get.err()).contains("io.grpc.StatusRuntimeException");

      Cli.Result list = Cli.run("--endpoints", endpoints, "--timeout", "1s", "member", "list");
      assertThat(list.code()).as(list.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(list.out()).startsWith("ID ").contains(survivor).doesNotContain("yes");
      assertThat(list.err()).isEqualTo("lattice: no leader: " + survivor + " is up but has no "
          + "leader (2 of 3 voters unreachable, no quorum)\n");

      Cli.Result status = Cli.run("--endpoints", endpoints, "--timeout", "1s", "leader",
          "transfer");
      assertThat(status.code()).as(status.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(status.err()).doesNotContain("DEADLINE_EXCEEDED", "CallOptions");
    }
  }

  @Test
  void aMemberTheLeaderNeverHeardFromWasLastContactedNever(@TempDir Path dir) {
    try (LocalCluster cluster = LocalCluster.startWithout(dir, 3, "n3")) {
      LocalCluster.await("the leader's view of n3", () -> {
        Cli.Result r = Cli.run("--endpoints", cluster.endpoints(), "status", "-o", "json");
        return r.out().contains("\"replication\"") ? r : null;
      });
      Cli.Result status = Cli.run("--endpoints", cluster.endpoints(), "status");
      assertThat(status.code()).as(status.toString()).isZero();
      String n3 = status.out().lines().filter(l -> l.startsWith("n3 ")).findFirst().orElseThrow();
      assertThat(n3).contains(" never ").doesNotContain(" ago");
      Cli.Result json = Cli.run("--endpoints", cluster.endpoints(), "status", "-o", "json");
      for (var m : json.json().getAsJsonArray("members")) {
        if (m.getAsJsonObject().get("id").getAsString().equals("n3")) {
          assertThat(m.getAsJsonObject().get("last_contact_ms").getAsLong()).isEqualTo(-1);
        }
      }
    }
  }

  @Test
  void noEndpointAnsweringNamesEachAndHowItFailed() {
    String a = "127.0.0.1:" + LoopbackPorts.free();
    String b = "127.0.0.1:" + LoopbackPorts.free();
    Cli.Result r = Cli.run("--endpoints", a + "," + b, "--timeout", "300ms", "get", "k");
    assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).isEqualTo("lattice: get: no leader reachable within 300ms: no endpoint "
        + "answers: " + a + ": unreachable (connection refused); " + b
        + ": unreachable (connection refused)\n");
  }
}
