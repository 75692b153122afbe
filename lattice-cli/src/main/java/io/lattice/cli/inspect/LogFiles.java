package io.lattice.cli.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What to read for an input path: a single segment file, or every segment of a data directory in
 * index order (sealed segments by the first index in their names, then {@code raft.log}), to be
 * read as one log.
 *
 * @param input the path as given
 * @param dataDir the directory to name in the repair command: the input directory, or the
 *     directory holding the input file
 * @param directory whether the input is a data directory
 */
record LogFiles(Path input, Path dataDir, boolean directory, List<Segment> segments) {
  private static final Comparator<Segment> IN_INDEX_ORDER =
      Comparator.comparingLong(Segment::nameFirst).thenComparingLong(Segment::nameLast);

  LogFiles {
    segments = List.copyOf(segments);
  }

  /**
   * Resolves {@code input}; lists a directory once (a caller that finds the listing outdated, because
   * a running node rolled or compacted its log meanwhile, resolves again).
   *
   * @throws InspectException if the path does not exist, is unreadable, or is a directory without
   *     segment files
   */
  static LogFiles resolve(Path input) throws InspectException {
    if (Files.isDirectory(input)) {
      return new LogFiles(input, input, true, listDirectory(input));
    }
    if (!Files.exists(input)) {
      throw new InspectException(SafeText.escape(input.toString())
          + ": no such file or directory. Pass a node's data directory or one of its raft*.log"
          + " segment files.");
    }
    if (!Files.isRegularFile(input)) {
      throw new InspectException(SafeText.escape(input.toString())
          + " is not a regular file. Pass a node's data directory or one of its raft*.log"
          + " segment files.");
    }
    if (!Files.isReadable(input)) {
      throw new InspectException(SafeText.escape(input.toString())
          + ": permission denied. Run as a user that can read the node's data directory.");
    }
    Path parent = input.getParent() != null ? input.getParent()
        : input.toAbsolutePath().getParent();
    return new LogFiles(input, parent, false, List.of(Segment.of(input)));
  }

  /** The sealed segments now in {@code dir}, in index order. */
  static List<Segment> sealedSegments(Path dir) throws IOException {
    List<Segment> sealed = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (Segment.isSealedName(p.getFileName().toString())) {
          sealed.add(Segment.of(p));
        }
      }
    }
    sealed.sort(IN_INDEX_ORDER);
    return sealed;
  }

  /** The same input with the segments actually read (a running node may have sealed more). */
  LogFiles withSegments(List<Segment> read) {
    return new LogFiles(input, dataDir, directory, read);
  }

  private static List<Segment> listDirectory(Path dir) throws InspectException {
    List<Segment> sealed = new ArrayList<>();
    boolean open = false;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (Segment.isSealedName(name)) {
          sealed.add(Segment.of(p));
        } else if (name.equals(Segment.OPEN_NAME)) {
          open = true;
        }
      }
    } catch (NoSuchFileException e) {
      throw new InspectException(SafeText.escape(dir.toString())
          + ": no such file or directory. Pass a node's data directory or one of its raft*.log"
          + " segment files.", e);
    } catch (IOException e) {
      throw new InspectException("cannot list " + SafeText.escape(dir.toString()) + ": " + e
          + ". Run as a user that can read the node's data directory.", e);
    }
    if (sealed.isEmpty() && !open) {
      throw new InspectException(SafeText.escape(dir.toString())
          + " holds no Raft log (no raft.log or raft-<first>-<last>.log). Pass a node's data"
          + " directory (its --data-dir) or one of its segment files.");
    }
    sealed.sort(IN_INDEX_ORDER);
    List<Segment> all = new ArrayList<>(sealed);
    if (open) {
      all.add(new Segment(dir.resolve(Segment.OPEN_NAME), false, 0, 0));
    }
    return all;
  }
}
