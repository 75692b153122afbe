package io.lattice.format;

/**
 * Bytes that are not a valid encoding of the format being read: the one failure every decoder in
 * this package may report. Carries where the problem is, so that an operator can act on it.
 */
public class FormatException extends Exception {
  private static final long serialVersionUID = 1L;

  private final long offset;

  public FormatException(String message, long offset) {
    super(message);
    this.offset = offset;
  }

  public FormatException(String message, long offset, Throwable cause) {
    super(message, cause);
    this.offset = offset;
  }

  /** Byte offset of the problem within the file or buffer; -1 when not known. */
  public long offset() {
    return offset;
  }
}
