package io.lattice.storage;

import static io.lattice.storage.StorageFixtures.entries;
import static io.lattice.storage.StorageFixtures.entry;
import static io.lattice.storage.StorageFixtures.fileNames;
import static io.lattice.storage.StorageFixtures.readAll;
import static io.lattice.storage.StorageFixtures.sealedSegments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.SegmentLayout;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.Membership;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segmented log on the real file system (with real fsyncs): round trips across segments,
 * conflicting-suffix truncation, compaction, reset, the file names of DESIGN §4, and reopening
 * after each of these.
 */
class SegmentedLogStoreTest {
  /** Tiny segments, so that a few dozen entries already roll several times. */
  static final long SEGMENT = 4096;

  @TempDir Path dir;

  private SegmentedLogStore open() throws IOException {
    return SegmentedLogStore.open(dir, FileIo.SYSTEM, SEGMENT);
  }

  /** Closes the store and opens it again, checking that it reads back exactly {@code expected}. */
  private SegmentedLogStore reopen(SegmentedLogStore log, List<Entry> expected) throws IOException {
    long first = log.firstIndex();
    long last = log.lastIndex();
    log.close();
    SegmentedLogStore again = open();
    assertThat(again.lastIndex()).as("lastIndex after reopen").isEqualTo(last);
    assertThat(again.firstIndex()).as("firstIndex after reopen").isLessThanOrEqualTo(first);
    if (!expected.isEmpty()) {
      assertThat(again.read(first, last)).as("entries after reopen").isEqualTo(expected);
    }
    assertSegmentFilesConsistent();
    return again;
  }

  /**
   * Every sealed file is named after exactly the indexes it holds, sealed files are contiguous and
   * raft.log continues right after them.
   */
  private void assertSegmentFilesConsistent() throws IOException {
    assertThat(dir.resolve(SegmentedLogStore.OPEN_SEGMENT)).exists();
    long expectedNext = -1;
    for (Path p : sealedSegments(dir)) {
      Matcher m = SegmentedLogStore.SEALED_NAME.matcher(p.getFileName().toString());
      assertThat(m.matches()).isTrue();
      long first = Long.parseLong(m.group(1));
      long last = Long.parseLong(m.group(2));
      List<Long> offsets = StorageFixtures.recordOffsets(p);
      assertThat((long) offsets.size()).as("records in " + p).isEqualTo(last - first + 1);
      if (expectedNext != -1) {
        assertThat(first).as("sealed segments are contiguous").isEqualTo(expectedNext);
      }
      expectedNext = last + 1;
    }
  }

  @Test
  void newLogIsEmptyAndHasOnlyTheOpenSegmentWithItsHeader() throws IOException {
    try (SegmentedLogStore log = open()) {
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThat(log.lastIndex()).isEqualTo(0);
      assertThat(log.read(1, 0)).isEmpty();
      assertThat(fileNames(dir)).containsExactly("raft.log");
      assertThat(Files.size(dir.resolve("raft.log"))).isEqualTo(SegmentLayout.V2_RECORDS_START);
    }
    try (SegmentedLogStore log = open()) {
      assertThat(log.firstIndex()).isEqualTo(1);
      assertThat(log.lastIndex()).isEqualTo(0);
    }
  }

  @Test
  void singleAppendsRoundTripAcrossManySegmentsAndReopen() throws IOException {
    List<Entry> written = new ArrayList<>();
    SegmentedLogStore log = open();
    Random rnd = new Random(7);
    for (long i = 1; i <= 200; i++) {
      Entry e = entry(1 + i / 50, i, rnd.nextInt(400));
      log.append(List.of(e));
      written.add(e);
      assertThat(log.lastIndex()).isEqualTo(i);
    }
    log.sync();
    assertThat(log.read(1, 200)).isEqualTo(written);
    // every sub-range, including ones that start and end in different segments
    for (int k = 0; k < 300; k++) {
      int a = 1 + rnd.nextInt(200);
      int b = a - 1 + rnd.nextInt(200 - a + 2);
      assertThat(log.read(a, b)).as("read(%d, %d)", a, b).isEqualTo(written.subList(a - 1, b));
    }
    List<Path> sealed = sealedSegments(dir);
    assertThat(sealed).hasSizeGreaterThan(5);
    for (Path p : sealed) {
      // a segment rolls once it has reached the size: at least SEGMENT, at most one entry more
      assertThat(Files.size(p)).isBetween(SEGMENT, SEGMENT + 8 + 25 + 400);
    }
    assertThat(sealed.get(0).getFileName().toString()).startsWith("raft-1-");
    assertSegmentFilesConsistent();

    log = reopen(log, written);
    // appending continues after reopen, and rolls keep the names consistent
    List<Entry> more = entries(201, 260, 9, 300);
    log.append(more);
    log.sync();
    written.addAll(more);
    log = reopen(log, written);
    assertThat(log.read(1, 260)).isEqualTo(written);
    log.close();
  }

