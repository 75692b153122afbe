package io.lattice.cli;

import io.lattice.cli.client.ClientTls;
import io.lattice.cli.client.Endpoints;
import io.lattice.cli.output.OutputFormat;
import java.nio.file.Files;
import java.nio.file.Path;
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
      description = "Print the details of errors (the raw gRPC status, stack traces) and "
          + "the libraries' log messages.")
  boolean verbose;

  @Option(names = "--cacert", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Dial TLS, trusting the CA certificate(s) in FILE (env LATTICE_CACERT).")
  Path cacert;

  @Option(names = "--cert", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Client certificate to present, for mutual TLS (env LATTICE_CERT).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "The client certificate's private key (env LATTICE_KEY).")
  Path key;

  @Option(names = "--certs-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "Certificates directory: the CLI takes ca.crt and client.crt/.key (else "
          + "client.root.crt/.key) from it unless given the files; `lattice cert` writes there "
          + "(env LATTICE_CERTS_DIR; default for `lattice cert`: certs).")
  Path certsDir;

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

  /** {@code --certs-dir} (or its variable), or null. */
  public Path certsDir() {
    return certsDir;
  }

  /**
   * How to dial, by the documented rule: {@code --cacert} (else {@code DIR/ca.crt} of {@code
   * --certs-dir DIR}) makes the client dial TLS; {@code --cert} and {@code --key} (else, from
   * {@code DIR}, {@code client.crt} and {@code client.key} if both exist, else {@code
   * client.root.crt} and {@code client.root.key} if both exist) are presented to servers that ask.
   * Null, for plaintext, when neither a CA nor a directory is given.
   *
   * @throws CommandLine.ParameterException (exit 2) for a certificate without its key or the
   *     other way round, or a client certificate without a CA
   * @throws CliException (exit 1) for a file that does not exist
   */
  public ClientTls tls(CommandLine cl) {
    Path ca = cacert;
    Path c = cert;
    Path k = key;
    if (certsDir != null) {
      if (ca == null) {
        ca = certsDir.resolve("ca.crt");
      }
      if (c == null && k == null) {
        for (String name : new String[] {"client", "client.root"}) {
          Path pc = certsDir.resolve(name + ".crt");
          Path pk = certsDir.resolve(name + ".key");
          if (Files.exists(pc) && Files.exists(pk)) {
            c = pc;
            k = pk;
            break;
          }
        }
      }
    }
    if ((c == null) != (k == null)) {
      throw new CommandLine.ParameterException(cl, c == null
          ? "--key needs --cert (the certificate of that key)"
          : "--cert needs --key (the certificate's private key)");
    }
    if (ca == null) {
      if (c != null) {
        throw new CommandLine.ParameterException(cl, "--cert needs --cacert (the CA that "
            + "signed the servers' certificates) or --certs-dir");
      }
      return null;
    }
    mustExist(ca, cacert != null ? "--cacert" : "--certs-dir (ca.crt)");
    if (c != null) {
      mustExist(c, "--cert");
      mustExist(k, "--key");
    }
    return new ClientTls(ca, c, k);
  }

  private static void mustExist(Path file, String what) {
    if (!Files.isReadable(file)) {
      throw CliException.failure(what + ": " + file + (Files.exists(file) ? " is not readable"
          : " does not exist"));
    }
  }
}
