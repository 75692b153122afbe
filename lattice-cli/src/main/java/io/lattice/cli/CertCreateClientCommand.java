package io.lattice.cli;

import io.lattice.tls.CertificateAuthority;
import io.lattice.tls.CertificateRequest;
import io.lattice.tls.Identities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice cert create-client NAME [--admin | --readonly]}: a client's certificate (CN =
 * NAME, the role in its OU, see {@link Identities}), signed by the CA.
 */
@Command(name = "create-client", description = "Create a client's certificate: client.NAME.crt "
    + "and client.NAME.key; its role is read-write unless --admin or --readonly.",
    footer = {"", "The CLI picks client.root.crt from --certs-dir by itself:",
        "  lattice cert create-client root --admin"})
final class CertCreateClientCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The client's name (its CN).")
  String name;

  @Option(names = "--admin", description = "May also change the cluster (members, leader, "
      + "snapshots).")
  boolean admin;

  @Option(names = "--readonly", description = "May only read keys and status.")
  boolean readonly;

  @Mixin
  CertOptions o;

  CertCreateClientCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    if (!CertsDir.validName(name)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "'" + name + "' cannot be a "
          + "client name in a file name (letters, digits, and _ . @ - after the first)");
    }
    if (admin && readonly) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--admin and --readonly exclude each other");
    }
    Identities.Role role = admin ? Identities.Role.ADMIN
        : readonly ? Identities.Role.READONLY : Identities.Role.READWRITE;
    Path dir = CertCommand.dir(globals());
    Path cert = CertsDir.clientCert(dir, name);
    Path key = CertsDir.clientKey(dir, name);
    CertsDir.refuseToOverwrite(o.overwrite, cert, key);
    CertificateAuthority ca = loadCa(dir, o);
    ca.issue(CertificateRequest.client(name, role, Instant.now(),
        o.lifetime(CertificateRequest.DEFAULT_LEAF_VALIDITY))).write(cert, key);
    out().println("wrote " + cert + " and " + key + " (client " + name + ", role "
        + role.name().toLowerCase(java.util.Locale.ROOT) + ")");
    out().flush();
    return ExitCodes.OK;
  }

  /** The CA of {@code dir} (its key per {@code o}); exit 1 naming what is missing. */
  static CertificateAuthority loadCa(Path dir, CertOptions o) throws IOException {
    Path cert = CertsDir.caCert(dir);
    Path key = o.caKey(dir);
    if (!Files.exists(cert)) {
      throw CliException.failure("no CA certificate " + cert + ": create one with `lattice cert "
          + "create-ca`");
    }
    if (!Files.exists(key)) {
      throw CliException.failure("no CA key " + key + ": give the CA's key with --ca-key FILE");
    }
    return CertificateAuthority.load(cert, key);
  }
}
