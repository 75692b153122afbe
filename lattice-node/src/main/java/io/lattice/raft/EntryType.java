package io.lattice.raft;

/** What a log entry carries. The numeric codes are part of the on-disk format; never renumber. */
public enum EntryType {
  /** Appended by every new leader at the start of its term (Raft dissertation §6.4). */
  NOOP(0),
  /** An opaque state-machine command. */
  COMMAND(1),
  /** A complete new {@link Membership}, encoded by {@link Membership#encode()}. */
  CONFIG(2);

  private final int code;

  EntryType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static EntryType fromCode(int code) {
    for (EntryType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown entry type code " + code);
  }
}
