package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.lattice.security.TestPki;
import io.lattice.security.TlsSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** lattice-node refuses to start without certificates or --insecure, and with partial TLS. */
class NodeTlsFlagsTest {
  private static final String CLUSTER = "n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103";
  @TempDir Path tmp;

  private int execute(StringWriter err, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("--id", "n1", "--data-dir",
        tmp.resolve("n1").toString(), "--listen-client", "127.0.0.1:7001", "--initial-cluster",
        CLUSTER));
    args.addAll(extra);
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args.toArray(String[]::new));
  }

  @Test
  void aNodeWithoutCertificatesOrInsecureDoesNotStart() {
    StringWriter err = new StringWriter();
    assertThat(execute(err, List.of())).isEqualTo(2);
    assertThat(err.toString()).contains("no certificates", "--cert-file", "--peer-cert-file",
        "--insecure");
  }

  @Test
  void partialTlsIsRefusedNamingWhatIsMissing() {
    TestPki pki = new TestPki(tmp);
    pki.node("n1");
    StringWriter err = new StringWriter();
    assertThat(execute(err, List.of("--cert-file", pki.cert("n1").toString(),
        "--client-cert-auth"))).isEqualTo(2);
    assertThat(err.toString()).contains("--cert-file needs --key-file",
        "--client-cert-auth needs --trusted-ca-file", "--peer-cert-file", "--peer-key-file",
        "--peer-trusted-ca-file");

    err = new StringWriter();
    assertThat(execute(err, List.of("--insecure", "--peer-cert-file",
        pki.cert("n1").toString()))).isEqualTo(2);
    assertThat(err.toString()).contains("--insecure excludes", "--peer-cert-file");
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
    TestPki pki = new TestPki(tmp);
    pki.node("n1");
    pki.node("n2");
    List<String> flags = new ArrayList<>(pki.nodeFlags("n1", false));
    flags.set(flags.indexOf("--peer-key-file") + 1, pki.key("n2").toString());
    StringWriter err = new StringWriter();
    assertThat(execute(err, flags)).isEqualTo(2);
    assertThat(err.toString()).contains("n2.key is not the private key of the certificate in");
  }

  @Test
  void theConfigFileTakesTheSameKeysAndFlagsWin() throws Exception {
    TestPki pki = new TestPki(tmp);
    pki.node("n1");
    Path conf = tmp.resolve("n1.conf");
    Files.writeString(conf, "cert-file=" + pki.cert("n1") + "\nkey-file=" + pki.key("n1")
        + "\ntrusted-ca-file=" + pki.caFile + "\nclient-cert-auth=true\npeer-cert-file="
        + pki.cert("n1") + "\npeer-key-file=" + pki.key("n1") + "\npeer-trusted-ca-file="
        + pki.caFile + "\n");
    CommandLine cl = LatticeNodeCommand.commandLine();
    cl.parseArgs("--id", "n1", "--data-dir", tmp.toString(), "--listen-client", "127.0.0.1:7001",
        "--initial-cluster", CLUSTER, "--config", conf.toString(), "--client-cert-auth=false");
    LatticeNodeCommand cmd = cl.getCommand();
    cmd.resolveConfig();
    TlsSettings s = cmd.tls.settings(cmd.resolvedFile,
        m -> new CommandLine.ParameterException(cl, m));
    assertThat(s.certFile()).isEqualTo(pki.cert("n1"));
    assertThat(s.peerTrustedCaFile()).isEqualTo(pki.caFile);
    assertThat(s.clientCertAuth()).as("the flag wins").isFalse();
    assertThat(s.validate()).isNull();
    assertThat(LatticeNodeCommand.CONFIG_KEYS).containsAll(TlsOptions.CONFIG_KEYS);
  }
}
