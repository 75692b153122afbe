package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.lattice.tls.CertificateAuthority;
import io.lattice.tls.CertificateRequest;
import io.lattice.tls.Identities;
import io.lattice.tls.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against TLS servers ({@link TlsStub}): it dials TLS with a CA, presents its certificate
 * to servers that ask, and explains every way the connection or the authorization can fail in
 * plain words, with exit code 6 (DENIED), and without gRPC's wording unless -v.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsClientTest {
  private static final List<String> LOCAL = List.of("127.0.0.1", "localhost");

  @TempDir
  static Path dir;

  static Path ca;
  static Path otherCa;
  static IssuedCertificate server;
  static Path serverCert;
  static Path serverKey;

  @BeforeAll
  static void certificates() throws Exception {
    Instant now = Instant.now();
    CertificateAuthority authority = CertificateAuthority.create("test CA", now,
        Duration.ofDays(30));
    ca = dir.resolve("ca.crt");
    authority.write(ca, dir.resolve("ca.key"));
    CertificateAuthority.create("other CA", now, Duration.ofDays(30))
        .write(otherCa = dir.resolve("other-ca.crt"), dir.resolve("other-ca.key"));
    write("server", authority.issue(CertificateRequest.node("s1", LOCAL, now,
        Duration.ofDays(1))));
    serverCert = dir.resolve("server.crt");
    serverKey = dir.resolve("server.key");
    write("expired-server", authority.issue(CertificateRequest.node("s1", LOCAL, now,
        Duration.ofDays(1)).withValidity(now.minus(Duration.ofDays(3)),
        now.minus(Duration.ofDays(2)))));
    write("wrong-host", authority.issue(CertificateRequest.node("s1",
        List.of("10.9.9.9", "elsewhere.example"), now, Duration.ofDays(1))));
    write("self-signed", CertificateAuthority.selfSigned(CertificateRequest.node("s1", LOCAL,
        now, Duration.ofDays(1))));
    write("client.alice", authority.issue(CertificateRequest.client("alice",
        Identities.Role.READWRITE, now, Duration.ofDays(1))));
    write("client.root", authority.issue(CertificateRequest.client("root",
        Identities.Role.ADMIN, now, Duration.ofDays(1))));
    write("expired-client", authority.issue(CertificateRequest.client("old",
        Identities.Role.READWRITE, now, Duration.ofDays(1))
        .withValidity(now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(2)))));
  }

  private static void write(String name, IssuedCertificate c) throws Exception {
    c.write(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
  }

  private static Cli.Result lattice(Map<String, String> env, TlsStub s, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--endpoints", s.address(), "--timeout", "3s"));
    return Cli.run(env, new byte[0], all.toArray(String[]::new));
  }

  private static Cli.Result lattice(TlsStub s, String... args) {
    return lattice(Map.of(), s, args);
  }

  private static TlsStub serving(String name, ClientAuth auth) throws Exception {
    return TlsStub.tls(dir.resolve(name + ".crt"), dir.resolve(name + ".key"), ca, auth);
  }

  private static String client(String name, String ext) {
    return dir.resolve(name + "." + ext).toString();
  }

  /** What a person should never see without -v. */
  private static void assertNoGrpcInternals(Cli.Result r) {
    assertThat(r.err()).doesNotContain("io.grpc", "Exception", "UNAVAILABLE", "\tat ");
    assertThat(r.err().lines().count()).as(r.toString()).isEqualTo(1);
  }

  @Test
  void dialsTlsWithTheCa() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("-"); // no client certificate presented
    }
  }

  @Test
  void presentsItsCertificateForMutualTls() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.REQUIRE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", ca.toString(),
          "--cert", client("client.alice", "crt"), "--key", client("client.alice", "key"));
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("alice");
    }
  }

  @Test
  void certsDirProvidesTheCaAndTheRootClientCertificate() throws Exception {
    Path certs = Files.createDirectories(dir.resolve("certs-root"));
    Files.copy(ca, certs.resolve("ca.crt"));
    Files.copy(dir.resolve("client.root.crt"), certs.resolve("client.root.crt"));
    Files.copy(dir.resolve("client.root.key"), certs.resolve("client.root.key"));
    try (TlsStub s = serving("server", ClientAuth.REQUIRE)) {
      Cli.Result r = lattice(s, "get", "k", "--certs-dir", certs.toString());
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("root");
      // client.crt, when there, wins over client.root.crt
      Files.copy(dir.resolve("client.alice.crt"), certs.resolve("client.crt"));
      Files.copy(dir.resolve("client.alice.key"), certs.resolve("client.key"));
      r = lattice(Map.of("LATTICE_CERTS_DIR", certs.toString()), s, "get", "k");
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("alice");
    }
  }

  @Test
  void environmentVariablesSetTheFilesAndAFlagBeatsItsVariable() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.REQUIRE)) {
      Map<String, String> env = Map.of("LATTICE_CACERT", otherCa.toString(),
          "LATTICE_CERT", client("client.alice", "crt"),
          "LATTICE_KEY", client("client.alice", "key"));
      Cli.Result r = lattice(env, s, "get", "k");
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      r = lattice(env, s, "get", "k", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("alice");
    }
  }

  @Test
  void aServerSignedByAnotherCaIsNotTrusted() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", otherCa.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("the server's certificate at " + s.address()
          + " is not signed by the CA in " + otherCa);
      assertNoGrpcInternals(r);
    }
  }

  @Test
  void aSelfSignedServerIsNotTrusted() throws Exception {
    try (TlsStub s = serving("self-signed", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "status", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("is not signed by the CA in " + ca);
    }
  }

  @Test
  void anExpiredServerCertificateSaysWhenItExpired() throws Exception {
    try (TlsStub s = serving("expired-server", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).containsPattern("the server's certificate at 127\\.0\\.0\\.1:\\d+ "
          + "expired at 20\\d\\d-");
      assertNoGrpcInternals(r);
    }
  }

  @Test
  void aCertificateForOtherHostsNamesThem() throws Exception {
    try (TlsStub s = serving("wrong-host", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("the server's certificate is for 10.9.9.9, "
          + "elsewhere.example, not 127.0.0.1");
      assertNoGrpcInternals(r);
    }
  }

  @Test
  void aServerThatWantsAClientCertificateSaysSo() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.REQUIRE)) {
      Cli.Result r = lattice(s, "put", "k", "v", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("the server at " + s.address()
          + " wants a client certificate: give --cert FILE and --key FILE");
      assertNoGrpcInternals(r);
    }
  }

  @Test
  void anExpiredClientCertificateIsNamed() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.REQUIRE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", ca.toString(),
          "--cert", client("expired-client", "crt"), "--key", client("expired-client", "key"));
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).containsPattern("our certificate .*expired-client\\.crt expired at "
          + "20\\d\\d-");
    }
  }

  @Test
  void aPlaintextClientAgainstATlsServerIsToldToGiveTheCa() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "k");
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("the server at " + s.address() + " speaks TLS and this "
          + "client dialled plaintext: give the CA that signed its certificate with --cacert");
      assertNoGrpcInternals(r);
    }
  }

  @Test
  void aTlsClientAgainstAPlaintextServerIsToldToLeaveOutTheCa() throws Exception {
    try (TlsStub s = TlsStub.plaintext()) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("the server at " + s.address() + " does not speak TLS: "
          + "leave out --cacert");
      assertNoGrpcInternals(r);
      // and plaintext still works against it
      assertThat(lattice(s, "get", "k").code()).isZero();
    }
  }

  @Test
  void permissionDeniedNeedsAnAdminCertificateAndRelaysTheServer() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.REQUIRE)) {
      String[] alice = {"--cacert", ca.toString(), "--cert", client("client.alice", "crt"),
          "--key", client("client.alice", "key")};
      Cli.Result r = lattice(s, concat(new String[] {"member", "remove", "n2"}, alice));
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("permission denied by " + s.address() + ": ",
          "MemberRemove needs a certificate with the admin role; client alice has none",
          "this needs an admin certificate");
      assertNoGrpcInternals(r);

      r = lattice(s, concat(new String[] {"get", "denied"}, alice));
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("reading 'denied' needs the role admin");

      r = lattice(s, "member", "remove", "n2", "--cacert", ca.toString(),
          "--cert", client("client.root", "crt"), "--key", client("client.root", "key"));
      assertThat(r.code()).as(r.toString()).isZero();
    }
  }

  @Test
  void unauthenticatedHasTheSameExitCode() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "unauth", "--cacert", ca.toString());
      assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("not authenticated by " + s.address(),
          "this listener needs a client certificate", "give --cert FILE and --key FILE");
    }
  }

  @Test
  void verboseShowsTheStackTrace() throws Exception {
    try (TlsStub s = serving("server", ClientAuth.NONE)) {
      Cli.Result r = lattice(s, "get", "k", "--cacert", otherCa.toString(), "-v");
      assertThat(r.code()).isEqualTo(ExitCodes.DENIED);
      assertThat(r.err()).contains("not signed by the CA", "SSLHandshakeException");
    }
  }

  @Test
  void badCombinationsOfTlsOptionsAreUsageErrors() {
    String cert = client("client.alice", "crt");
    String key = client("client.alice", "key");
    Cli.Result r = Cli.run("get", "k", "--cacert", ca.toString(), "--cert", cert);
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--cert needs --key");
    r = Cli.run("get", "k", "--cert", cert, "--key", key);
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--cert needs --cacert");
    r = Cli.run("get", "k", "--cacert", dir.resolve("missing.crt").toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("--cacert: " + dir.resolve("missing.crt") + " does not exist");
    r = Cli.run("get", "k", "--certs-dir", dir.resolve("nowhere").toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("--certs-dir (ca.crt)");
  }

  private static String[] concat(String[] a, String[] b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(String[]::new);
  }
}
