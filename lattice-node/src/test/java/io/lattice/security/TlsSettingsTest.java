package io.lattice.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node refuses to start with, and the message that says what is missing. */
class TlsSettingsTest {
  @TempDir Path tmp;

  private Path file(String name) throws Exception {
    return Files.writeString(tmp.resolve(name), "x");
  }

  @Test
  void noCertificatesAndNoInsecureIsRefusedNamingTheFlags() {
    String m = new TlsSettings(null, null, null, false, null, null, null, false).validate();
    assertThat(m).contains("no certificates", "--cert-file", "--key-file", "--peer-cert-file",
        "--peer-key-file", "--peer-trusted-ca-file", "--insecure");
    assertThat(TlsSettings.insecureSettings().validate()).isNull();
  }

  @Test
  void insecureExcludesTlsFlags() throws Exception {
    String m = new TlsSettings(file("c"), null, null, false, null, null, null, true).validate();
    assertThat(m).contains("--insecure", "--cert-file", "choose one");
  }

  @Test
  void partialConfigurationsNameWhatIsMissing() throws Exception {
    Path c = file("c");
    Path k = file("k");
    Path ca = file("ca");
    assertThat(new TlsSettings(c, null, null, false, c, k, ca, false).validate())
        .contains("--cert-file needs --key-file");
    assertThat(new TlsSettings(null, k, null, false, c, k, ca, false).validate())
        .contains("--key-file needs --cert-file");
    assertThat(new TlsSettings(c, k, null, true, c, k, ca, false).validate())
        .contains("--client-cert-auth needs --trusted-ca-file");
    assertThat(new TlsSettings(c, k, ca, true, null, k, null, false).validate())
        .contains("peers always use mutual TLS", "--peer-cert-file", "--peer-trusted-ca-file")
        .doesNotContain("--peer-key-file");
    assertThat(new TlsSettings(c, k, ca, true, c, k, tmp.resolve("nope"), false).validate())
        .contains("nope", "no such readable file");
    assertThat(new TlsSettings(c, k, ca, true, c, k, ca, false).validate()).isNull();
  }
}
