package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command model without a cluster: help, usage errors, version, durations, start lines. */
class CommandLineTest {
  @Test
  void helpListsCommandsExitCodesAndVariables() {
    Cli.Result r = Cli.run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("put", "get", "del", "cas", "status", "member", "leader",
        "snapshot", "bench", "shell", "completion", "version");
    assertThat(r.out()).contains("Exit codes:", "  3   key (or member id) not found",
        "  5   indeterminate: the write may or may not have happened");
    assertThat(r.out()).contains("LATTICE_ENDPOINTS", "LATTICE_TIMEOUT", "LATTICE_OUTPUT",
        "LATTICE_HISTORY");
    assertThat(Cli.run("help", "cas").out()).startsWith("Usage: lattice cas ");
    assertThat(Cli.run("member", "add", "--help").out()).contains("--learner");
  }

  @Test
  void noCommandOrSubcommandIsAUsageError() {
    Cli.Result none = Cli.run();
    assertThat(none.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).startsWith("Usage: lattice");
    Cli.Result member = Cli.run("member");
    assertThat(member.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(member.err()).startsWith("lattice: a subcommand is required: list, add, "
        + "promote or remove\n");
    assertThat(Cli.run("frobnicate").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(Cli.run("member", "add", "n4", "--peer-address", "no-port", "--client-address",
        "127.0.0.1:7004").err()).startsWith("lattice: 'no-port' is not host:port");
    assertThat(Cli.run("member", "add", "n4", "--peer-address", "127.0.0.1:7004",
        "--client-address", "127.0.0.1:7004").err()).contains("must differ");
  }

  @Test
  void offlineCommandsOfferNoConnectionOptions() {
    Cli.Result help = Cli.run("log", "inspect", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--verify", "--output", "--verbose")
        .doesNotContain("--endpoints", "--timeout", "--cacert", "--certs-dir");
    assertThat(Cli.run("log", "--help").out()).doesNotContain("--endpoints");
    assertThat(Cli.run("completion", "--help").out()).doesNotContain("--endpoints");
    Cli.Result given = Cli.run("log", "inspect", "data", "--endpoints", "127.0.0.1:1");
    assertThat(given.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(given.err()).startsWith("lattice: unknown option '--endpoints' of lattice log "
        + "inspect");
    assertThat(Cli.run("get", "--help").out()).contains("--endpoints", "--timeout");
  }

  @Test
  void versionNeedsNoCluster() {
    Cli.Result r = Cli.run("version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("lattice " + VersionInfo.version() + "\n");
    assertThat(VersionInfo.version()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(Cli.run("--version").out()).isEqualTo(r.out());
    assertThat(Cli.run("version", "-o", "json").json().get("cli_version").getAsString())
        .isEqualTo(VersionInfo.version());
  }

  @Test
  void durationsAreParsedWithUnits() {
    DurationConverter c = new DurationConverter();
    assertThat(c.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(c.convert("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.convert("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.convert("1h0m0.5s")).isEqualTo(Duration.ofMillis(3_600_500));
    assertThatThrownBy(() -> c.convert("3"))
        .isInstanceOf(CommandLine.TypeConversionException.class)
        .hasMessageContaining("add a unit: 3ms or 3s");
    assertThatThrownBy(() -> c.convert("1m30"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
    assertThatThrownBy(() -> c.convert("s"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
    assertThatThrownBy(() -> c.convert("0"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
    assertThatThrownBy(() -> c.convert("soon"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
    assertThat(new DurationConverter.OrZero().convert("0")).isEqualTo(Duration.ZERO);
    assertThat(new DurationConverter.OrZero().convert("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> new DurationConverter.OrZero().convert("2"))
        .isInstanceOf(CommandLine.TypeConversionException.class);
  }

  @Test
  void aTimeoutWithoutAUnitIsAUsageErrorThatSaysWhichUnitsToAdd() {
    Cli.Result r = Cli.run("--endpoints", "127.0.0.1:1", "--timeout", "1000", "get", "k");
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("'1000' has no unit: add a unit: 1000ms or 1000s");
    Cli.Result env = Cli.run(java.util.Map.of("LATTICE_TIMEOUT", "2"), new byte[0],
        "--endpoints", "127.0.0.1:1", "get", "k");
    assertThat(env.code()).as(env.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(env.err()).contains("add a unit: 2ms or 2s");
    Cli.Result lifetime = Cli.run("cert", "create-ca", "--certs-dir", "unused-dir",
        "--lifetime", "365");
    assertThat(lifetime.code()).as(lifetime.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(lifetime.err()).contains("add a unit: 365d or 365h");
  }

  @Test
  void startLinesAreQuotedForTheShell() {
    assertThat(NodeStartLine.line(NodeStartLine.args("n4", "127.0.0.1:7104", "127.0.0.1:7004",
        "data/n4", "lattice", NodeStartLine.Security.INSECURE, CertsDir.DEFAULT))).isEqualTo(
            "lattice-node --id n4 --listen-client 127.0.0.1:7004 --listen-peer 127.0.0.1:7104 "
            + "--data-dir data/n4 --join --cluster-id lattice --insecure");
    assertThat(NodeStartLine.line("lattice", NodeStartLine.certificateArgs("n4",
        "[::1]:7104", "my host:7004", Path.of("my certs")))).isEqualTo("lattice cert create-node "
            + "n4 --host ::1 --host 'my host' --certs-dir 'my certs'");
    assertThat(NodeStartLine.line(List.of("--data-dir", "my data/it's"))).isEqualTo(
        "lattice-node --data-dir 'my data/it'\\''s'");
  }
}
