package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.tls.Identities;
import io.lattice.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lattice cert}: the files it writes, their layout and contents, and its refusals. */
class CertCommandsTest {
  @TempDir
  Path dir;

  private Cli.Result cert(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "cert";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--certs-dir";
    all[args.length + 2] = dir.toString();
    return Cli.run(all);
  }

  private static X509Certificate read(Path p) throws Exception {
    return Pem.readCertificates(p).get(0);
  }

  @Test
  void createsACaNodeAndClientCertificatesThatVerifyAgainstIt() throws Exception {
    assertThat(cert("create-ca").code()).isZero();
    Cli.Result node = cert("create-node", "n1", "--host", "127.0.0.1", "--host", "localhost");
    assertThat(node.code()).as(node.toString()).isZero();
    assertThat(node.out()).contains("node.n1.crt", "127.0.0.1, localhost");
    assertThat(cert("create-client", "root", "--admin").code()).isZero();
    assertThat(cert("create-client", "alice").code()).isZero();
    assertThat(cert("create-client", "bob", "--readonly").code()).isZero();

    assertThat(dir.resolve("ca.crt")).exists();
    assertThat(dir.resolve("ca.key")).exists();
    X509Certificate ca = read(dir.resolve("ca.crt"));
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(ca.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(3600)));

    X509Certificate n1 = read(dir.resolve("node.n1.crt"));
    n1.verify(ca.getPublicKey());
    assertThat(Identities.isNode(n1)).isTrue();
    assertThat(Identities.commonName(n1)).isEqualTo("n1");
    assertThat(Identities.hosts(n1)).containsExactly("127.0.0.1", "localhost");
    assertThat(n1.getNotAfter().toInstant()).isBefore(Instant.now().plus(Duration.ofDays(367)));
    assertThat(Pem.readPrivateKey(dir.resolve("node.n1.key"))).isNotNull();

    X509Certificate root = read(dir.resolve("client.root.crt"));
    root.verify(ca.getPublicKey());
    assertThat(Identities.commonName(root)).isEqualTo("root");
    assertThat(Identities.roleOf(root)).isEqualTo(Identities.Role.ADMIN);
    assertThat(Identities.isNode(root)).isFalse();
    assertThat(Identities.roleOf(read(dir.resolve("client.alice.crt"))))
        .isEqualTo(Identities.Role.READWRITE);
    assertThat(Identities.roleOf(read(dir.resolve("client.bob.crt"))))
        .isEqualTo(Identities.Role.READONLY);

