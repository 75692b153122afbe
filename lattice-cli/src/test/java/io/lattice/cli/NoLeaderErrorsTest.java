package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

      Cli.Result status = Cli.run("--endpoints", endpoints, "--timeout", "1s", "leader",
          "transfer");
      assertThat(status.code()).as(status.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(status.err()).doesNotContain("DEADLINE_EXCEEDED", "CallOptions");
    }
  }

  @Test
  void noEndpointAnsweringNamesEachAndHowItFailed() {
    String a = "127.0.0.1:" + LocalCluster.freePort();
    String b = "127.0.0.1:" + LocalCluster.freePort();
    Cli.Result r = Cli.run("--endpoints", a + "," + b, "--timeout", "300ms", "get", "k");
    assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.err()).isEqualTo("lattice: get: no leader reachable within 300ms: no endpoint "
        + "answers: " + a + ": unreachable (connection refused); " + b
        + ": unreachable (connection refused)\n");
  }
}
