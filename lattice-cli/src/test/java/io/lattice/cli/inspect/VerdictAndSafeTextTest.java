package io.lattice.cli.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Terminal-safe text and the repair command's shell quoting. */
class VerdictAndSafeTextTest {
  @Test
  void escapesControlFormatAndSeparatorCharactersOnly() {
    assertThat(SafeText.escape("plain ünïcode / 日本")).isEqualTo("plain ünïcode / 日本");
    assertThat(SafeText.escape("a\u001b[2Jb\u0007\n\t")).isEqualTo("a\\x1b[2Jb\\x07\\x0a\\x09");
    assertThat(SafeText.escape("\u202egnp.exe\u2028")).isEqualTo("\\u202egnp.exe\\u2028");
    assertThat(SafeText.escape("\u0085 c1")).isEqualTo("\\x85 c1");
    assertThat(SafeText.escape("back\\slash")).isEqualTo("back\\\\slash");
    assertThat(SafeText.escape("lone \ud800 surrogate")).isEqualTo("lone \\ud800 surrogate");
  }

  @Test
  void theRepairCommandCanBePastedIntoAShell() {
    assertThat(corruptIn("/var/lib/lattice/n1").repairCommand())
        .isEqualTo("lattice-node repair --data-dir /var/lib/lattice/n1");
    assertThat(corruptIn("/data/node 1's").repairCommand())
        .isEqualTo("lattice-node repair --data-dir '/data/node 1'\\''s'");
    assertThat(corruptIn("/data/\u001b[31mred\\'").repairCommand())
        .isEqualTo("lattice-node repair --data-dir $'/data/\\x1b[31mred\\\\\\''");
  }

  @Test
  void onlyCorruptionFailsAndNamesARepair() {
    Path dir = Path.of("/d");
    assertThat(Verdict.ok(dir).exitCode()).isZero();
    assertThat(Verdict.ok(dir).repairCommand()).isNull();
    assertThat(Verdict.ok(dir).describe()).isEqualTo("OK");
    Verdict torn = Verdict.torn(dir.resolve("raft.log"), 100, "incomplete last record", dir);
    assertThat(torn.exitCode()).isZero();
    assertThat(torn.repairCommand()).isNull();
    assertThat(corruptIn("/d").exitCode()).isEqualTo(1);
  }

  @Test
  void anUnknownIndexIsLeftOut() {
    Path dir = Path.of("/d");
    assertThat(Verdict.corrupt(dir.resolve("raft.log"), 0, 0, "bad magic", dir).describe())
        .isEqualTo("CORRUPT at /d/raft.log offset 0: bad magic. Run: lattice-node repair"
            + " --data-dir /d");
  }

  private static Verdict corruptIn(String dir) {
    Path d = Path.of(dir);
    return Verdict.corrupt(d.resolve("raft.log"), 8, 1, "checksum mismatch", d);
  }
}
