package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** lattice txn against a real 3-node cluster: from standard input, interactive, errors, JSON. */
class TxnCommandTest extends ClusterTest {
  private Cli.Result txn(String input, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "txn";
    System.arraycopy(args, 0, all, 1, args.length);
    return Cli.run(Map.of("LATTICE_ENDPOINTS", cluster.endpoints()),
        input.getBytes(StandardCharsets.UTF_8), all);
  }

  @Test
  void theSuccessBranchRunsWhenTheComparisonsHoldAndTheFailureBranchOtherwise() {
    String script = "version(\"lock\") = 0\n\nput lock me\nget lock\n\nget lock\n";
    Cli.Result first = txn(script);
    assertThat(first.code()).as(first.toString()).isZero();
    assertThat(first.out()).matches("SUCCESS \\(index \\d+\\)\nput lock: OK \\(version 1\\)\n"
        + "get lock: me \\(version 1\\)\n");
    Cli.Result second = txn(script);
    assertThat(second.code()).as(second.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(second.out()).matches("FAILURE \\(index \\d+\\)\nget lock: me \\(version 1\\)\n");
    assertThat(lattice("get", "lock").out()).isEqualTo("lock\nme\n");
  }

  @Test
  void quotedValuesHonourEscapesAndEveryComparisonKindParses() {
    Cli.Result r = txn("!exists(\"multi\")\nvalue(\"multi\") != \"x\"\nmod(multi) = 0\n"
        + "create(\"multi\") < 1\n\nput multi \"a\\nb \\\"c\\\"\"\n\n");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    // a missing key fails every value comparison: the failure branch (empty) ran
    r = txn("!exists(\"multi\")\nmod(multi) = 0\ncreate(\"multi\") < 1\n\n"
        + "put multi \"a\\nb \\\"c\\\"\"\n");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(lattice("get", "multi", "--print-value-only").out()).isEqualTo("a\nb \"c\"\n");
    Cli.Result del = txn("exists(\"multi\")\n\ndel multi\n");
    assertThat(del.out()).endsWith("del multi: deleted\n");
  }

  @Test
  void aMistakeNamesItsLineAndNothingIsSent() {
    Cli.Result r = txn("version(\"bad\") = 0\nsize(\"bad\") > 1\n\nput bad 1\n");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith("lattice: line 2: not a comparison: 'size(\"bad\") > 1'");
    assertThat(txn("\nput bad \"open\n").err()).startsWith("lattice: line 2: unterminated quote");
    assertThat(txn("\nput bad\n").err()).startsWith("lattice: line 2: put takes KEY and VALUE");
    assertThat(txn("version(\"bad\") = many\n").err())
        .startsWith("lattice: line 1: version(...) is compared with a number, not 'many'");
    assertThat(lattice("get", "bad").code()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @Test
  void interactivelyEachSectionIsPromptedAndAMistypedLineIsTypedAgain() {
    Cli.Result r = txn("version(\"i\") = 0\nversoin(\"i\") = 0\n\nput i 1\n\nget i\n\n", "-i");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEqualTo("compares:\nlattice: not a comparison: 'versoin(\"i\") = 0' "
        + "(e.g. value(\"k\") = \"v\", version(\"k\") > 2, mod(\"k\") < 10, create(\"k\") = 0, "
        + "exists(\"k\"), !exists(\"k\")); type the line again\n\n"
        + "success requests (get, put, del):\n\nfailure requests (get, put, del):\n");
    assertThat(r.out()).matches("SUCCESS \\(index \\d+\\)\nput i: OK \\(version 1\\)\n");
  }

  @Test
  void jsonAndTableOutputs() {
    JsonObject o = txn("\nput j v\nget j\nget nothing-here\n", "-o", "json").json();
    assertThat(o.get("succeeded").getAsBoolean()).isTrue();
    var results = o.getAsJsonArray("results");
    assertThat(results).hasSize(3);
    assertThat(results.get(0).getAsJsonObject().get("version").getAsLong()).isEqualTo(1);
    assertThat(results.get(1).getAsJsonObject().getAsJsonObject("kv").get("value").getAsString())
        .isEqualTo("v");
    assertThat(results.get(2).getAsJsonObject().get("found").getAsBoolean()).isFalse();
    Cli.Result table = txn("\nget j\n", "-o", "table");
    assertThat(table.out()).matches("SUCCESS \\(index \\d+\\)\nOP   KEY  RESULT\n"
        + "get  j    v \\(version 1\\)\n");
  }
}
