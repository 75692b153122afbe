package io.lattice.server;

import io.lattice.security.NodeSecurity;
import io.lattice.security.TlsSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The TLS flags of {@code lattice-node}, with etcd's names; the same keys in the --config file (a
 * flag wins). A node with none of them refuses to start unless given {@code --insecure}; see
 * {@link TlsSettings#validate()} for what else is refused.
 */
final class TlsOptions {
  /** The --config keys of these options. */
  static final Set<String> CONFIG_KEYS = Set.of("cert-file", "key-file", "trusted-ca-file",
      "client-cert-auth", "peer-cert-file", "peer-key-file", "peer-trusted-ca-file", "insecure");

  @Option(names = "--cert-file", paramLabel = "FILE",
      description = "PEM certificate the node presents to clients (TLS).")
  Path certFile;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --cert-file.")
  Path keyFile;

  @Option(names = "--trusted-ca-file", paramLabel = "FILE",
      description = "PEM CA certificates whose client certificates are accepted.")
  Path trustedCaFile;

  @Option(names = "--client-cert-auth", arity = "0..1", fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Every client call needs a certificate from --trusted-ca-file; admin calls "
          + "need the admin role, read-only certificates may only read (default: false).")
  Boolean clientCertAuth;

  @Option(names = "--peer-cert-file", paramLabel = "FILE",
      description = "PEM node certificate (OU node, CN = --id) for mutual TLS with peers.")
  Path peerCertFile;

  @Option(names = "--peer-key-file", paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --peer-cert-file.")
  Path peerKeyFile;

  @Option(names = "--peer-trusted-ca-file", paramLabel = "FILE",
      description = "PEM CA certificates of the members' peer certificates.")
  Path peerTrustedCaFile;

  @Option(names = "--insecure", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "Serve plaintext with no authentication at all (without it a node with no "
          + "certificates refuses to start) (default: false).")
  Boolean insecure;

  /** The settings from these flags over the --config file's keys. */
  TlsSettings settings(Properties file, Function<String, CommandLine.ParameterException> usage) {
    return new TlsSettings(path(certFile, file, "cert-file"), path(keyFile, file, "key-file"),
        path(trustedCaFile, file, "trusted-ca-file"),
        bool(clientCertAuth, file, "client-cert-auth", usage),
        path(peerCertFile, file, "peer-cert-file"), path(peerKeyFile, file, "peer-key-file"),
        path(peerTrustedCaFile, file, "peer-trusted-ca-file"),
        bool(insecure, file, "insecure", usage));
  }

  /** The node's security from the settings; a refusal is a usage error naming what is wrong. */
  NodeSecurity security(String selfId, Properties file,
      Function<String, CommandLine.ParameterException> usage) {
    TlsSettings s = settings(file, usage);
    String problem = s.validate();
    if (problem != null) {
      throw usage.apply(problem);
    }
    try {
      return NodeSecurity.create(selfId, s);
    } catch (IOException | IllegalArgumentException e) {
      throw usage.apply("TLS: " + e.getMessage());
    }
  }

  private static Path path(Path flag, Properties file, String key) {
    if (flag != null) {
      return flag;
    }
    String v = file.getProperty(key);
    return v == null || v.isBlank() ? null : Path.of(v.trim());
  }

  private static boolean bool(Boolean flag, Properties file, String key,
      Function<String, CommandLine.ParameterException> usage) {
    if (flag != null) {
      return flag;
    }
    String v = file.getProperty(key);
    if (v == null || v.isBlank()) {
      return false;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    if (!t.equals("true") && !t.equals("false")) {
      throw usage.apply("--config: " + key + "='" + v + "' is not true or false");
    }
    return Boolean.parseBoolean(t);
  }
}
