package io.lattice.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options of the {@code lattice cert create-*} commands. */
final class CertOptions {
  @Option(names = "--ca-key", paramLabel = "FILE",
      description = "The CA's private key (default: ca.key in the certificates directory; it may "
          + "be kept elsewhere, e.g. offline).")
  Path caKey;

  @Option(names = "--lifetime", paramLabel = "DURATION", converter = LifetimeConverter.class,
      description = "How long the certificate is valid: 8760h, 366d, 10y (default: 10y for a CA, "
          + "366d otherwise).")
  Duration lifetime;

  @Option(names = "--overwrite",
      description = "Replace existing files (never done without it: a lost key cannot be got "
          + "back).")
  boolean overwrite;

  /** The CA key file: {@code --ca-key}, else ca.key in {@code dir}. */
  Path caKey(Path dir) {
    return caKey != null ? caKey : CertsDir.caKey(dir);
  }

  Duration lifetime(Duration otherwise) {
    return lifetime != null ? lifetime : otherwise;
  }
}
