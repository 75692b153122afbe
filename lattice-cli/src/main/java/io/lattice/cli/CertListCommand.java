package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.output.OutputFormat;
import io.lattice.cli.output.Table;
import io.lattice.tls.Identities;
import io.lattice.tls.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code lattice cert list}: every certificate in the directory, what it is for, until when, and
 * whether the directory's CA signed it.
 */
@Command(name = "list", description = "List the certificates in the certificates directory: "
    + "kind, name, role, hosts, expiry, whether the CA there signed them, whether their key is "
    + "there.")
final class CertListCommand extends BaseCommand {
  CertListCommand(CliContext ctx) {
    super(ctx);
  }

  /** One certificate file as listed. */
  record Row(String file, String kind, String name, String role, List<String> hosts,
      Instant expires, boolean expired, String signedByCa, boolean keyPresent) {}

  @Override
  public Integer call() throws IOException {
    Path dir = CertCommand.dir(globals());
    if (!Files.isDirectory(dir)) {
      throw CliException.failure("no certificates directory " + dir + " (create a CA there with "
          + "`lattice cert create-ca`, or give --certs-dir)");
    }
    List<Row> rows = rows(dir, Instant.now());
    if (format() == OutputFormat.json) {
      JsonArray a = new JsonArray();
      for (Row r : rows) {
        JsonObject o = new JsonObject();
        o.addProperty("file", r.file());
        o.addProperty("kind", r.kind());
        o.addProperty("name", r.name());
        o.addProperty("role", r.role());
        JsonArray h = new JsonArray();
        r.hosts().forEach(h::add);
        o.add("hosts", h);
        o.addProperty("expires", r.expires() == null ? null : r.expires().toString());
        o.addProperty("expired", r.expired());
        o.addProperty("signed_by_ca", r.signedByCa());
        o.addProperty("key", r.keyPresent());
        a.add(o);
      }
      JsonObject doc = new JsonObject();
      doc.addProperty("dir", dir.toString());
      doc.add("certificates", a);
      printJson(doc);
      return ExitCodes.OK;
    }
    if (rows.isEmpty()) {
      out().println("no certificates in " + dir);
      out().flush();
      return ExitCodes.OK;
    }
    Table t = new Table("FILE", "KIND", "NAME", "ROLE", "HOSTS", "EXPIRES", "SIGNED-BY-CA", "KEY");
    for (Row r : rows) {
      t.row(r.file(), r.kind(), r.name(), r.role(),
          r.hosts().isEmpty() ? null : String.join(",", r.hosts()),
          r.expires() == null ? null : r.expires() + (r.expired() ? " (expired)" : ""),
          r.signedByCa(), r.keyPresent() ? "yes" : "no");
    }
    t.print(out());
    return ExitCodes.OK;
  }

  /** The rows for every {@code *.crt} in {@code dir}, by file name. */
  static List<Row> rows(Path dir, Instant now) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".crt")).sorted().toList();
    }
    X509Certificate ca = null;
    Path caFile = CertsDir.caCert(dir);
    if (Files.exists(caFile)) {
      try {
        ca = Pem.readCertificates(caFile).get(0);
      } catch (IOException e) {
        ca = null; // listed as unreadable below
      }
    }
    List<Row> rows = new ArrayList<>();
    for (Path f : files) {
      String file = f.getFileName().toString();
      boolean key = Files.exists(dir.resolve(file.substring(0, file.length() - 4) + ".key"));
      X509Certificate c;
      try {
        c = Pem.readCertificates(f).get(0);
      } catch (IOException | RuntimeException e) {
        rows.add(new Row(file, "unreadable", null, null, List.of(), null, false, null, key));
        continue;
      }
      boolean isCa = c.getBasicConstraints() >= 0;
      String kind = isCa ? "ca" : Identities.isNode(c) ? "node" : "client";
      String role = kind.equals("client")
          ? Identities.roleOf(c).name().toLowerCase(Locale.ROOT) : null;
      String signed = ca == null ? "no CA" : Identities.signedBy(c, ca)
          ? (c.equals(ca) ? "self" : "yes") : "no";
      Instant expires = c.getNotAfter().toInstant();
      rows.add(new Row(file, kind, Identities.commonName(c), role, Identities.hosts(c), expires,
          expires.isBefore(now), signed, key));
    }
    return rows;
  }
}
