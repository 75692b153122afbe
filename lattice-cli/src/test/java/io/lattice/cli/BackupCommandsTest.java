package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

/** {@code lattice snapshot save} and {@code snapshot status} against a real 3-node cluster. */
class BackupCommandsTest extends ClusterTest {
  @Test
  void saveWritesAVerifiedBackupFromTheLeaderAndStatusShowsWhatItHolds() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(lattice("put", "backup-" + i, "v" + i).code()).isZero();
    }
    String leader = cluster.awaitLeader();
    Path file = dir.resolve("cluster.backup");
    Cli.Result save = lattice("snapshot", "save", file.toString());
    assertThat(save.code()).as(save.toString()).isZero();
    assertThat(save.out()).matches("Saved the snapshot at index \\d+ \\(term \\d+\\) of cluster "
        + "lattice from " + leader + " to " + java.util.regex.Pattern.quote(file.toString())
        + ": .+, CRC-32C [0-9a-f]{8}\\.\n");
    assertThat(Files.exists(file)).isTrue();
    assertThat(Files.exists(dir.resolve("cluster.backup.part"))).isFalse();

    Cli.Result status = lattice("snapshot", "status", file.toString());
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.out()).contains("OK (every checksum verified)")
        .containsPattern("members +n1, n2, n3").contains("taken from " + leader);
    JsonObject json = lattice("snapshot", "status", file.toString(), "-o", "json").json();
    assertThat(json.get("keys").getAsLong()).isGreaterThanOrEqualTo(20);
    assertThat(json.get("cluster_id").getAsString()).isEqualTo("lattice");
    assertThat(json.getAsJsonArray("members")).hasSize(3);
    assertThat(json.get("hash").getAsString()).matches("[0-9a-f]{8}");

    // One flipped byte in the data: status names the offset and exits 1.
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
      long at = ch.size() - 10;
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) ~b.get(0));
      b.rewind();
      ch.write(b, at);
    }
    Cli.Result damaged = lattice("snapshot", "status", file.toString());
    assertThat(damaged.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(damaged.err()).contains("is damaged at offset").contains("CRC-32C");
  }

  @Test
  void saveIntoAMissingDirectoryFailsAndLeavesNothing() {
    Path file = dir.resolve("no-such-dir").resolve("x.backup");
    Cli.Result r = lattice("snapshot", "save", file.toString());
    assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("cannot write " + file);
    assertThat(Files.exists(file)).isFalse();
  }
}
