package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A one-shot command line gets a tree with only the subcommand it names when nothing but global
 * options come before the name; anything else gets the whole tree.
 */
class OneCommandTreeTest {
  private static Class<?> named(String... args) {
    return LatticeCommand.subcommandNamedBy(args);
  }

  @Test
  void theNamedSubcommandAfterGlobalOptions() {
    assertThat(named("get", "k")).isEqualTo(GetCommand.class);
    assertThat(named("--endpoints", "127.0.0.1:1", "-o", "json", "--timeout", "1s", "put", "k",
        "v")).isEqualTo(PutCommand.class);
    assertThat(named("--endpoints=get", "-ojson", "--output=text", "-v", "status"))
        .isEqualTo(StatusCommand.class);
    assertThat(named("--timeout", "get", "member", "list")).isEqualTo(MemberCommand.class);
    assertThat(named("--cacert", "ca.crt", "--cert=c.crt", "--key", "c.key", "--certs-dir",
        "status", "get", "k")).isEqualTo(GetCommand.class);
    assertThat(named("cert", "list")).isEqualTo(CertCommand.class);
  }

  @Test
  void theWholeTreeOtherwise() {
    assertThat(named()).isNull();
    assertThat(named("--help")).isNull();
    assertThat(named("-h", "get")).isNull();
    assertThat(named("--version")).isNull();
    assertThat(named("help", "get")).isNull();
    assertThat(named("gte", "k")).isNull();
    assertThat(named("--bogus", "get", "k")).isNull();
    assertThat(named("--endpoints")).isNull();
  }

  @Test
  void everySubcommandCanBeFoundByItsName() {
    CommandLine whole = Cli.wholeTree();
    whole.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        assertThat(named(name)).as(name).isEqualTo(sub.getCommandSpec().userObject().getClass());
      }
    });
    assertThat(whole.getSubcommands()).hasSize(19);
  }
}
