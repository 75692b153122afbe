package io.lattice.cli;

import io.lattice.cli.client.ClientTls;
import io.lattice.cli.client.LatticeClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What commands get from their surroundings instead of from globals: standard input, the raw
 * standard output (for binary values), the environment, and how to get a client. A one-shot run
 * creates a client per command; the shell lends its own long-lived client (see {@link
 * #withSharedClient}).
 */
public final class CliContext {
  private final InputStream in;
  private final OutputStream rawOut;
  private final Map<String, String> env;
  private final ClientMaker clients;
  private final LatticeClient shared;

  public CliContext(InputStream in, OutputStream rawOut, Map<String, String> env) {
    // a lambda, not LatticeClient::new: linking a method reference would load the gRPC classes
    // even for commands that never connect
    this(in, rawOut, env, (endpoints, timeout, tls) -> new LatticeClient(endpoints, timeout, tls),
        null);
  }

  /** Makes the client of a command. */
  private interface ClientMaker {
    LatticeClient make(List<String> endpoints, Duration timeout, ClientTls tls);
  }

  private CliContext(InputStream in, OutputStream rawOut, Map<String, String> env,
      ClientMaker clients, LatticeClient shared) {
    this.in = Objects.requireNonNull(in);
    this.rawOut = Objects.requireNonNull(rawOut);
    this.env = Map.copyOf(env);
    this.clients = clients;
    this.shared = shared;
  }

  /** The context of the real process: System.in/out and the real environment. */
  public static CliContext system() {
    return new CliContext(System.in, System.out, System.getenv());
  }

  /**
   * The context of commands run inside the shell: they use {@code client} when they ask for its
   * endpoints and timeout, and see {@code defaults} (LATTICE_* variables: the shell's own global
   * options) over the environment, so a command without global options uses the shell's.
   */
  public CliContext forShell(LatticeClient client, InputStream in, OutputStream rawOut,
      Map<String, String> defaults) {
    Map<String, String> merged = new java.util.HashMap<>(env);
    merged.putAll(defaults);
    return new CliContext(in, rawOut, merged, clients, client);
  }

  public InputStream in() {
    return in;
  }

  /** Standard output as bytes; flush the command's PrintWriter before writing here. */
  public OutputStream rawOut() {
    return rawOut;
  }

  public Map<String, String> env() {
    return env;
  }

  /** True inside {@code lattice shell}. */
  public boolean interactive() {
    return shared != null;
  }

  /** Where the shell keeps its history: $LATTICE_HISTORY, else ~/.lattice_history. */
  public Path historyFile() {
    String f = env.get("LATTICE_HISTORY");
    if (f != null && !f.isBlank()) {
      return Path.of(f);
    }
    return Path.of(System.getProperty("user.home"), ".lattice_history");
  }

  /**
   * A client for {@code endpoints}, {@code timeout} and {@code tls} (null: plaintext): the shell's
   * own when all are the shell's, else a new one that the lease closes when the command ends.
   */
  public ClientLease client(List<String> endpoints, Duration timeout, ClientTls tls) {
    if (shared != null && shared.endpoints().equals(endpoints)
        && shared.timeout().equals(timeout) && Objects.equals(shared.tls(), tls)) {
      return new ClientLease(shared, false);
    }
    return new ClientLease(clients.make(endpoints, timeout, tls), true);
  }

  /** A client for the duration of one command; closes it unless it is the shell's. */
  public static final class ClientLease implements AutoCloseable {
    private final LatticeClient client;
    private final boolean owned;

    ClientLease(LatticeClient client, boolean owned) {
      this.client = client;
      this.owned = owned;
    }

    public LatticeClient client() {
      return client;
    }

    @Override
    public void close() {
      if (owned) {
        client.close();
      }
    }
  }
}
