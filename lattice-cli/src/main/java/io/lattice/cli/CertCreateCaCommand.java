package io.lattice.cli;

import io.lattice.tls.CertificateAuthority;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lattice cert create-ca}: a new certificate authority (ca.crt, ca.key). */
@Command(name = "create-ca", description = "Create the certificate authority: ca.crt and its "
    + "key, which signs every node and client certificate.")
final class CertCreateCaCommand extends BaseCommand {
  @Mixin
  CertOptions o;

  CertCreateCaCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    Path dir = CertCommand.dir(globals());
    Path cert = CertsDir.caCert(dir);
    Path key = o.caKey(dir);
    CertsDir.refuseToOverwrite(o.overwrite, cert, key);
    CertificateAuthority.create("Lattice CA", Instant.now(),
        o.lifetime(CertificateAuthority.DEFAULT_CA_VALIDITY)).write(cert, key);
    out().println("wrote " + cert + " and " + key + " (keep the key secret: it signs every "
        + "certificate)");
    out().flush();
    return ExitCodes.OK;
  }
}
