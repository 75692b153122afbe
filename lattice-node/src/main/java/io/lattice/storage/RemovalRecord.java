package io.lattice.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The file {@value #FILE_NAME} in a data directory: present once the member that owns the
 * directory was told by the leader that its removal from the cluster is committed. A node refuses
 * to start on such a directory (under a supervisor that restarts it, a removed member would
 * otherwise come back, time out and stop again forever). The file holds one line of text for the
 * operator: who said so, and when.
 */
public final class RemovalRecord {
  public static final String FILE_NAME = "removed";

  private RemovalRecord() {}

  /** Writes the record durably (atomic replace, fsynced). */
  public static void write(FileIo io, Path dataDir, String text) throws IOException {
    AtomicFiles.replace(io, dataDir.resolve(FILE_NAME),
        (text + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** The record's text, if the directory has one. */
  public static Optional<String> read(Path dataDir) throws IOException {
    Path f = dataDir.resolve(FILE_NAME);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    return Optional.of(Files.readString(f, StandardCharsets.UTF_8).strip());
  }
}
