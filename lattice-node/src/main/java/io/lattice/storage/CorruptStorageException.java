package io.lattice.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A durable file is damaged in a way recovery must not paper over (anything but a torn tail). The
 * message names the file, the byte offset, the record's index when known, and what to do.
 */
public final class CorruptStorageException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;

  public CorruptStorageException(Path file, long offset, String what, String remedy) {
    super(what + " [file " + file + ", byte offset " + offset + "]. " + remedy);
    this.file = file;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }
}
