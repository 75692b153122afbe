package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.proto.v1.HashResponse;
import io.lattice.proto.v1.ResponseHeader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** endpoint health, hash and cluster verify against a real cluster, then with a member down. */
class ClusterChecksTest {
  private static Cli.Result run(LocalCluster c, String... args) {
    String[] all = new String[args.length + 4];
    all[0] = "--endpoints";
    all[1] = c.endpoints();
    all[2] = "--timeout";
    all[3] = "2s";
    System.arraycopy(args, 0, all, 4, args.length);
    return Cli.run(all);
  }

  @Test
  void healthyThenAMemberDown(@TempDir Path dir) {
    try (LocalCluster c = LocalCluster.start(dir, 3)) {
      String leader = c.awaitLeader();
      assertThat(run(c, "put", "a", "1").code()).isZero();
      assertThat(run(c, "put", "b", "2").code()).isZero();

      Cli.Result health = run(c, "endpoint", "health");
      assertThat(health.code()).as(health.toString()).isZero();
      assertThat(health.out().lines()).hasSize(3).allMatch(l -> l.matches(
          "127\\.0\\.0\\.1:\\d+ is healthy: took \\d+\\.\\dms \\(n\\d, (leader|follower of "
              + leader + ")\\)"));
      assertThat(health.out()).contains("(" + leader + ", leader)");
      Cli.Result json = run(c, "endpoint", "health", "--cluster", "-o", "json");
      assertThat(com.google.gson.JsonParser.parseString(json.out()).getAsJsonArray()).hasSize(3);

      Cli.Result verify = run(c, "cluster", "verify");
      assertThat(verify.code()).as(verify.toString()).isZero();
      assertThat(verify.out()).matches("OK: n1, n2, n3 have the same state at index \\d+ "
          + "\\(hash [0-9a-f]{16}, 2 keys\\)\n");

      Cli.Result hash = run(c, "hash");
      assertThat(hash.code()).as(hash.toString()).isZero();
      assertThat(hash.out()).startsWith("ID  ADDRESS").contains("n1  ", "n2  ", "n3  ");

      String down = c.follower();
      String downAddress = c.address(down);
      c.stop(down);
      Cli.Result sick = Cli.run("--endpoints", String.join(",", c.addresses.values()) + ","
          + downAddress, "--timeout", "1s", "endpoint", "health");
      assertThat(sick.code()).as(sick.toString()).isEqualTo(ExitCodes.FAILURE);
      assertThat(sick.out()).containsPattern(downAddress.replace(".", "\\.")
          + " is unhealthy: took \\d+\\.\\dms: unreachable \\(connection refused\\)\n");
      assertThat(sick.out().lines().filter(l -> l.contains(" is healthy"))).hasSize(2);

      Cli.Result partial = run(c, "cluster", "verify");
      assertThat(partial.code()).as(partial.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(partial.out()).startsWith("INCOMPLETE: ").contains("have the same state")
          .contains(down + ": not compared: ");
      assertThat(run(c, "hash").code()).isEqualTo(ExitCodes.FAILURE);
    }
  }

  private static StateHashes.Probe probe(String id, long hash, long index, long keys) {
    return new StateHashes.Probe(id, "127.0.0.1:1", HashResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setMemberId(id)).setHash(hash)
        .setAppliedIndex(index).setKeyCount(keys).build(), null);
  }

  @Test
  void theMemberThatDiffersFromTheMajorityIsNamed() {
    StateHashes.Verdict v = StateHashes.verdict(List.of(probe("n1", 0xabc, 9, 4),
        probe("n2", 0xdef, 9, 3), probe("n3", 0xabc, 9, 4)));
    assertThat(v.differing()).containsExactly("n2");
    assertThat(v.text()).isEqualTo("MISMATCH at index 9: n2 differs (hash 0000000000000def, 3 "
        + "keys); n1, n3 have 0000000000000abc (4 keys)");
    StateHashes.Verdict tie = StateHashes.verdict(List.of(probe("n1", 1, 9, 4),
        probe("n2", 2, 9, 4)));
    assertThat(tie.differing()).containsExactly("n1", "n2");
    assertThat(tie.text()).startsWith("MISMATCH at index 9, no majority: n1 has ");
    StateHashes.Verdict behind = StateHashes.verdict(List.of(probe("n1", 1, 9, 4),
        probe("n2", 1, 9, 4), probe("n3", 5, 8, 4)));
    assertThat(behind.differing()).isEmpty();
    assertThat(behind.notCompared()).containsOnlyKeys("n3");
    assertThat(behind.ok()).isFalse();
  }
}
