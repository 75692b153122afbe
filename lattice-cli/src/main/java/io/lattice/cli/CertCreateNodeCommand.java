package io.lattice.cli;

import io.lattice.tls.CertificateAuthority;
import io.lattice.tls.CertificateRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice cert create-node ID --host H ...}: a member's certificate (OU node, CN = ID),
 * valid for the hosts clients and peers dial it by, signed by the CA.
 */
@Command(name = "create-node", description = "Create a member's certificate: node.ID.crt and "
    + "node.ID.key, for the names and addresses it is dialled by.",
    footer = {"", "Example:", "  lattice cert create-node n1 --host 10.0.0.1 --host n1.example.org"})
final class CertCreateNodeCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "ID", description = "The member id (the certificate's CN).")
  String id;

  @Option(names = "--host", paramLabel = "HOST",
      description = "A DNS name or IP address the member is dialled by (repeat for several; "
          + "at least one).")
  List<String> hosts;

  @Mixin
  CertOptions o;

  CertCreateNodeCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    if (!CertsDir.validName(id)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "'" + id + "' cannot be a "
          + "member id in a file name (letters, digits, and _ . @ - after the first)");
    }
    if (hosts == null || hosts.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "a node certificate needs "
          + "the names clients and peers dial the member by: give --host (e.g. --host "
          + "127.0.0.1 --host localhost)");
    }
    Path dir = CertCommand.dir(globals());
    Path cert = CertsDir.nodeCert(dir, id);
    Path key = CertsDir.nodeKey(dir, id);
    CertsDir.refuseToOverwrite(o.overwrite, cert, key);
    CertificateAuthority ca = CertCreateClientCommand.loadCa(dir, o);
    ca.issue(CertificateRequest.node(id, hosts, Instant.now(),
        o.lifetime(CertificateRequest.DEFAULT_LEAF_VALIDITY))).write(cert, key);
    out().println("wrote " + cert + " and " + key + " (member " + id + ", hosts "
        + String.join(", ", hosts) + ")");
    out().flush();
    return ExitCodes.OK;
  }
}
