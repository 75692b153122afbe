package io.lattice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The layout of a certificates directory, after CockroachDB's {@code cockroach cert}: {@code
 * ca.crt} (and, unless kept elsewhere, {@code ca.key}), {@code node.ID.crt}/{@code node.ID.key} per
 * member, {@code client.NAME.crt}/{@code client.NAME.key} per client. One place for the names, so
 * that {@code lattice cert} writes what the client options ({@code --certs-dir}) look for.
 */
final class CertsDir {
  /** Where {@code lattice cert} works when neither {@code --certs-dir} nor its variable is set. */
  static final Path DEFAULT = Path.of("certs");
  static final String CA_CERT = "ca.crt";
  static final String CA_KEY = "ca.key";

  /** Member ids and client names become file names: no separators, no leading dot. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*");

  private CertsDir() {}

  static Path caCert(Path dir) {
    return dir.resolve(CA_CERT);
  }

  static Path caKey(Path dir) {
    return dir.resolve(CA_KEY);
  }

  static Path nodeCert(Path dir, String id) {
    return dir.resolve("node." + id + ".crt");
  }

  static Path nodeKey(Path dir, String id) {
    return dir.resolve("node." + id + ".key");
  }

  static Path clientCert(Path dir, String name) {
    return dir.resolve("client." + name + ".crt");
  }

  static Path clientKey(Path dir, String name) {
    return dir.resolve("client." + name + ".key");
  }

  /** Whether {@code name} can name a certificate's files (and so its subject). */
  static boolean validName(String name) {
    return NAME.matcher(name).matches();
  }

  /**
   * Refuses (exit 1) when any of {@code files} exists, unless {@code overwrite}: a key that is
   * replaced by accident cannot be got back, and every certificate it signed or that matches it
   * stops working.
   */
  static void refuseToOverwrite(boolean overwrite, Path... files) {
    if (overwrite) {
      return;
    }
    for (Path f : files) {
      if (Files.exists(f)) {
        throw CliException.failure(f + " already exists: not overwriting it (give --overwrite to "
            + "replace it)");
      }
    }
  }
}
