package io.lattice.cli.inspect;

import java.nio.file.Path;

/**
 * What {@code --verify} found in a data directory file other than the log: a snapshot or the hard
 * state.
 *
 * @param subject {@link Verdict.Subject#SNAPSHOT} or {@link Verdict.Subject#HARD_STATE}
 * @param offset byte offset of the damage; -1 when intact, or when the file is missing
 * @param summary what an intact file holds (e.g. its index and term); empty when damaged
 * @param problem what is wrong; null when intact
 */
record StateFile(Verdict.Subject subject, Path file, long offset, String summary, String problem) {
  static StateFile intact(Verdict.Subject subject, Path file, String summary) {
    return new StateFile(subject, file, -1, summary, null);
  }

  static StateFile damaged(Verdict.Subject subject, Path file, long offset, String problem) {
    return new StateFile(subject, file, offset, "", problem);
  }

  boolean intact() {
    return problem == null;
  }

  /** The verdict on this file: OK, or CORRUPT with the remedy for its kind. */
  Verdict verdict(Path dataDir) {
    if (intact()) {
      return Verdict.ok(dataDir);
    }
    return subject == Verdict.Subject.SNAPSHOT
        ? Verdict.damagedSnapshot(file, offset, problem, dataDir)
        : Verdict.damagedHardState(file, offset, problem, dataDir);
  }
}
