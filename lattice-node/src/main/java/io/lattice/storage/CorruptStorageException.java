package io.lattice.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A durable file is damaged, or missing, in a way recovery must not paper over (anything but a torn
 * tail). The message names the file, the byte offset (unless the whole file is missing), the
 * record's index when known, and what to do.
 */
public final class CorruptStorageException extends IOException {
  private static final long serialVersionUID = 1L;

  /** {@link #offset()} of a file that is missing altogether. */
  public static final long NO_OFFSET = -1;

  private final transient Path file;
  private final long offset;

  public CorruptStorageException(Path file, long offset, String what, String remedy) {
    super(what + " [file " + file + ", byte offset " + offset + "]. " + remedy);
    this.file = file;
    this.offset = offset;
  }

  /** A file that should exist and does not ({@link #offset()} is {@link #NO_OFFSET}). */
  public static CorruptStorageException missing(Path file, String what, String remedy) {
    return new CorruptStorageException(file, what, remedy);
  }

  private CorruptStorageException(Path file, String what, String remedy) {
    super(what + " [file " + file + "]. " + remedy);
    this.file = file;
    this.offset = NO_OFFSET;
  }

  public Path file() {
    return file;
  }

  /** Where in {@link #file()} the damage is, or {@link #NO_OFFSET} when the file is missing. */
  public long offset() {
    return offset;
  }
}
