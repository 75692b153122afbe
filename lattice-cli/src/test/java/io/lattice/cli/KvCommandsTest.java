package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.lattice.testing.LoopbackPorts;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** put, get, del and cas against a real 3-node cluster: outputs, JSON, exit codes, routing. */
class KvCommandsTest extends ClusterTest {
  @Test
  void putThenGetInTextAndJson() {
    Cli.Result put = lattice("put", "greeting", "hello world");
    assertThat(put.code()).as(put.toString()).isZero();
    assertThat(put.out()).startsWith("OK (version 1, index ");

    Cli.Result get = lattice("get", "greeting");
    assertThat(get.code()).as(get.toString()).isZero();
    assertThat(get.out()).isEqualTo("greeting\nhello world\n");

    Cli.Result json = lattice("get", "greeting", "-o", "json");
    JsonObject kv = json.json().getAsJsonArray("kvs").get(0).getAsJsonObject();
    assertThat(kv.get("key").getAsString()).isEqualTo("greeting");
    assertThat(kv.get("value").getAsString()).isEqualTo("hello world");
    assertThat(kv.get("version").getAsLong()).isEqualTo(1);
    assertThat(json.json().getAsJsonObject("header").get("leader_id").getAsString())
        .isEqualTo(cluster.awaitLeader());
  }

