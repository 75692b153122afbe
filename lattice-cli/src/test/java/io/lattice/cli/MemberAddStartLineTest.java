package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.lattice.proto.v1.Security;
import io.lattice.security.NodeSecurity;
import io.lattice.server.NodeCommandLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lattice member add} prints a start line secured as the cluster is: on a TLS cluster the
 * TLS flags naming what {@code lattice cert create-node} writes (and the command that writes
 * them), with {@code --client-cert-auth} when the cluster requires client certificates; on a
 * plaintext one {@code --insecure}. The printed certificate command and start line are run
 * through {@code lattice cert} and the node's own option resolution.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MemberAddStartLineTest {
  private static final Security MTLS = Security.newBuilder().setClientTls(true).setPeerTls(true)
      .setClientCertAuth(true).build();
  private static final Security TLS = Security.newBuilder().setClientTls(true).setPeerTls(true)
      .build();

  @TempDir static Path dir;
  static Path certs;

  @BeforeAll
  static void certificates() {
    certs = dir.resolve("certs");
    for (String[] args : List.of(new String[] {"cert", "create-ca"},
        new String[] {"cert", "create-node", "s1", "--host", "127.0.0.1", "--host", "localhost"},
        new String[] {"cert", "create-client", "root", "--admin"})) {
      List<String> all = new ArrayList<>(Arrays.asList(args));
      all.addAll(List.of("--certs-dir", certs.toString()));
      Cli.Result r = Cli.run(all.toArray(String[]::new));
      assertThat(r.code()).as(r.toString()).isZero();
    }
  }

  private static TlsStub serving(ClientAuth auth, Security reported) throws Exception {
    return TlsStub.tls(CertsDir.nodeCert(certs, "s1"), CertsDir.nodeKey(certs, "s1"),
        CertsDir.caCert(certs), auth, reported);
  }

  private static Cli.Result add(TlsStub s, String id, String... more) {
    List<String> all = new ArrayList<>(List.of("member", "add", id, "--peer-address",
        "127.0.0.1:7104", "--client-address", "127.0.0.1:7004", "--data-dir",
        dir.resolve("data-" + id).toString(), "--endpoints", s.address(), "--timeout", "3s"));
    all.addAll(List.of(more));
    Cli.Result r = Cli.run(all.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    return r;
  }

  private static List<String> words(String line, String command) {
    assertThat(line).startsWith(command + " ");
    return Arrays.asList(line.substring(command.length() + 1).split(" "));
  }

  @Test
  void onAClusterThatRequiresClientCertificatesTheLineHasEveryTlsFlag() throws Exception {
    try (TlsStub s = serving(ClientAuth.REQUIRE, MTLS)) {
      List<String> lines = add(s, "n4", "--certs-dir", certs.toString()).out().lines().toList();
      assertThat(lines.get(1)).startsWith("Make its certificate");
      String certLine = lines.get(2).trim();
      assertThat(certLine).isEqualTo("lattice cert create-node n4 --host 127.0.0.1 --certs-dir "
          + certs);
      assertThat(lines.get(3)).isEqualTo("Start it with:");
      String start = lines.get(4).trim();
      String crt = certs.resolve("node.n4.crt").toString();
      String key = certs.resolve("node.n4.key").toString();
      String ca = certs.resolve("ca.crt").toString();
      assertThat(start).isEqualTo("lattice-node --id n4 --listen-client 127.0.0.1:7004 "
          + "--listen-peer 127.0.0.1:7104 --data-dir " + dir.resolve("data-n4")
          + " --join --cluster-id lattice --cert-file " + crt + " --key-file " + key
          + " --trusted-ca-file " + ca + " --client-cert-auth --peer-cert-file " + crt
          + " --peer-key-file " + key + " --peer-trusted-ca-file " + ca);

      // the printed certificate command makes the files the printed start line names
      Cli.Result made = Cli.run(words(certLine, "lattice").toArray(String[]::new));
      assertThat(made.code()).as(made.toString()).isZero();
      assertThat(Files.exists(Path.of(crt)) && Files.exists(Path.of(key))).isTrue();
      NodeSecurity node = NodeCommandLines.securityOf(words(start, "lattice-node"));
      assertThat(node.isInsecure()).isFalse();
      assertThat(node.clientCertAuth()).isTrue();
    }
  }

  @Test
  void theStartLineNamesTheFilesWhereTheyWillBeOnTheNewHost() throws Exception {
    try (TlsStub s = serving(ClientAuth.REQUIRE, MTLS)) {
      List<String> lines = add(s, "n3", "--certs-dir", certs.toString(), "--node-certs-dir",
          "/etc/lattice/certs").out().lines().toList();
      assertThat(lines.get(1)).endsWith(" to its host (/etc/lattice/certs):");
      assertThat(lines.get(2).trim()).isEqualTo("lattice cert create-node n3 --host 127.0.0.1 "
          + "--certs-dir " + certs);
      assertThat(lines.get(4).trim()).contains(" --cert-file /etc/lattice/certs/node.n3.crt "
          + "--key-file /etc/lattice/certs/node.n3.key --trusted-ca-file "
          + "/etc/lattice/certs/ca.crt --client-cert-auth ");
    }
  }

  @Test
  void withoutClientCertificateAuthTheLineLeavesItOut() throws Exception {
    try (TlsStub s = serving(ClientAuth.NONE, TLS)) {
      String start = add(s, "n5", "--certs-dir", certs.toString()).out().lines().toList().get(4)
          .trim();
      assertThat(start).contains("--cert-file " + certs.resolve("node.n5.crt"))
          .contains("--peer-trusted-ca-file " + certs.resolve("ca.crt"))
          .doesNotContain("--client-cert-auth").doesNotContain("--trusted-ca-file")
          .doesNotContain("--insecure");
    }
  }

  @Test
  void aMemberThatDoesNotReportItsSecurityIsJudgedByTheConnection() throws Exception {
    try (TlsStub s = serving(ClientAuth.OPTIONAL, null)) {
      // presenting a client certificate: assume the cluster requires them
      assertThat(add(s, "n6", "--certs-dir", certs.toString()).out())
          .contains("--client-cert-auth").contains("--peer-cert-file");
      // the CA only
      String out = add(s, "n7", "--cacert", CertsDir.caCert(certs).toString()).out();
      assertThat(out).contains("lattice cert create-node n7 --host 127.0.0.1\n")
          .contains("--cert-file certs/node.n7.crt").doesNotContain("--client-cert-auth");
    }
  }

  @Test
  void inJsonTheCertificateCommandComesAsWordsToo() throws Exception {
    try (TlsStub s = serving(ClientAuth.REQUIRE, MTLS)) {
      JsonObject o = add(s, "n8", "--certs-dir", certs.toString(), "-o", "json").json();
      List<String> cert = new ArrayList<>();
      o.getAsJsonArray("certificate_command").forEach(e -> cert.add(e.getAsString()));
      assertThat(cert).containsExactly("lattice", "cert", "create-node", "n8", "--host",
          "127.0.0.1", "--certs-dir", certs.toString());
      List<String> start = new ArrayList<>();
      o.getAsJsonArray("start_command").forEach(e -> start.add(e.getAsString()));
      assertThat(start).contains("--client-cert-auth", "--peer-key-file");
    }
  }

  @Test
  void statusShowsTheSecurityInItsHeader() throws Exception {
    try (TlsStub s = serving(ClientAuth.REQUIRE, MTLS)) {
      Cli.Result r = Cli.run("status", "--endpoints", s.address(), "--certs-dir",
          certs.toString(), "--timeout", "3s");
      assertThat(r.out().lines().findFirst().orElse("")).as(r.toString())
          .endsWith(" members reachable; mTLS");
      Cli.Result j = Cli.run("status", "--endpoints", s.address(), "--certs-dir",
          certs.toString(), "--timeout", "3s", "-o", "json");
      assertThat(j.json().getAsJsonArray("members").get(0).getAsJsonObject().get("security")
          .getAsString()).isEqualTo("mtls");
    }
    try (TlsStub s = serving(ClientAuth.NONE, TLS)) {
      assertThat(Cli.run("status", "--endpoints", s.address(), "--cacert",
          CertsDir.caCert(certs).toString(), "--timeout", "3s").out()).contains("reachable; TLS\n");
    }
    try (TlsStub s = serving(ClientAuth.NONE, null)) {
      assertThat(Cli.run("status", "--endpoints", s.address(), "--cacert",
          CertsDir.caCert(certs).toString(), "--timeout", "3s").out())
          .as("a member that does not say").contains(" members reachable\n");
    }
    assertThat(StatusReport.securityOf(io.lattice.proto.v1.StatusResponse.newBuilder()
        .setSecurity(Security.getDefaultInstance()).build())).isEqualTo("insecure");
  }

  @Test
  void onAPlaintextClusterTheLineSaysInsecure() throws Exception {
    try (TlsStub s = TlsStub.plaintext()) {
      String out = add(s, "n9").out();
      assertThat(out).doesNotContain("lattice cert").contains("--cluster-id lattice --insecure\n");
    }
  }
}