  @Test
  void batchesOfManySizesRoundTrip() throws IOException {
    List<Entry> written = new ArrayList<>();
    Random rnd = new Random(11);
    try (SegmentedLogStore log = open()) {
      long next = 1;
      int[] sizes = {1, 2, 50, 1, 17, 100, 3, 64, 1, 256};
      for (int n : sizes) {
        List<Entry> batch = StorageFixtures.randomEntries(rnd, next, next + n - 1, next, 200);
        log.append(batch);
        log.sync();
        written.addAll(batch);
        next += n;
        assertThat(log.lastIndex()).isEqualTo(next - 1);
      }
      assertThat(readAll(log)).isEqualTo(written);
      log.append(List.of()); // no-op
      assertThat(log.lastIndex()).isEqualTo(written.size());
    }
    try (SegmentedLogStore log = open()) {
      assertThat(readAll(log)).isEqualTo(written);
    }
    assertSegmentFilesConsistent();
  }

  @Test
  void everyEntryTypeAndEmptyPayloadsRoundTrip() throws IOException {
    List<Entry> written = List.of(
        Entry.noop(1, 1),
        Entry.command(1, 2, new byte[0]),
        Entry.command(1, 3, new byte[] {0, 1, 2, -1}),
        Entry.config(2, 4, Membership.ofVoterIds("a", "b", "c")),
        new Entry(2, 5, EntryType.COMMAND, new byte[70_000])); // larger than a segment
    try (SegmentedLogStore log = open()) {
      log.append(written);
      log.sync();
      assertThat(readAll(log)).isEqualTo(written);
    }
    try (SegmentedLogStore log = open()) {
      assertThat(readAll(log)).isEqualTo(written);
      assertThat(Membership.decode(log.read(4, 4).get(0).data()))
          .isEqualTo(Membership.ofVoterIds("a", "b", "c"));
    }
  }

