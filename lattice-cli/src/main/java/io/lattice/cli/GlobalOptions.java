package io.lattice.cli;

import io.lattice.cli.client.Endpoints;
import io.lattice.cli.output.OutputFormat;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The options every command accepts, before or after the command name (they are inherited by the
 * whole command tree). Defaults come from the environment first ({@link EnvDefaults}): a flag beats
 * its variable, the variable beats the built-in default.
 */
public final class GlobalOptions {
  @Option(names = "--endpoints", paramLabel = "HOST:PORT[,...]", scope = ScopeType.INHERIT,
      defaultValue = "127.0.0.1:7001",
      description = "Nodes to contact, comma-separated (env LATTICE_ENDPOINTS; default: "
          + "${DEFAULT-VALUE}).")
  String endpoints;

  @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT,
      defaultValue = "5s", converter = DurationConverter.class,
      description = "Time limit of each request, retries included: 500ms, 5s, 1m "
          + "(env LATTICE_TIMEOUT; default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
      defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (env LATTICE_OUTPUT; default: "
          + "${DEFAULT-VALUE}).")
  io.lattice.cli.output.OutputFormat output;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Print stack traces with errors.")
  boolean verbose;

  /** The parsed endpoint list; a malformed one is a usage error of {@code spec}'s command. */
  public List<String> endpoints(CommandLine cl) {
    try {
      return Endpoints.parse(endpoints);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--endpoints: " + e.getMessage());
    }
  }

  public String endpointsText() {
    return endpoints;
  }

  public Duration timeout() {
    return timeout;
  }

  public OutputFormat output() {
    return output;
  }

  public boolean verbose() {
    return verbose;
  }
}
