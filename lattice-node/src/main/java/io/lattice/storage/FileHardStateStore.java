package io.lattice.storage;

import io.lattice.format.FormatException;
import io.lattice.format.HardStateRecord;
import io.lattice.raft.HardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link HardStateStore} as {@code <data>/hardstate}, replaced atomically on every save. */
public final class FileHardStateStore implements HardStateStore {
  public static final String FILE_NAME = "hardstate";

  private final Path file;
  private final FileIo io;

  public FileHardStateStore(Path dataDir, FileIo io) {
    this.file = dataDir.resolve(FILE_NAME);
    this.io = io;
  }

  @Override
  public HardState load() throws IOException {
    Files.deleteIfExists(file.resolveSibling(FILE_NAME + AtomicFiles.TEMP_SUFFIX));
    if (!Files.exists(file)) {
      return HardState.INITIAL;
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      HardStateRecord r = HardStateRecord.decode(bytes);
      return new HardState(r.term(), r.votedFor(), r.noVoteBelow());
    } catch (FormatException e) {
      throw new CorruptStorageException(file, Math.max(0, e.offset()),
          "the hard state (term and vote) is damaged: " + e.getMessage(),
          "It is replaced atomically, so this is disk damage. Restore the data directory from a"
              + " backup, or remove this member and add it back as a new one.");
    }
  }

  @Override
  public void save(HardState state) throws IOException {
    byte[] bytes = new HardStateRecord(state.term(), state.votedFor(), state.noVoteBelow()).encode();
    AtomicFiles.replace(io, file, bytes);
  }
}