  @Test
  void missingKeyExitsWith3AndSaysSoOnStderr() {
    Cli.Result r = lattice("get", "no-such-key");
    assertThat(r.code()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("lattice: key not found: no-such-key\n");
  }

  @Test
  void binaryValueFromStdinIsBase64InJsonAndExactWithPrintValueOnly() {
    byte[] value = {0, 1, 2, (byte) 0xff, 'x'};
    Cli.Result put = Cli.run(Map.of("LATTICE_ENDPOINTS", cluster.endpoints()), value,
        "put", "blob", "-");
    assertThat(put.code()).as(put.toString()).isZero();

    JsonObject kv = lattice("get", "blob", "-o", "json").json().getAsJsonArray("kvs").get(0)
        .getAsJsonObject();
    assertThat(kv.has("value")).isFalse();
    assertThat(Base64.getDecoder().decode(kv.get("value_base64").getAsString())).isEqualTo(value);

    byte[] raw = lattice("get", "blob", "--print-value-only").stdout();
    byte[] expected = new byte[value.length + 1];
    System.arraycopy(value, 0, expected, 0, value.length);
    expected[value.length] = '\n';
    assertThat(raw).isEqualTo(expected);
    assertThat(lattice("get", "blob").out()).isEqualTo("blob\nbase64:AAEC/3g=\n");

    // a text value that reads like that label prints differently: as its own bytes in base64
    assertThat(lattice("put", "lookalike", "base64:AAEC/3g=").code()).isZero();
    assertThat(lattice("get", "lookalike").out())
        .isEqualTo("lookalike\nbase64:YmFzZTY0OkFBRUMvM2c9\n");
    assertThat(lattice("get", "lookalike", "--print-value-only").out())
        .isEqualTo("base64:AAEC/3g=\n");
  }

  @Test
  void tableOutputIsHonouredByEveryWriteAndBySnapshot() {
    Cli.Result put = lattice("put", "t", "one", "-o", "table");
    assertThat(put.out()).matches("KEY  VERSION  MOD_INDEX\nt    1        \\d+\n");
    Cli.Result prev = lattice("put", "t", "two", "--prev-kv", "-o", "table");
    assertThat(prev.out()).matches("KEY  VERSION  MOD_INDEX  PREVIOUS\nt    2        \\d+ +one\n");
    Cli.Result cas = lattice("cas", "t", "three", "--expect", "two", "-o", "table");
    assertThat(cas.out()).matches("KEY  SUCCEEDED  INDEX\nt    yes        \\d+\n");
    Cli.Result casFailed = lattice("cas", "t", "four", "--expect", "two", "-o", "table");
    assertThat(casFailed.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(casFailed.out()).matches("KEY  SUCCEEDED  INDEX  VERSION  VALUE\n"
        + "t    no         \\d+ +3        three\n");
    Cli.Result del = lattice("del", "t", "-o", "table");
    assertThat(del.out()).matches("DELETED  INDEX\n1        \\d+\n");
    Cli.Result snap = lattice("snapshot", "-o", "table");
    assertThat(snap.code()).as(snap.toString()).isZero();
    assertThat(snap.out()).matches("MEMBER  SNAPSHOT_INDEX  SNAPSHOT_TERM\nn\\d      \\d+ +\\d+\n");
  }

  @Test
  void aPrefixLargerThanOneAnswerIsFetchedPageByPage() {
    byte[] big = new byte[900 * 1024];
    java.util.Arrays.fill(big, (byte) 'x');
    for (int i = 0; i < 5; i++) {
      Cli.Result put = Cli.run(Map.of("LATTICE_ENDPOINTS", cluster.endpoints()), big,
          "put", "pages/" + i, "-");
      assertThat(put.code()).as(put.toString()).isZero();
    }
    // a member answers about 3 MiB at a time: 5 x 900 KiB needs two pages
    Cli.Result all = lattice("get", "pages/", "--prefix", "--keys-only");
    assertThat(all.code()).as(all.toString()).isZero();
    assertThat(all.out()).isEqualTo("pages/0\npages/1\npages/2\npages/3\npages/4\n");
    assertThat(all.err()).isEmpty();
    Cli.Result values = lattice("get", "pages/", "--prefix", "-o", "json");
    assertThat(values.json().getAsJsonArray("kvs")).hasSize(5);
    assertThat(values.json().get("more").getAsBoolean()).isFalse();
    Cli.Result four = lattice("get", "pages/", "--prefix", "--limit", "4", "-o", "json");
    assertThat(four.json().getAsJsonArray("kvs")).hasSize(4);
    assertThat(four.json().get("more").getAsBoolean()).isTrue();
    assertThat(KeyArgs.prefixEnd(com.google.protobuf.ByteString.copyFromUtf8("a/")))
        .isEqualTo(com.google.protobuf.ByteString.copyFromUtf8("a0"));
    assertThat(KeyArgs.prefixEnd(com.google.protobuf.ByteString.copyFrom(
        new byte[] {'a', (byte) 0xff}))).isEqualTo(com.google.protobuf.ByteString.copyFromUtf8("b"));
    assertThat(KeyArgs.prefixEnd(com.google.protobuf.ByteString.copyFrom(
        new byte[] {(byte) 0xff}))).isEmpty();
  }

  @Test
  void prefixListingWithLimitKeysOnlyAndTable() {
    for (String k : new String[] {"fruit/apple", "fruit/banana", "fruit/cherry", "veg/leek"}) {
      assertThat(lattice("put", k, k.toUpperCase()).code()).isZero();
    }
    Cli.Result keys = lattice("get", "fruit/", "--prefix", "--keys-only");
    assertThat(keys.out()).isEqualTo("fruit/apple\nfruit/banana\nfruit/cherry\n");

    Cli.Result limited = lattice("get", "fruit/", "--prefix", "--limit", "2", "-o", "json");
    assertThat(limited.json().getAsJsonArray("kvs")).hasSize(2);
    assertThat(limited.json().get("more").getAsBoolean()).isTrue();
    assertThat(limited.json().get("count").getAsLong()).isEqualTo(3);

    Cli.Result text = lattice("get", "fruit/", "--prefix", "--limit", "2");
    assertThat(text.err()).contains("1 more of 3 keys");

    Cli.Result table = lattice("get", "fruit/", "--prefix", "-o", "table");
    assertThat(table.out().lines().findFirst().orElseThrow())
        .matches("KEY +VALUE +VERSION +CREATE_INDEX +MOD_INDEX");
    assertThat(table.out()).contains("fruit/banana  FRUIT/BANANA");

    Cli.Result none = lattice("get", "nothing/", "--prefix");
    assertThat(none.code()).isZero();
    assertThat(none.out()).isEmpty();
  }

  @Test
  void delCountsAndAMissingKeyIsNotAnError() {
    lattice("put", "tmp/a", "1");
    lattice("put", "tmp/b", "2");
    assertThat(lattice("del", "tmp/a").out()).isEqualTo("deleted 1 key\n");
    Cli.Result again = lattice("del", "tmp/a");
    assertThat(again.code()).isZero();
    assertThat(again.out()).isEqualTo("deleted 0 keys\n");
    Cli.Result prefix = lattice("del", "tmp/", "--prefix", "-o", "json");
    assertThat(prefix.json().get("deleted").getAsLong()).isEqualTo(1);
    assertThat(lattice("get", "tmp/b").code()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void casSwapsOnlyWhenTheExpectationHolds() {
    assertThat(lattice("cas", "lock", "me", "--expect-absent").out()).startsWith("OK (swapped");
    Cli.Result taken = lattice("cas", "lock", "you", "--expect-absent");
    assertThat(taken.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(taken.err())
        .isEqualTo("lattice: not swapped: lock is not as expected (it is at version 1 with "
            + "value me)\n");
    assertThat(lattice("cas", "lock", "you", "--expect", "me").code()).isZero();
    Cli.Result json = lattice("cas", "lock", "--delete", "--expect-version", "1", "-o", "json");
    assertThat(json.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(json.json().get("succeeded").getAsBoolean()).isFalse();
    assertThat(json.json().getAsJsonObject("prev_kv").get("version").getAsLong()).isEqualTo(2);
    assertThat(lattice("cas", "lock", "--delete", "--expect-version", "2").code()).isZero();
    assertThat(lattice("get", "lock").code()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void usageErrorsExitWith2WithOneLineAndAHint() {
    Cli.Result r = lattice("cas", "k", "v");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().lines()).hasSize(2);
    assertThat(r.err()).startsWith("lattice: Missing required argument");
    assertThat(r.err()).endsWith("Try 'lattice cas --help' for usage.\n");
    assertThat(Cli.run("get", "k", "--consistency", "eventual").code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(Cli.run("--endpoints", "nonsense", "get", "k").err())
        .startsWith("lattice: --endpoints: 'nonsense' is not host:port");
  }

  @Test
  void writesThroughAFollowerFollowTheLeaderHint() {
    String follower = cluster.follower();
    Cli.Result put = Cli.run("--endpoints", cluster.address(follower), "put", "via", "follower");
    assertThat(put.code()).as(put.toString()).isZero();
    Cli.Result get = Cli.run("--endpoints", cluster.address(follower), "get", "via");
    assertThat(get.out()).isEqualTo("via\nfollower\n");
    Cli.Result stale = Cli.run("--endpoints", cluster.address(follower), "get", "via",
        "--consistency", "stale", "-o", "json");
    assertThat(stale.code()).as(stale.toString()).isZero();
  }

  @Test
  void unreachableEndpointsAreSkippedAndAllUnreachableExitsWith4() {
    String dead = "127.0.0.1:" + LoopbackPorts.free();
    Cli.Result ok = Cli.run("--endpoints", dead + "," + cluster.endpoints(), "put", "x", "1");
    assertThat(ok.code()).as(ok.toString()).isZero();

    Cli.Result down = Cli.run("--endpoints", dead, "--timeout", "300ms", "get", "x");
    assertThat(down.code()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(down.err()).startsWith("lattice: get: no leader reachable within 300ms")
        .contains(dead).doesNotContain("\tat ");
    assertThat(down.err().lines()).hasSize(1);

    Cli.Result verbose = Cli.run("--endpoints", dead, "--timeout", "300ms", "get", "x",
        "--verbose");
    assertThat(verbose.err()).contains("\tat ");
  }

  @Test
  void environmentGivesDefaultsAndFlagsWin() {
    lattice("put", "env", "v");
    Map<String, String> env = Map.of("LATTICE_ENDPOINTS", cluster.endpoints(),
        "LATTICE_OUTPUT", "json", "LATTICE_TIMEOUT", "2s");
    Cli.Result json = Cli.run(env, new byte[0], "get", "env");
    assertThat(json.json().getAsJsonArray("kvs")).hasSize(1);
    Cli.Result text = Cli.run(env, new byte[0], "get", "env", "-o", "text");
    assertThat(text.out()).isEqualTo("env\nv\n");
    Cli.Result badVar = Cli.run(Map.of("LATTICE_TIMEOUT", "soon"), new byte[0], "get", "k");
    assertThat(badVar.code()).isEqualTo(ExitCodes.USAGE);
    Cli.Result flagWins = Cli.run(Map.of("LATTICE_ENDPOINTS", "127.0.0.1:1"), new byte[0],
        "--endpoints", cluster.endpoints(), "get", "env");
    assertThat(flagWins.code()).isZero();
  }

  @Test
  void utf8KeysAndValuesStayReadableInJson() {
    lattice("put", "clé", "värde ✓");
    JsonObject kv = lattice("get", "clé", "-o", "json").json().getAsJsonArray("kvs").get(0)
        .getAsJsonObject();
    assertThat(kv.get("key").getAsString()).isEqualTo("clé");
    assertThat(kv.get("value").getAsString()).isEqualTo("värde ✓");
    assertThat(lattice("get", "clé").stdout())
        .isEqualTo("clé\nvärde ✓\n".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void prevKvShowsWhatAWriteReplacedOrDeleted() {
    lattice("put", "prev", "one");
    Cli.Result put = lattice("put", "prev", "two", "--prev-kv");
    assertThat(put.out()).matches("OK \\(version 2, index \\d+\\)\nprevious: one\n");
    JsonObject json = lattice("put", "prev", "three", "--prev-kv", "-o", "json").json();
    assertThat(json.getAsJsonObject("prev_kv").get("value").getAsString()).isEqualTo("two");
    assertThat(json.get("version").getAsLong()).isEqualTo(3);
    JsonObject del = lattice("del", "prev", "--prev-kv", "-o", "json").json();
    assertThat(del.get("deleted").getAsLong()).isEqualTo(1);
    assertThat(del.getAsJsonArray("prev_kvs").get(0).getAsJsonObject().get("value").getAsString())
        .isEqualTo("three");
    assertThat(lattice("put", "prev", "again", "--prev-kv").out()).endsWith("previous: (none)\n");
  }
}
