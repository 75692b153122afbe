package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A mistyped command, subcommand or option is answered with the nearest names. */
class SuggestionsTest {
  @Test
  void aMistypedCommandSuggestsTheNearestOne() {
    Cli.Result r = Cli.run("gett", "greeting");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).isEqualTo("lattice: unknown command 'gett' (did you mean get?)\n"
        + "Try 'lattice --help' for usage.\n");
    assertThat(r.err()).doesNotContain("Unmatched");
  }

  @Test
  void aMistypedSubcommandSuggestsTheNearestSubcommand() {
    Cli.Result r = Cli.run("member", "lsit");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith(
        "lattice: unknown subcommand 'lsit' of lattice member (did you mean list?)\n");
    Cli.Result cert = Cli.run("cert", "create-nod", "n1");
    assertThat(cert.err()).startsWith("lattice: unknown subcommand 'create-nod' of lattice cert "
        + "(did you mean create-node?)\n");
  }

  @Test
  void aWordFarFromEveryCommandGetsTheListOfCommands() {
    Cli.Result r = Cli.run("frobnicate");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith("lattice: unknown command 'frobnicate' (the commands are put, "
        + "get, del");
  }

  @Test
  void aMistypedOptionSuggestsTheNearestOption() {
    Cli.Result r = Cli.run("--endpoints", "127.0.0.1:1", "get", "k", "--prefx");
    assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).startsWith(
        "lattice: unknown option '--prefx' of lattice get (did you mean --prefix?)\n");
  }

  @Test
  void distanceCountsATranspositionAsOneEdit() {
    assertThat(Suggestions.distance("lsit", "list")).isEqualTo(1);
    assertThat(Suggestions.distance("gett", "get")).isEqualTo(1);
    assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
    assertThat(Suggestions.nearest("pt", List.of("put", "get"))).containsExactly("put");
    assertThat(Suggestions.nearest("gat", List.of("get", "cat"))).containsExactly("get", "cat");
    assertThat(Suggestions.nearest("xyz", List.of("get", "put"))).isEmpty();
  }
}
