package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.lattice.server.NodeCommandLines;
import io.lattice.node.NodeConfig;
import io.lattice.testing.LoopbackPorts;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * status, member, leader transfer and snapshot against a real 3-node cluster. The last test stops
 * a member, so the order is fixed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminCommandsTest extends ClusterTest {
  @Test
  @Order(1)
  void statusShowsEveryMemberWithTheLeadersView() {
    lattice("put", "k", "v");
    String leader = cluster.awaitLeader();
    Cli.Result text = lattice("status");
    assertThat(text.code()).as(text.toString()).isZero();
    List<String> lines = text.out().lines().toList();
    assertThat(lines.get(0)).matches("cluster lattice: leader " + leader
        + ", term \\d+; 3 of 3 members reachable");
    assertThat(lines.get(1)).matches("ID +CLIENT ADDRESS +PEER ADDRESS +ROLE +TERM +COMMIT +APPLIED +LAG +LAST CONTACT"
        + " +SNAPSHOT +LOG SIZE +ERRORS");
    assertThat(lines).hasSize(5);
    assertThat(lines.stream().filter(l -> l.startsWith(leader + " ")).findFirst().orElseThrow())
        .contains(" leader ").contains("(leader)");

    JsonObject json = lattice("status", "-o", "json").json();
    assertThat(json.get("leader_id").getAsString()).isEqualTo(leader);
    JsonArray members = json.getAsJsonArray("members");
    assertThat(members).hasSize(3);
    for (JsonElement e : members) {
      JsonObject m = e.getAsJsonObject();
      assertThat(m.get("reachable").getAsBoolean()).isTrue();
      assertThat(m.get("error").isJsonNull()).isTrue();
      assertThat(m.get("applied_index").getAsLong()).isPositive();
      if (!m.get("id").getAsString().equals(leader)) {
        assertThat(m.get("lag").getAsLong()).isNotNegative();
        assertThat(m.has("last_contact_ms")).isTrue();
      }
    }
  }

  @Test
  @Order(2)
  void memberListMarksTheLeader() {
    String leader = cluster.awaitLeader();
    Cli.Result r = lattice("member", "list");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out().lines().toList()).hasSize(4);
    assertThat(r.out()).containsPattern(leader + " +" + cluster.address(leader) + " +"
        + cluster.peerAddress(leader) + " +voter +yes");
    JsonArray members = lattice("member", "list", "-o", "json").json().getAsJsonArray("members");
    assertThat(members).hasSize(3);
  }

  @Test
  @Order(3)
  void snapshotDefaultsToTheLeaderAndCanTargetAMember() {
    String leader = cluster.awaitLeader();
    Cli.Result r = lattice("snapshot");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).matches(leader + ": snapshot at index \\d+ \\(term \\d+\\)\n");
    String follower = cluster.follower();
    JsonObject json = lattice("snapshot", "--member", follower, "-o", "json").json();
    assertThat(json.get("member_id").getAsString()).isEqualTo(follower);
    assertThat(json.get("snapshot_index").getAsLong()).isPositive();
    assertThat(lattice("snapshot", "--member", "n9").code()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  @Order(4)
  void leaderTransferFindsTheLeaderAndWaitsForTheNewOne() {
    String leader = cluster.awaitLeader();
    String follower = cluster.follower();
    // pointed at a follower only: the CLI still finds the leader itself
    Cli.Result r = Cli.run("--endpoints", cluster.address(follower), "leader", "transfer",
        follower);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).matches("Leadership moved from " + leader + " to " + follower
        + " \\(term \\d+\\)\\.\n");
    assertThat(cluster.awaitLeader()).isEqualTo(follower);

    JsonObject auto = lattice("leader", "transfer", "-o", "json").json();
    assertThat(auto.get("previous_leader_id").getAsString()).isEqualTo(follower);
    assertThat(auto.get("leader_id").getAsString()).isNotEqualTo(follower);
    assertThat(cluster.awaitLeader()).isEqualTo(auto.get("leader_id").getAsString());

    String now = cluster.awaitLeader();
    assertThat(lattice("leader", "transfer", now).out()).contains("already leads");
    assertThat(lattice("leader", "transfer", "n9").code()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  @Order(5)
  void memberAddPrintsALineThatStartsTheMember() throws Exception {
    String n4 = "127.0.0.1:" + LoopbackPorts.free();
    String n4Peer = "127.0.0.1:" + LoopbackPorts.free();
    Path dataDir = dir.resolve("n4");
    Cli.Result r = lattice("member", "add", "n4", "--peer-address", n4Peer, "--client-address",
        n4, "--learner", "--data-dir", dataDir.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).startsWith("Added n4 (peer " + n4Peer + ", client " + n4
        + ") as a learner;");
    String line = lines.get(2).trim();
    assertThat(line).isEqualTo("lattice-node --id n4 --listen-client " + n4 + " --listen-peer "
        + n4Peer + " --data-dir " + dataDir + " --join --cluster-id lattice --insecure");

    List<String> args = Arrays.asList(line.substring("lattice-node ".length()).split(" "));
    NodeConfig config = NodeCommandLines.configOf(args);
    cluster.startExtra("n4", LocalCluster.timing(config));

    // a learner is promoted once it has caught up; until then the leader refuses
    LocalCluster.await("n4 promoted to voter", () -> {
      Cli.Result p = lattice("member", "promote", "n4");
      return p.code() == 0 ? p : null;
    });
    assertThat(lattice("member", "list").out())
        .containsPattern("n4 +" + n4 + " +" + n4Peer + " +voter");
    assertThat(lattice("member", "promote", "n9").code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(lattice("member", "add", "n4", "--peer-address", n4Peer, "--client-address", n4)
        .code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(lattice("member", "add", "n6", "--peer-address", n4Peer).code())
        .as("both addresses are required").isEqualTo(ExitCodes.USAGE);

    Cli.Result removed = lattice("member", "remove", "n4");
    assertThat(removed.code()).as(removed.toString()).isZero();
    assertThat(removed.out()).startsWith("Removed n4.\n").doesNotContain("n4 ");
    cluster.stop("n4");
  }

  @Test
  @Order(6)
  void statusShowsAStoppedMemberAsUnreachable() {
    String follower = cluster.follower();
    String address = cluster.address(follower);
    cluster.stop(follower);
    Cli.Result r = lattice("status", "--timeout", "1s");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("2 of 3 members reachable");
    assertThat(r.out()).containsPattern(follower + " +" + address + " +"
        + cluster.peerAddress(follower) + " +unreachable .*unreachable");
    JsonObject json = lattice("status", "-o", "json", "--timeout", "1s").json();
    JsonObject row = null;
    for (JsonElement e : json.getAsJsonArray("members")) {
      if (e.getAsJsonObject().get("id").getAsString().equals(follower)) {
        row = e.getAsJsonObject();
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.get("reachable").getAsBoolean()).isFalse();
    assertThat(row.get("error").getAsString()).isNotEmpty();
  }

  @Test
  @Order(7)
  void memberAddInJsonGivesTheStartCommandAsWords() {
    String n5 = "127.0.0.1:" + LoopbackPorts.free();
    String n5Peer = "127.0.0.1:" + LoopbackPorts.free();
    Cli.Result r = lattice("member", "add", "n5", "--peer-address", n5Peer, "--client-address",
        n5, "--learner", "-o", "json");
    assertThat(r.code()).as(r.toString()).isZero();
    JsonObject o = r.json();
    assertThat(o.getAsJsonObject("member").get("id").getAsString()).isEqualTo("n5");
    assertThat(o.getAsJsonObject("member").get("voter").getAsBoolean()).isFalse();
    List<String> words = new java.util.ArrayList<>();
    o.getAsJsonArray("start_command").forEach(e -> words.add(e.getAsString()));
    assertThat(words).containsExactly("lattice-node", "--id", "n5", "--listen-client", n5,
        "--listen-peer", n5Peer, "--data-dir", "data/n5", "--join", "--cluster-id", "lattice",
        "--insecure");
    assertThat(o.getAsJsonObject("member").get("peer_address").getAsString()).isEqualTo(n5Peer);
    assertThat(o.getAsJsonObject("member").get("client_address").getAsString()).isEqualTo(n5);
    assertThat(lattice("member", "remove", "n5").code()).isZero();
  }

  @Test
  @Order(8)
  void versionAsksTheLeaderWithServer() {
    Cli.Result r = lattice("version", "--server");
    assertThat(r.code()).as(r.toString()).isZero();
    // The server reports the build's version, the same as the CLI's own first line.
    assertThat(r.out().lines().toList().get(0)).isEqualTo("lattice " + VersionInfo.version());
    assertThat(r.out().lines().toList().get(1)).matches("server "
        + java.util.regex.Pattern.quote(VersionInfo.version()) + " \\(leader n\\d at "
        + "127\\.0\\.0\\.1:\\d+, cluster lattice\\)");
  }

  @Test
  @Order(9)
  void statusWithNoReachableMemberExitsWith4() {
    String dead = "127.0.0.1:" + LoopbackPorts.free();
    Cli.Result r = Cli.run("--endpoints", dead, "--timeout", "300ms", "status");
    assertThat(r.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.out()).startsWith("cluster ?: no leader; 0 of 1 members reachable\n");
    assertThat(r.out()).containsPattern("\\? +" + dead + " +unreachable");
    assertThat(r.err()).isEqualTo("lattice: no leader is known to any reachable member\n");
  }
}