    for (String key : List.of("ca.key", "node.n1.key", "client.root.key")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key))))
          .as(key).isEqualTo("rw-------");
    }
  }

  @Test
  void neverOverwritesAKeyWithoutOverwrite() throws Exception {
    assertThat(cert("create-ca").code()).isZero();
    byte[] key = Files.readAllBytes(dir.resolve("ca.key"));
    Cli.Result again = cert("create-ca");
    assertThat(again.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err()).contains("ca.crt already exists: not overwriting it (give "
        + "--overwrite to replace it)");
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isEqualTo(key);

    assertThat(cert("create-client", "alice").code()).isZero();
    byte[] alice = Files.readAllBytes(dir.resolve("client.alice.key"));
    assertThat(cert("create-client", "alice", "--admin").code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(Files.readAllBytes(dir.resolve("client.alice.key"))).isEqualTo(alice);
    assertThat(cert("create-client", "alice", "--admin", "--overwrite").code()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("client.alice.key"))).isNotEqualTo(alice);
    assertThat(cert("create-ca", "--overwrite").code()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("ca.key"))).isNotEqualTo(key);
  }

  @Test
  void theCaKeyMayLiveOutsideTheDirectory(@TempDir Path safe) throws Exception {
    Path key = safe.resolve("ca.key");
    assertThat(cert("create-ca", "--ca-key", key.toString()).code()).isZero();
    assertThat(key).exists();
    assertThat(dir.resolve("ca.key")).doesNotExist();
    Cli.Result without = cert("create-client", "alice");
    assertThat(without.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(without.err()).contains("no CA key", "--ca-key FILE");
    assertThat(cert("create-client", "alice", "--ca-key", key.toString()).code()).isZero();
    read(dir.resolve("client.alice.crt")).verify(read(dir.resolve("ca.crt")).getPublicKey());
  }

  @Test
  void refusalsAndUsageErrors() {
    Cli.Result noCa = cert("create-node", "n1", "--host", "127.0.0.1");
    assertThat(noCa.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(noCa.err()).contains("no CA certificate", "lattice cert create-ca");
    assertThat(cert("create-ca").code()).isZero();
    Cli.Result noHost = cert("create-node", "n1");
    assertThat(noHost.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(noHost.err()).contains("give --host");
    assertThat(dir.resolve("node.n1.crt")).doesNotExist();
    assertThat(cert("create-client", "x", "--admin", "--readonly").code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(cert("create-client", "../evil").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(cert("create-ca", "--lifetime", "soon").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(cert().code()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void lifetimeSetsTheExpiry() throws Exception {
    assertThat(cert("create-ca", "--lifetime", "2y").code()).isZero();
    assertThat(cert("create-client", "a", "--lifetime", "48h").code()).isZero();
    Instant caEnd = read(dir.resolve("ca.crt")).getNotAfter().toInstant();
    Instant aEnd = read(dir.resolve("client.a.crt")).getNotAfter().toInstant();
    assertThat(Duration.between(Instant.now(), caEnd).toDays()).isBetween(729L, 730L);
    assertThat(Duration.between(Instant.now(), aEnd).toHours()).isBetween(47L, 48L);
  }

  @Test
  void listShowsWhatIsInTheDirectory() throws Exception {
    assertThat(cert("create-ca").code()).isZero();
    assertThat(cert("create-node", "n1", "--host", "10.0.0.1", "--host", "n1.example").code())
        .isZero();
    assertThat(cert("create-client", "root", "--admin").code()).isZero();
    assertThat(cert("create-client", "ro", "--readonly").code()).isZero();
    // a certificate of another CA, without its key
    Path other = dir.resolve("other");
    assertThat(Cli.run("cert", "create-ca", "--certs-dir", other.toString()).code()).isZero();
    assertThat(Cli.run("cert", "create-client", "stranger", "--certs-dir", other.toString())
        .code()).isZero();
    Files.copy(other.resolve("client.stranger.crt"), dir.resolve("client.stranger.crt"));

    Cli.Result r = cert("list");
    assertThat(r.code()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).startsWith("FILE").contains("KIND", "NAME", "ROLE", "HOSTS",
        "EXPIRES", "SIGNED-BY-CA", "KEY");
    assertThat(lines).hasSize(6);
    assertThat(lines.get(1)).startsWith("ca.crt").contains(" ca ", "self", "yes");
    assertThat(line(lines, "client.ro.crt")).contains("client", " ro ", "readonly", " yes ");
    assertThat(line(lines, "client.root.crt")).contains("admin");
    assertThat(line(lines, "client.stranger.crt")).contains("readwrite").matches(".* no +no$");
    assertThat(line(lines, "node.n1.crt")).contains("node", "n1", "10.0.0.1,n1.example", " yes");

    Cli.Result json = Cli.run("cert", "list", "--certs-dir", dir.toString(), "-o", "json");
    assertThat(json.code()).isZero();
    var certs = json.json().getAsJsonArray("certificates");
    assertThat(certs).hasSize(5);
    var node = certs.get(4).getAsJsonObject();
    assertThat(node.get("kind").getAsString()).isEqualTo("node");
    assertThat(node.get("signed_by_ca").getAsString()).isEqualTo("yes");
    assertThat(node.get("expired").getAsBoolean()).isFalse();
  }

  @Test
  void theDirectoryComesFromTheVariableAndDefaultsToCerts() {
    Cli.Result r = Cli.run(Map.of("LATTICE_CERTS_DIR", dir.toString()), new byte[0],
        "cert", "create-ca");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(dir.resolve("ca.crt")).exists();
    Cli.Result list = Cli.run(Map.of(), new byte[0], "cert", "list", "--certs-dir",
        dir.resolve("none").toString());
    assertThat(list.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(list.err()).contains("no certificates directory");
    assertThat(CertsDir.DEFAULT).isEqualTo(Path.of("certs"));
  }

  private static String line(List<String> lines, String file) {
    return lines.stream().filter(l -> l.startsWith(file + " ")).findFirst().orElseThrow();
  }
}
