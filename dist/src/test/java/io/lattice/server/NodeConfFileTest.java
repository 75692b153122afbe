package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.node.NodeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * The shipped {@code conf/lattice-node.conf} documents every option of {@code lattice-node}, its
 * keys are accepted by {@code --config}, and the defaults it shows are the node's real defaults
 * (an option that is off unless set, such as {@code metrics}, shows an example instead).
 * A new option in {@link LatticeNodeCommand} without a line in the file fails this test.
 *
 * <p>It lives in the node's package to call {@link LatticeNodeCommand#resolveConfig()}, the same
 * code path as {@code lattice-node --config FILE}, without starting a server.
 */
class NodeConfFileTest {
  private static final Path CONF = Path.of("src/conf/lattice-node.conf");
  /** A documented setting: a commented-out {@code #key=value} line. */
  private static final Pattern SETTING = Pattern.compile("^#([a-z][a-z-]*)=(.*)$");
  /** Options that are not settings of a node. */
  private static final Set<String> NOT_SETTINGS = Set.of("help", "version", "config");
  /**
   * Deprecated names of settings documented under their current name (the file mentions them in
   * prose: uncommenting both would set one setting twice); still accepted by --config.
   */
  private static final Set<String> DEPRECATED = Set.of("listen");

  @Test
  void everyOptionOfTheNodeIsDocumentedOnceAndNothingElse() throws IOException {
    List<String> documented = new ArrayList<>();
    for (String line : Files.readAllLines(CONF)) {
      Matcher m = SETTING.matcher(line);
      if (m.matches()) {
        documented.add(m.group(1));
      }
    }
    Set<String> options = new TreeSet<>();
    for (OptionSpec o : LatticeNodeCommand.commandLine().getCommandSpec().options()) {
      String key = o.longestName().replaceFirst("^--", "");
      if (!NOT_SETTINGS.contains(key)) {
        options.add(key);
      }
    }
    Set<String> current = new TreeSet<>(options);
    current.removeAll(DEPRECATED);
    assertThat(documented)
        .as("the #key=default lines of %s against the options of lattice-node", CONF)
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(current);
    assertThat(options).as("keys that --config accepts")
        .isEqualTo(new TreeSet<>(LatticeNodeCommand.CONFIG_KEYS));
    assertThat(Files.readString(CONF)).as("the deprecated names are mentioned")
        .contains("`listen`");
  }

  @Test
  void theFileWithEverySettingUncommentedIsAcceptedAndShowsTheRealDefaults(@TempDir Path dir)
      throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(CONF)) {
      lines.add(SETTING.matcher(line).matches() ? line.substring(1) : line);
    }
    Path uncommented = Files.write(dir.resolve("all.conf"), lines);

    NodeConfig fromFile = resolve("--config", uncommented.toString());
    // The same required settings as flags, everything else from the code's defaults.
    NodeConfig fromDefaults = resolve("--id", fromFile.id(),
        "--data-dir", fromFile.dataDir().toString(),
        "--listen-client", fromFile.clientAddress(), "--listen-peer", fromFile.peerAddress(),
        "--initial-cluster", "n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103");
    assertThat(fromFile).isEqualTo(fromDefaults);
  }

  private static NodeConfig resolve(String... args) {
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs(args);
    LatticeNodeCommand command = cl.getCommand();
    return command.resolveConfig();
  }
}