  @Test
  void rejectsNonContiguousBatchesGapsAndReadsOutsideTheLog() throws IOException {
    try (SegmentedLogStore log = open()) {
      log.append(entries(1, 10, 1, 10));
      assertThatThrownBy(() -> log.append(List.of(entry(1, 11, 1), entry(1, 13, 1))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.append(List.of(entry(1, 12, 1))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.read(0, 3)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.read(5, 11)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.read(7, 5)).isInstanceOf(IllegalArgumentException.class);
      // a rejected call changes nothing and does not poison the store
      assertThat(log.lastIndex()).isEqualTo(10);
      log.append(List.of(entry(1, 11, 1)));
      assertThat(log.read(1, 11)).hasSize(11);
    }
  }

  @Test
  void conflictingAppendTruncatesTheSuffixInTheOpenSegment() throws IOException {
    SegmentedLogStore log = open();
    List<Entry> written = new ArrayList<>(entries(1, 10, 1, 100));
    log.append(written);
    log.sync();
    List<Entry> replacement = entries(8, 12, 2, 60);
    log.append(replacement);
    log.sync();
    List<Entry> expected = new ArrayList<>(written.subList(0, 7));
    expected.addAll(replacement);
    assertThat(readAll(log)).isEqualTo(expected);
    assertThat(log.lastIndex()).isEqualTo(12);
    log = reopen(log, expected);

    // overwrite with a shorter suffix: the old tail beyond it must be gone too
    log.append(List.of(entry(3, 6, 10)));
    log.sync();
    expected = new ArrayList<>(expected.subList(0, 5));
    expected.add(entry(3, 6, 10));
    assertThat(log.lastIndex()).isEqualTo(6);
    assertThat(readAll(log)).isEqualTo(expected);
    log = reopen(log, expected);
    log.close();
  }

  @Test
  void conflictingAppendTruncatesASuffixThatSpansSealedSegments() throws IOException {
    List<Entry> written = new ArrayList<>(entries(1, 120, 1, 200));
    SegmentedLogStore log = open();
    for (Entry e : written) {
      log.append(List.of(e)); // single appends: many small segments
    }
    log.sync();
    List<Path> sealed = sealedSegments(dir);
    assertThat(sealed).hasSizeGreaterThanOrEqualTo(5);
    // pick an index in the middle of the second sealed segment
    Matcher m = SegmentedLogStore.SEALED_NAME.matcher(sealed.get(1).getFileName().toString());
    assertThat(m.matches()).isTrue();
    long segFirst = Long.parseLong(m.group(1));
    long segLast = Long.parseLong(m.group(2));
    long cut = (segFirst + segLast) / 2;

    List<Entry> replacement = entries(cut, cut + 4, 2, 50);
    log.append(replacement);
    List<Entry> expected = new ArrayList<>(written.subList(0, (int) cut - 1));
    expected.addAll(replacement);
    assertThat(log.lastIndex()).isEqualTo(cut + 4);
    assertThat(readAll(log)).isEqualTo(expected);
    // the segment holding the cut became the open one; every later one is gone
    assertThat(fileNames(dir)).containsExactly(sealed.get(0).getFileName().toString(), "raft.log");
    log.sync();
    log = reopen(log, expected);

    // continuing to append rolls again, with names that match the contents
    List<Entry> more = entries(cut + 5, cut + 80, 2, 200);
    for (Entry e : more) {
      log.append(List.of(e));
    }
    log.sync();
    expected.addAll(more);
    log = reopen(log, expected);
    assertThat(sealedSegments(dir).size()).isGreaterThan(2);

    // a conflict at exactly the first index of a sealed segment
    Path second = sealedSegments(dir).get(1);
    m = SegmentedLogStore.SEALED_NAME.matcher(second.getFileName().toString());
    assertThat(m.matches()).isTrue();
    long at = Long.parseLong(m.group(1));
    log.append(List.of(entry(3, at, 5)));
    expected = new ArrayList<>(expected.subList(0, (int) at - 1));
    expected.add(entry(3, at, 5));
    assertThat(readAll(log)).isEqualTo(expected);
    log.sync();
    log = reopen(log, expected);

    // and a conflict at the very first index replaces everything
    List<Entry> all = entries(1, 3, 4, 5);
    log.append(all);
    assertThat(readAll(log)).isEqualTo(all);
    assertThat(fileNames(dir)).containsExactly("raft.log");
    log.sync();
    log = reopen(log, all);
    log.close();
  }

  @Test
  void compactionDeletesWholeSealedSegmentsAndMovesTheLogicalFirstIndex() throws IOException {
    SegmentedLogStore log = open();
    List<Entry> written = entries(1, 150, 1, 200);
    for (Entry e : written) {
      log.append(List.of(e));
    }
    log.sync();
    List<Path> sealed = sealedSegments(dir);
    assertThat(sealed).hasSizeGreaterThanOrEqualTo(5);
    Matcher m = SegmentedLogStore.SEALED_NAME.matcher(sealed.get(2).getFileName().toString());
    assertThat(m.matches()).isTrue();
    long thirdFirst = Long.parseLong(m.group(1));
    long compactTo = thirdFirst + 2; // inside the third sealed segment

    log.compactUpTo(compactTo);
    assertThat(log.firstIndex()).isEqualTo(compactTo + 1);
    assertThat(log.lastIndex()).isEqualTo(150);
    assertThat(log.read(compactTo + 1, 150)).isEqualTo(written.subList((int) compactTo, 150));
    assertThatThrownBy(() -> log.read(compactTo, 150)).isInstanceOf(IllegalArgumentException.class);
    // the first two sealed segments are gone, the one holding compactTo is kept whole
    assertThat(sealed.get(0)).doesNotExist();
    assertThat(sealed.get(1)).doesNotExist();
    assertThat(sealed.get(2)).exists();
    log.sync();

    // compacting below the first index is a no-op
    log.compactUpTo(3);
    assertThat(log.firstIndex()).isEqualTo(compactTo + 1);

    // after reopen the physical first index (start of the kept segment) is the first index
    log.close();
    SegmentedLogStore again = open();
    assertThat(again.firstIndex()).isEqualTo(thirdFirst);
    assertThat(again.lastIndex()).isEqualTo(150);
    assertThat(readAll(again)).isEqualTo(written.subList((int) thirdFirst - 1, 150));
    assertSegmentFilesConsistent();

    // compaction into the open segment removes every sealed one
    Path lastSealed = sealedSegments(dir).get(sealedSegments(dir).size() - 1);
    assertThat(lastSealed.getFileName().toString()).endsWith("-146.log");
    again.compactUpTo(147);
    assertThat(again.firstIndex()).isEqualTo(148);
    assertThat(sealedSegments(dir)).isEmpty();
    assertThat(again.read(148, 150)).isEqualTo(written.subList(147, 150));
    // appending (and conflicting) still works on a compacted log
    again.append(entries(149, 152, 2, 30));
    List<Entry> expected = new ArrayList<>(written.subList(147, 148));
    expected.addAll(entries(149, 152, 2, 30));
    assertThat(again.read(148, 152)).isEqualTo(expected);
    assertThatThrownBy(() -> again.append(List.of(entry(2, 147, 1))))
        .isInstanceOf(IllegalArgumentException.class);
    again.sync();
    again.close();
    try (SegmentedLogStore third = open()) {
      assertThat(third.lastIndex()).isEqualTo(152);
      assertThat(third.firstIndex()).isEqualTo(147); // the open segment starts there physically
      assertThat(third.read(148, 152)).isEqualTo(expected);
    }
  }

  @Test
  void compactionBeyondTheLastIndexEmptiesTheLogAndAppendsContinueAfterIt() throws IOException {
    SegmentedLogStore log = open();
    for (Entry e : entries(1, 60, 1, 200)) {
      log.append(List.of(e));
    }
    log.compactUpTo(60);
    assertThat(log.firstIndex()).isEqualTo(61);
    assertThat(log.lastIndex()).isEqualTo(60);
    assertThat(sealedSegments(dir)).isEmpty();
    log.compactUpTo(100);
    assertThat(log.firstIndex()).isEqualTo(101);
    assertThat(log.lastIndex()).isEqualTo(100);
    List<Entry> next = entries(101, 140, 2, 200);
    for (Entry e : next) {
      log.append(List.of(e));
    }
    log.sync();
    assertThat(readAll(log)).isEqualTo(next);
    assertThat(sealedSegments(dir).get(0).getFileName().toString()).startsWith("raft-101-");
    log = reopen(log, next);
    assertThat(log.firstIndex()).isEqualTo(101);
    log.close();
  }

  @Test
  void resetDropsEverythingAndAppendsContinueAfterTheSnapshot() throws IOException {
    SegmentedLogStore log = open();
    for (Entry e : entries(1, 80, 1, 200)) {
      log.append(List.of(e));
    }
    log.sync();
    assertThat(sealedSegments(dir)).isNotEmpty();

    log.reset(500);
    assertThat(log.firstIndex()).isEqualTo(501);
    assertThat(log.lastIndex()).isEqualTo(500);
    assertThat(fileNames(dir)).containsExactly("raft.log");
    log.sync();

    // an empty log reopens empty
    log.close();
    try (SegmentedLogStore empty = open()) {
      assertThat(empty.lastIndex()).isLessThan(empty.firstIndex());
    }

    log = open();
    List<Entry> after = entries(501, 560, 3, 200);
    for (Entry e : after) {
      log.append(List.of(e));
    }
    log.sync();
    assertThat(log.firstIndex()).isEqualTo(501);
    assertThat(readAll(log)).isEqualTo(after);
    assertThat(sealedSegments(dir).get(0).getFileName().toString()).startsWith("raft-501-");
    log = reopen(log, after);
    assertThat(log.firstIndex()).isEqualTo(501);

    // reset to an index below the current log (a snapshot from a leader with another history)
    log.reset(200);
    assertThat(log.firstIndex()).isEqualTo(201);
    log.append(entries(201, 205, 4, 10));
    log.sync();
    log = reopen(log, entries(201, 205, 4, 10));
    log.close();
  }
}
