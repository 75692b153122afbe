package io.lattice.cli.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where the shell offers member ids instead of the command model's candidates. */
class ShellCompleterTest {
  private static final Set<String> VALUE_OPTIONS = ShellCompleter.valueOptions(
      io.lattice.cli.LatticeCommand.commandLine(new io.lattice.cli.CliContext(
          new java.io.ByteArrayInputStream(new byte[0]), new java.io.ByteArrayOutputStream(),
          java.util.Map.of()), new java.io.PrintWriter(java.io.Writer.nullWriter()),
          new java.io.PrintWriter(java.io.Writer.nullWriter())));

  private static boolean expects(List<String> words, int index) {
    return ShellCompleter.expectsMemberId(words, index, VALUE_OPTIONS);
  }

  @Test
  void theModelsValueOptionsAreKnown() {
    assertThat(VALUE_OPTIONS).contains("-o", "--output", "--endpoints", "--timeout", "--member",
        "--limit", "--cacert", "--cert", "--key", "--certs-dir", "--host", "--ca-key")
        .doesNotContain("--prefix", "--learner", "--help", "--admin", "--overwrite");
  }

  @Test
  void memberIdsWhereACommandTakesOne() {
    assertThat(expects(List.of("member", "remove", ""), 2)).isTrue();
    assertThat(expects(List.of("member", "promote", "n"), 2)).isTrue();
    assertThat(expects(List.of("leader", "transfer", "-o", "json", ""), 4))
        .isTrue();
    assertThat(expects(List.of("snapshot", "--member", ""), 2)).isTrue();
  }

  @Test
  void notElsewhere() {
    assertThat(expects(List.of("member", "add", ""), 2)).isFalse();
    assertThat(expects(List.of("member", "remove", "n1", ""), 3))
        .isFalse();
    assertThat(expects(List.of("get", "k", ""), 2)).isFalse();
    assertThat(expects(List.of("--endpoints", "member", "remove", ""), 3)).isFalse();
    assertThat(expects(List.of("member", ""), 1)).isFalse();
  }
}
