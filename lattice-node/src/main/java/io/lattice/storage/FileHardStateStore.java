package io.lattice.storage;

import io.lattice.format.FormatException;
import io.lattice.format.HardStateRecord;
import io.lattice.raft.HardState;
import io.lattice.raft.LogIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HardStateStore} as {@code <data>/hardstate}, replaced atomically on every save.
 *
 * <p>A full disk: a save that fails with ENOSPC releases the data directory's {@link
 * SpaceReservation} (when it holds one) and is tried once more in the room that freed, so that a
 * node whose disk something else filled to the last byte still records a vote or a new term, and
 * goes on (under the NO_SPACE alarm, which a missing reservation raises) instead of stopping. The
 * save still returns only once the new state is durable: nothing that depends on it is sent before.
 *
 * <p>A missing file means a new server only while the log and snapshots are empty too; see {@link
 * #loadOnStart}. A damaged or (on a server that has run) missing file stops the node with a {@link
 * CorruptStorageException} that says to run {@code lattice-node repair --term} ({@link
 * DataDirRepair}).
 */
public final class FileHardStateStore implements HardStateStore {
  public static final String FILE_NAME = "hardstate";

  /** What to tell an operator whose hard state is missing or damaged; formatted with the data dir. */
  static final String REMEDY = "The node will not start without its last term and vote: it may"
      + " have voted in a term after its last entry's, and could then vote twice in one term. If"
      + " the whole cluster is being restored from a backup, copy the backup's hardstate file into"
      + " %1$s. Otherwise, with the node stopped, read the highest TERM that 'lattice status' shows"
      + " for the other members and run 'lattice-node repair --data-dir %1$s --term T' with it:"
      + " the node will start in a term above T, in which it cannot have voted.";

  private static final Logger log = LoggerFactory.getLogger(FileHardStateStore.class);

  private final Path file;
  private final FileIo io;
  private final SpaceReservation reservation;

  /** A store without a space reservation: a save on a full disk fails (repair, restore). */
  public FileHardStateStore(Path dataDir, FileIo io) {
    this(dataDir, io, SpaceReservation.NONE);
  }

  /** A store that falls back on {@code reservation} when a save meets a full disk. */
  public FileHardStateStore(Path dataDir, FileIo io, SpaceReservation reservation) {
    this.file = dataDir.resolve(FILE_NAME);
    this.io = io;
    this.reservation = Objects.requireNonNull(reservation, "reservation");
  }

  /** The file this store reads and replaces. */
  public Path file() {
    return file;
  }

  @Override
  public HardState load() throws IOException {
    return loadIfPresent().orElse(HardState.INITIAL);
  }

  /**
   * {@inheritDoc} Here: a missing file is {@link HardState#INITIAL} only while {@code lastIndex} is
   * {@code NONE} (a new server, or one joining a cluster).
   */
  @Override
  public HardState loadOnStart(long lastIndex, long lastTerm) throws IOException {
    Optional<HardState> saved = loadIfPresent();
    if (saved.isEmpty() && lastIndex != LogIndex.NONE) {
      throw missing("the log and snapshots hold entries up to index " + lastIndex
          + (lastTerm > LogIndex.NO_TERM ? " (term " + lastTerm + ")" : ""));
    }
    return saved.orElse(HardState.INITIAL);
  }

  /**
   * The saved hard state, or empty if the file does not exist.
   *
   * @throws CorruptStorageException if the file exists and does not verify (empty, truncated, bad
   *     checksum, not a hard-state file)
   */
  public Optional<HardState> loadIfPresent() throws IOException {
    Files.deleteIfExists(file.resolveSibling(FILE_NAME + AtomicFiles.TEMP_SUFFIX));
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      HardStateRecord r = HardStateRecord.decode(bytes);
      return Optional.of(new HardState(r.term(), r.votedFor(), r.noVoteBelow()));
    } catch (FormatException e) {
      throw new CorruptStorageException(file, Math.max(0, e.offset()),
          "the hard state (term and vote) is damaged: " + e.getMessage(),
          "It is replaced atomically, so this is disk damage. "
              + REMEDY.formatted(file.getParent()));
    }
  }

  /**
   * The error for a hard state that is gone from a server that has run before.
   *
   * @param evidence what shows that it has run, e.g. "the log holds entries up to index 20"
   */
  CorruptStorageException missing(String evidence) {
    return CorruptStorageException.missing(file,
        "the hard state (term and vote) is missing, but " + evidence,
        REMEDY.formatted(file.getParent()));
  }

  @Override
  public void save(HardState state) throws IOException {
    byte[] bytes = new HardStateRecord(state.term(), state.votedFor(), state.noVoteBelow()).encode();
    try {
      AtomicFiles.replace(io, file, bytes);
    } catch (IOException e) {
      // The old file is whole and the temp file is gone (AtomicFiles): trying again is safe.
      if (!FreeSpace.isNoSpace(e) || !reservation.release()) {
        throw e;
      }
      log.error("The disk of {} is full: saving the term and vote (term {}) failed ({}). The space "
          + "reservation {} ({} KiB) was released to save them; the node goes on under the "
          + "NO_SPACE alarm, refusing writes. Free space on that disk: the reservation is "
          + "recreated and writes resume by themselves.", file.getParent(), state.term(),
          e.getMessage(), reservation.name(), reservation.bytes() >> 10);
      try {
        AtomicFiles.replace(io, file, bytes); // once: a second failure stops the node as before
      } catch (IOException again) {
        again.addSuppressed(e);
        throw again;
      }
    }
  }
}
