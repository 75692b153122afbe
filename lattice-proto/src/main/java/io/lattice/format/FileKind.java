package io.lattice.format;

/**
 * The kinds of file Lattice writes. Every file starts with an 8-byte {@link FileHeader}: the kind's
 * 4-byte magic, then a 2-byte format version and 2 reserved bytes (zero).
 */
public enum FileKind {
  /**
   * A log segment: {@code raft.log} (open) or {@code raft-<first>-<last>.log} (sealed). Version 2
   * adds sync marks after the header ({@link SegmentLayout}); version 1 is still read.
   */
  LOG_SEGMENT(0x4C544C47, 2), // "LTLG"
  /** The hard-state file: term, vote, repair mark. */
  HARD_STATE(0x4C544853, 1), // "LTHS"
  /** A snapshot file: {@code snapshots/snap-<term>-<index>.snap}. */
  SNAPSHOT(0x4C54534E, 1), // "LTSN"
  /** A backup made by {@code lattice snapshot save}: see {@link BackupFile}. */
  BACKUP(0x4C54424B, 1); // "LTBK"

  private final int magic;
  private final int currentVersion;

  FileKind(int magic, int currentVersion) {
    this.magic = magic;
    this.currentVersion = currentVersion;
  }

  public int magic() {
    return magic;
  }

  /** The version this code writes (and the newest it reads). */
  public int currentVersion() {
    return currentVersion;
  }

  public static FileKind ofMagic(int magic) {
    for (FileKind k : values()) {
      if (k.magic == magic) {
        return k;
      }
    }
    return null;
  }
}
