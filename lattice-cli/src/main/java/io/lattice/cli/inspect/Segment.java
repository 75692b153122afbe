package io.lattice.cli.inspect;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file of a log. A sealed segment ({@code raft-<first>-<last>.log}) was synced before
 * it was renamed and is never written again, so it must be intact and hold exactly the indexes its
 * name says; only the open segment ({@code raft.log}, or any other name) may end in a torn write.
 *
 * @param nameFirst first index according to the file name; 0 for the open segment
 * @param nameLast last index according to the file name; 0 for the open segment
 */
record Segment(Path path, boolean sealed, long nameFirst, long nameLast) {
  /** The open segment's name in a data directory. */
  static final String OPEN_NAME = "raft.log";

  private static final Pattern SEALED_NAME = Pattern.compile("raft-(\\d{1,18})-(\\d{1,18})\\.log");

  /** The segment at {@code path}, sealed if and only if its name is a sealed segment's name. */
  static Segment of(Path path) {
    Matcher m = SEALED_NAME.matcher(path.getFileName().toString());
    if (m.matches()) {
      return new Segment(path, true, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }
    return new Segment(path, false, 0, 0);
  }

  static boolean isSealedName(String fileName) {
    return SEALED_NAME.matcher(fileName).matches();
  }

  String fileName() {
    return path.getFileName().toString();
  }
}
