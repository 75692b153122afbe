package io.lattice.cli.inspect;

import static io.lattice.cli.inspect.TestLogs.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lattice.format.KvCommand;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NDJSON: every line parses on its own; entries first, one summary last. */
class LogInspectorJsonTest {
  @TempDir Path tmp;

  @Test
  void everyLineIsAJsonObjectEntriesThenOneSummary() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    TestLogs.Run run = inspect(dir, TestLogs.json(false));

    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    List<JsonObject> lines = parse(run);
    assertThat(lines).hasSize(10);
    assertThat(lines.subList(0, 9)).allMatch(o -> o.get("type").getAsString().equals("entry"));
    assertThat(lines.subList(0, 9).stream().map(o -> o.get("index").getAsLong()))
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    JsonObject summary = lines.get(9);
    assertThat(summary.get("type").getAsString()).isEqualTo("summary");
    assertThat(summary.get("entries").getAsLong()).isEqualTo(9);
    assertThat(summary.get("first_index").getAsLong()).isEqualTo(1);
    assertThat(summary.get("last_index").getAsLong()).isEqualTo(9);
    assertThat(summary.get("printed").getAsLong()).isEqualTo(9);
    assertThat(summary.get("bytes").getAsLong()).isEqualTo(548);
    assertThat(summary.getAsJsonArray("format_versions").get(0).getAsInt()).isEqualTo(2);
    assertThat(summary.getAsJsonArray("terms").toString()).isEqualTo("[{\"term\":1,\"first_index\":1},"
        + "{\"term\":2,\"first_index\":4},{\"term\":3,\"first_index\":7},{\"term\":4,\"first_index\":8}]");
    assertThat(summary.get("verdict").getAsString()).isEqualTo("OK");
    assertThat(summary.has("problem")).isFalse();
    assertThat(summary.has("repair_command")).isFalse();
  }

  @Test
  void entriesCarryTheDecodedPayloadExactly() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    List<JsonObject> lines = parse(inspect(dir, TestLogs.json(false)));

    JsonObject config = lines.get(0);
    assertThat(config.get("kind").getAsString()).isEqualTo("config");
    assertThat(config.getAsJsonArray("members").toString()).isEqualTo(
        "[{\"id\":\"n1\",\"peer_address\":\"127.0.0.1:7001\",\"client_address\":\"\","
        + "\"voter\":true,\"auto_promote\":false},"
        + "{\"id\":\"n2\",\"peer_address\":\"127.0.0.1:7002\",\"client_address\":\"\","
        + "\"voter\":false,\"auto_promote\":true}]");
    assertThat(lines.get(1).get("kind").getAsString()).isEqualTo("noop");
    assertThat(lines.get(1).has("command")).isFalse();

    JsonObject put = lines.get(2);
    assertThat(put.get("file").getAsString()).isEqualTo(dir.resolve("raft.log").toString());
    assertThat(put.get("offset").getAsLong()).isEqualTo(TestLogs.offsetOf(dir.resolve("raft.log"), 3));
    JsonObject cmd = put.getAsJsonObject("command");
    assertThat(cmd.get("op").getAsString()).isEqualTo("PUT");
    assertThat(cmd.get("key").getAsString()).isEqualTo("a");
    assertThat(cmd.get("value").getAsString()).isEqualTo("hello world!");
    assertThat(cmd.get("value_size").getAsInt()).isEqualTo(12);
    assertThat(cmd.getAsJsonObject("session").get("session_id").getAsLong()).isEqualTo(2);
    assertThat(cmd.getAsJsonObject("session").get("sequence").getAsLong()).isEqualTo(1);
    assertThat(cmd.get("proposed_at").getAsString()).isEqualTo("2023-11-14T22:13:20Z");

    JsonObject binary = lines.get(3).getAsJsonObject("command");
    assertThat(binary.has("key")).isFalse();
    assertThat(Base64.getDecoder().decode(binary.get("key_base64").getAsString()))
        .isEqualTo(TestLogs.ESCAPE_KEY);
    assertThat(Base64.getDecoder().decode(binary.get("value_base64").getAsString()))
        .isEqualTo(new byte[] {0, 1, 2});

    JsonObject delete = lines.get(4).getAsJsonObject("command");
    assertThat(delete.get("op").getAsString()).isEqualTo("DELETE");
    assertThat(delete.get("prefix").getAsBoolean()).isTrue();

    JsonObject cas = lines.get(5).getAsJsonObject("command");
    assertThat(cas.getAsJsonObject("expect").toString())
        .isEqualTo("{\"kind\":\"VERSION\",\"version\":3}");
    assertThat(cas.get("then").getAsString()).isEqualTo("PUT");

    JsonObject txn = lines.get(6).getAsJsonObject("command");
    assertThat(txn.getAsJsonArray("compares").get(0).getAsJsonObject().get("target").getAsString())
        .isEqualTo("VALUE");
    assertThat(txn.getAsJsonArray("success")).hasSize(2);
    assertThat(txn.getAsJsonArray("success").get(1).getAsJsonObject().get("op").getAsString())
        .isEqualTo("DELETE");
  }

  @Test
  void sessionCommandsAreShownWithTheirIds() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), List.of(
        TestLogs.command(1, 1, new KvCommand.RegisterSession(TestLogs.PROPOSED_AT)),
        TestLogs.command(1, 2, new KvCommand.CloseSession(TestLogs.PROPOSED_AT, 1))));

    List<JsonObject> lines = parse(inspect(dir, TestLogs.json(false)));

    JsonObject open = lines.get(0).getAsJsonObject("command");
    assertThat(open.get("op").getAsString()).isEqualTo("OPEN_SESSION");
    assertThat(open.has("session")).isFalse();
    JsonObject close = lines.get(1).getAsJsonObject("command");
    assertThat(close.get("op").getAsString()).isEqualTo("CLOSE_SESSION");
    assertThat(close.get("session_id").getAsLong()).isEqualTo(1);
    assertThat(inspect(dir).out()).contains("OPEN SESSION (id = this entry's index)",
        "CLOSE SESSION id=1");
  }

  @Test
  void filtersReduceEntryLinesButTheSummaryDescribesTheWholeLog() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());

    List<JsonObject> lines = parse(inspect(dir,
        new LogInspector.Options(4, 8, Set.of("noop"), false, true)));

    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("index").getAsLong()).isEqualTo(8);
    assertThat(lines.get(1).get("printed").getAsLong()).isEqualTo(1);
    assertThat(lines.get(1).get("entries").getAsLong()).isEqualTo(9);
  }

  @Test
  void aCorruptLogEndsWithTheProblemAndTheRepairCommand() throws Exception {
    Path dir = TestLogs.write(tmp.resolve("data"), TestLogs.sample());
    Path log = dir.resolve("raft.log");
    long offset = TestLogs.offsetOf(log, 5);
    TestLogs.flipBit(log, offset + 30);

    TestLogs.Run run = inspect(dir, TestLogs.json(true));

    assertThat(run.exit()).isEqualTo(1);
    List<JsonObject> lines = parse(run);
    assertThat(lines).hasSize(5); // entries 1..4, then the summary
    JsonObject summary = lines.get(4);
    assertThat(summary.get("verdict").getAsString()).isEqualTo("CORRUPT");
    JsonObject problem = summary.getAsJsonObject("problem");
    assertThat(problem.get("file").getAsString()).isEqualTo(log.toString());
    assertThat(problem.get("offset").getAsLong()).isEqualTo(offset);
    assertThat(problem.get("index").getAsLong()).isEqualTo(5);
    assertThat(problem.get("detail").getAsString()).contains("checksum mismatch");
    assertThat(summary.get("repair_command").getAsString())
        .isEqualTo("lattice-node repair --data-dir " + dir);
    assertThat(summary.get("last_index").getAsLong()).isEqualTo(4);
  }

  private static List<JsonObject> parse(TestLogs.Run run) {
    return run.outLines().stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
  }
}
