package io.lattice.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code lattice cert create-ca|create-node|create-client|list}: a certificate authority and the
 * certificates of a cluster, in one directory ({@link CertsDir}). Only these commands load
 * BouncyCastle (through io.lattice.tls); every other command starts without it.
 */
@Command(name = "cert", description = "Create a CA and node and client certificates; list them.",
    subcommands = {CertCreateCaCommand.class, CertCreateNodeCommand.class,
        CertCreateClientCommand.class, CertListCommand.class},
    footer = {"", "Files go to --certs-dir DIR (env LATTICE_CERTS_DIR; default: certs):",
        "  ca.crt, ca.key            the CA (ca.key may live elsewhere: --ca-key FILE)",
        "  node.ID.crt, .key         a member's (OU node, CN = ID)",
        "  client.NAME.crt, .key     a client's (CN = NAME; OU admin, readonly or none)",
        "Keys are readable by their owner only; no file is replaced without --overwrite.",
        "", "Example:",
        "  lattice cert create-ca",
        "  lattice cert create-node n1 --host 127.0.0.1 --host localhost",
        "  lattice cert create-client root --admin",
        "  lattice --certs-dir certs status"})
final class CertCommand extends BaseCommand {
  CertCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: create-ca, create-node, create-client or list");
  }

  /** The certificates directory of a {@code cert} command: {@code --certs-dir}, else certs/. */
  static Path dir(GlobalOptions g) {
    return g.certsDir() != null ? g.certsDir() : CertsDir.DEFAULT;
  }
}
