package io.lattice.raft;

import static io.lattice.raft.Network.entries;
import static io.lattice.raft.Network.entriesFrom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RaftLogTest {
  private static final Membership ABC = Membership.ofVoterIds("a", "b", "c");
  /** A trailing window counted in entries only. */
  private static final long NO_BYTE_BOUND = Long.MAX_VALUE;

  private static RaftLog log(long... terms) {
    return new RaftLog(SnapshotMeta.initial(ABC), entries(terms));
  }

  private static List<Long> terms(RaftLog l) {
    List<Long> out = new ArrayList<>();
    for (Entry e : l.entriesView()) {
      out.add(e.term());
    }
    return out;
  }

  private static Entry cfg(long term, long index, Membership m) {
    return Entry.config(term, index, m);
  }

  @Test
  void emptyLog() {
    RaftLog l = log();
    assertThat(l.firstIndex()).isEqualTo(1);
    assertThat(l.lastIndex()).isZero();
    assertThat(l.lastTerm()).isZero();
    assertThat(l.term(0)).isZero();
    assertThat(l.term(1)).isEqualTo(RaftLog.UNAVAILABLE);
    assertThat(l.committed()).isZero();
    assertThat(l.applied()).isZero();
    assertThat(l.stable()).isZero();
    assertThat(l.unstableEntries()).isEmpty();
    assertThat(l.nextCommitted()).isEmpty();
    assertThat(l.hasNextCommitted()).isFalse();
    assertThat(l.membership()).isEqualTo(ABC);
    assertThat(l.lastConfigIndex()).isZero();
    assertThat(l.pendingSnapshot()).isNull();
  }

  @Test
  void restoredEntriesAreStable() {
    RaftLog l = log(1, 1, 2);
    assertThat(l.lastIndex()).isEqualTo(3);
    assertThat(l.lastTerm()).isEqualTo(2);
    assertThat(l.stable()).isEqualTo(3);
    assertThat(l.unstableEntries()).isEmpty();
    assertThat(l.term(2)).isEqualTo(1);
    assertThat(l.term(4)).isEqualTo(RaftLog.UNAVAILABLE);
    assertThat(l.matchTerm(3, 2)).isTrue();
    assertThat(l.matchTerm(3, 1)).isFalse();
    assertThat(l.matchTerm(4, RaftLog.UNAVAILABLE)).as("unknown never matches").isFalse();
    assertThat(l.entry(2).index()).isEqualTo(2);
  }

  /** Raft §5.4.1: compare last terms first, then lengths. Log is (index 3, term 2). */
  @ParameterizedTest(name = "candidate last=({0},{1}) up to date: {2}")
  @CsvSource({"3,2,true", "4,2,true", "2,2,false", "0,3,true", "100,1,false", "3,1,false", "1,3,true"})
  void isUpToDate(long lastIndex, long lastTerm, boolean expected) {
    assertThat(log(1, 1, 2).isUpToDate(lastIndex, lastTerm)).isEqualTo(expected);
  }

  @Test
  void sliceHonoursCountAndBytes() {
    RaftLog l = log(1, 1, 1, 1, 1);
    assertThat(l.slice(2, 4, 10, Long.MAX_VALUE)).extracting(Entry::index).containsExactly(2L, 3L, 4L);
    assertThat(l.slice(2, 99, 10, Long.MAX_VALUE)).extracting(Entry::index)
        .containsExactly(2L, 3L, 4L, 5L);
    assertThat(l.slice(1, 5, 2, Long.MAX_VALUE)).extracting(Entry::index).containsExactly(1L, 2L);
    long one = l.entry(1).size();
    assertThat(l.slice(1, 5, 10, 1)).as("always at least one entry").hasSize(1);
    assertThat(l.slice(1, 5, 10, 2 * one)).hasSize(2);
    assertThat(l.slice(1, 5, 10, 2 * one + 1)).hasSize(2);
    assertThat(l.slice(1, 5, 10, 3 * one - 1)).hasSize(2);
    assertThat(l.slice(6, 9, 10, 100)).isEmpty();
    assertThatThrownBy(() -> l.slice(0, 3, 10, 100)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void leaderAppendMustFollowAndNotGoBackInTerm() {
    RaftLog l = log(1, 2);
    assertThatThrownBy(() -> l.append(Entry.command(2, 4, null))).isInstanceOf(InvariantViolation.class);
    assertThatThrownBy(() -> l.append(Entry.command(2, 2, null))).isInstanceOf(InvariantViolation.class);
    assertThatThrownBy(() -> l.append(Entry.command(1, 3, null))).isInstanceOf(InvariantViolation.class);
    l.append(Entry.command(2, 3, null));
    l.append(Entry.command(5, 4, null));
    assertThat(terms(l)).containsExactly(1L, 2L, 2L, 5L);
    assertThat(l.stable()).isEqualTo(2);
    assertThat(l.unstableEntries()).extracting(Entry::index).containsExactly(3L, 4L);
  }

  @Test
  void stableToRequiresMatchingTerm() {
    RaftLog l = log(1);
    l.append(Entry.command(2, 2, null));
    l.append(Entry.command(2, 3, null));
    l.stableTo(2, 1); // wrong term: the log changed there since
    assertThat(l.stable()).isEqualTo(1);
    l.stableTo(9, 2); // not in the log
    assertThat(l.stable()).isEqualTo(1);
    l.stableTo(2, 2);
    assertThat(l.stable()).isEqualTo(2);
    l.stableTo(1, 1); // never goes back
    assertThat(l.stable()).isEqualTo(2);
    assertThat(l.unstableEntries()).extracting(Entry::index).containsExactly(3L);
    l.stableTo(3, 2);
    assertThat(l.unstableEntries()).isEmpty();
  }

  /** Modelled on etcd's TestLogMaybeAppend. Log: 1@1 2@2 3@3, committed 1. */
  @ParameterizedTest(name = "[{index}] prev=({0},{1}) entries at {2} terms {3} -> {4} log {5}")
  @CsvSource(
      delimiter = ';',
      value = {
        // no match: nothing changes
        "3;2;4;4;-1;1 2 3",
        "4;3;5;4;-1;1 2 3",
        // match, nothing new
        "3;3;4;;3;1 2 3",
        "0;0;1;1 2 3;3;1 2 3",
        "1;1;2;2;2;1 2 3",
        // match, append new
        "3;3;4;4;4;1 2 3 4",
        "3;3;4;4 4;5;1 2 3 4 4",
        "2;2;3;3 4;4;1 2 3 4",
        // match, conflicting suffix truncated
        "2;2;3;4;3;1 2 4",
        "1;1;2;4;2;1 4",
        "1;1;2;4 4 4;4;1 4 4 4",
        "2;2;3;3 5 5;5;1 2 3 5 5",
      })
  void maybeAppend(long prevIndex, long prevTerm, long first, String incoming, long expected,
      String result) {
    RaftLog l = log(1, 2, 3);
    l.commitTo(1);
    List<Entry> es = new ArrayList<>();
    if (incoming != null) {
      long i = first;
      for (String t : incoming.split(" ")) {
        es.add(Entry.command(Long.parseLong(t), i++, null));
      }
    }
    assertThat(l.maybeAppend(prevIndex, prevTerm, es)).isEqualTo(expected);
    List<Long> want = new ArrayList<>();
    for (String t : result.split(" ")) {
      want.add(Long.parseLong(t));
    }
    assertThat(terms(l)).containsExactlyElementsOf(want);
  }

  @Test
  void maybeAppendReturnsLastNewEvenWhenShorterThanTheLog() {
    RaftLog l = log(1, 1, 1, 1);
    assertThat(l.maybeAppend(1, 1, entriesFrom(2, 1))).isEqualTo(2);
    assertThat(l.lastIndex()).as("a stale, shorter append does not truncate").isEqualTo(4);
  }

  @Test
  void truncationMarksTheSuffixUnstable() {
    RaftLog l = log(1, 1, 1, 1);
    assertThat(l.stable()).isEqualTo(4);
    l.maybeAppend(2, 1, entriesFrom(3, 2));
    assertThat(l.stable()).isEqualTo(2);
    assertThat(l.lastIndex()).isEqualTo(3);
    assertThat(l.unstableEntries()).extracting(Entry::term).containsExactly(2L);
  }

  @Test
  void conflictAtCommittedIndexIsAnInvariantViolation() {
    RaftLog l = log(1, 1, 1);
    l.commitTo(2);
    assertThatThrownBy(() -> l.maybeAppend(1, 1, entriesFrom(2, 2)))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("committed");
    assertThat(terms(l)).containsExactly(1L, 1L, 1L);
    // a conflict right after the commit index is fine
    assertThat(l.maybeAppend(2, 1, entriesFrom(3, 2))).isEqualTo(3);
  }

  @Test
  void maybeAppendSkipsEntriesAlreadyCompacted() {
    RaftLog l = new RaftLog(new SnapshotMeta(3, 2, ABC), List.of());
    assertThat(l.maybeAppend(3, 2, entriesFrom(4, 2, 3))).isEqualTo(5);
    // a retransmission starting below the snapshot: prev is the snapshot itself
    RaftLog l2 = new RaftLog(new SnapshotMeta(3, 2, ABC), List.of());
    assertThat(l2.maybeAppend(3, 2, List.of())).isEqualTo(3);
    assertThat(l2.term(3)).isEqualTo(2);
  }

  /** Modelled on etcd's TestFindConflictByTerm. */
  @ParameterizedTest(name = "log {0} (offset {1}) find({2},{3}) = {4}")
  @CsvSource(
      delimiter = ';',
      value = {
        // log starting from index 1
        "2 2 5 5 5;0;100;2;2", // an index beyond the log is capped to the last index
        "2 2 5 5 5;0;5;6;5",
        "2 2 5 5 5;0;5;5;5",
        "2 2 5 5 5;0;5;4;2",
        "2 2 5 5 5;0;5;2;2",
        "2 2 5 5 5;0;5;1;0",
        "2 2 5 5 5;0;1;2;1",
        "2 2 5 5 5;0;1;1;0",
        "2 2 5 5 5;0;0;0;0",
        // log with a snapshot at 10 (term 3): entries 11..15
        "3 3 4 4 4;10;30;3;12",
        "3 3 4 4 4;10;14;9;14",
        "3 3 4 4 4;10;14;4;14",
        "3 3 4 4 4;10;14;3;12",
        "3 3 4 4 4;10;14;2;10",
        "3 3 4 4 4;10;11;5;11",
        "3 3 4 4 4;10;10;5;10",
        "3 3 4 4 4;10;10;3;10",
        "3 3 4 4 4;10;10;2;10",
        "3 3 4 4 4;10;9;2;9", // compacted away: the term is unknown, the index may match
        "3 3 4 4 4;10;3;9;3",
      })
  void findConflictByTerm(String logTerms, long offset, long index, long term, long want) {
    String[] ts = logTerms.split(" ");
    long[] terms = new long[ts.length];
    for (int i = 0; i < ts.length; i++) {
      terms[i] = Long.parseLong(ts[i]);
    }
    RaftLog l = offset == 0
        ? log(terms)
        : new RaftLog(new SnapshotMeta(offset, 3, ABC), entriesFrom(offset + 1, terms));
    assertThat(l.findConflictByTerm(index, term)).isEqualTo(want);
  }

  @Test
  void commitAndApplyBounds() {
    RaftLog l = log(1, 1, 1);
    l.commitTo(2);
    assertThat(l.committed()).isEqualTo(2);
    l.commitTo(1); // never goes back
    assertThat(l.committed()).isEqualTo(2);
    assertThatThrownBy(() -> l.commitTo(4)).isInstanceOf(InvariantViolation.class);
    assertThat(l.hasNextCommitted()).isTrue();
    assertThat(l.nextCommitted()).extracting(Entry::index).containsExactly(1L, 2L);
    l.appliedTo(1);
    assertThat(l.nextCommitted()).extracting(Entry::index).containsExactly(2L);
    assertThatThrownBy(() -> l.appliedTo(3)).isInstanceOf(InvariantViolation.class);
    assertThatThrownBy(() -> l.appliedTo(0)).isInstanceOf(InvariantViolation.class);
    l.appliedTo(1); // same index is fine
    l.appliedTo(2);
    assertThat(l.applied()).isEqualTo(2);
    assertThat(l.hasNextCommitted()).isFalse();
    assertThat(l.nextCommitted()).isEmpty();
    l.commitTo(3);
    assertThat(l.nextCommitted()).extracting(Entry::index).containsExactly(3L);
  }

  @Test
  void restoreReplacesTheLog() {
    RaftLog l = log(1, 1, 2);
    l.commitTo(1);
    Membership m = Membership.ofVoterIds("a", "b");
    SnapshotMeta s = new SnapshotMeta(10, 4, m);
    l.restore(s);
    assertThat(l.firstIndex()).isEqualTo(11);
    assertThat(l.lastIndex()).isEqualTo(10);
    assertThat(l.lastTerm()).isEqualTo(4);
    assertThat(l.committed()).isEqualTo(10);
    assertThat(l.applied()).isEqualTo(10);
    assertThat(l.stable()).isEqualTo(10);
    assertThat(l.snapshot()).isEqualTo(s);
    assertThat(l.pendingSnapshot()).isEqualTo(s);
    assertThat(l.membership()).isEqualTo(m);
    assertThat(l.lastConfigIndex()).isZero();
    assertThat(l.nextCommitted()).isEmpty();
    assertThat(l.unstableEntries()).isEmpty();
    l.snapshotStable(new SnapshotMeta(9, 4, m)); // another snapshot: not ours
    assertThat(l.pendingSnapshot()).isEqualTo(s);
    l.snapshotStable(s);
    assertThat(l.pendingSnapshot()).isNull();
    // appends continue after the snapshot
    assertThat(l.maybeAppend(10, 4, entriesFrom(11, 4))).isEqualTo(11);
    assertThat(l.unstableEntries()).extracting(Entry::index).containsExactly(11L);
  }

  @Test
  void restoreAtOrBelowCommitIsAnInvariantViolation() {
    RaftLog l = log(1, 1, 2);
    l.commitTo(2);
    assertThatThrownBy(() -> l.restore(new SnapshotMeta(2, 1, ABC))).isInstanceOf(InvariantViolation.class);
    assertThatThrownBy(() -> l.restore(new SnapshotMeta(1, 1, ABC))).isInstanceOf(InvariantViolation.class);
    assertThat(l.lastIndex()).isEqualTo(3);
  }

  private static RaftLog appliedLog(int n) {
    long[] terms = new long[n];
    java.util.Arrays.fill(terms, 1);
    RaftLog l = log(terms);
    l.commitTo(n);
    l.appliedTo(n);
    return l;
  }

  @Test
  void compactKeepsATrailingWindow() {
    RaftLog l = appliedLog(10);
    long dropped = l.compact(new SnapshotMeta(8, 1, ABC), 3, NO_BYTE_BOUND);
    assertThat(dropped).isEqualTo(5);
    assertThat(l.firstIndex()).isEqualTo(6);
    assertThat(l.lastIndex()).isEqualTo(10);
    assertThat(l.term(5)).as("term of the last dropped index is remembered").isEqualTo(1);
    assertThat(l.term(4)).isEqualTo(RaftLog.UNAVAILABLE);
    assertThat(l.snapshot().index()).isEqualTo(8);
    assertThat(l.entriesView()).extracting(Entry::index).containsExactly(6L, 7L, 8L, 9L, 10L);
    assertThat(l.slice(6, 10, 100, 1000)).hasSize(5);
    assertThatThrownBy(() -> l.slice(5, 10, 100, 1000)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void compactWithoutTrailingWindowDropsThroughTheSnapshot() {
    RaftLog l = appliedLog(10);
    assertThat(l.compact(new SnapshotMeta(10, 1, ABC), 0, NO_BYTE_BOUND)).isEqualTo(10);
    assertThat(l.firstIndex()).isEqualTo(11);
    assertThat(l.lastIndex()).isEqualTo(10);
    assertThat(l.lastTerm()).isEqualTo(1);
    assertThat(l.entriesView()).isEmpty();
  }

  @Test
  void compactWithWindowLargerThanTheLogDropsNothing() {
    RaftLog l = appliedLog(10);
    assertThat(l.compact(new SnapshotMeta(5, 1, ABC), 100, NO_BYTE_BOUND)).isZero();
    assertThat(l.firstIndex()).isEqualTo(1);
    assertThat(l.snapshot().index()).isEqualTo(5);
    assertThat(l.term(5)).isEqualTo(1);
  }

  @Test
  void compactIsMonotonicAndBoundedByApplied() {
    RaftLog l = appliedLog(10);
    l.compact(new SnapshotMeta(8, 1, ABC), 2, NO_BYTE_BOUND);
    assertThat(l.compact(new SnapshotMeta(6, 1, ABC), 0, NO_BYTE_BOUND)).as("older snapshot: no-op").isEqualTo(6);
    assertThat(l.snapshot().index()).isEqualTo(8);
    assertThat(l.compact(new SnapshotMeta(8, 1, ABC), 0, NO_BYTE_BOUND)).isEqualTo(6);
    assertThat(l.firstIndex()).isEqualTo(7);
    RaftLog l2 = log(1, 1, 1);
    l2.commitTo(3);
    l2.appliedTo(2);
    assertThatThrownBy(() -> l2.compact(new SnapshotMeta(3, 1, ABC), 0, NO_BYTE_BOUND))
        .isInstanceOf(InvariantViolation.class);
  }

  /** Entries 1..sizes.length in term 1, entry i of {@code sizes[i-1]} bytes ({@link Entry#size()}). */
  private static RaftLog appliedLogOfSizes(long... sizes) {
    List<Entry> es = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      es.add(Entry.command(1, i + 1, new byte[(int) (sizes[i] - Entry.command(1, 1, null).size())]));
    }
    RaftLog l = new RaftLog(SnapshotMeta.initial(ABC), es);
    l.commitTo(sizes.length);
    l.appliedTo(sizes.length);
    return l;
  }

  private static long bytesBehind(RaftLog l, long snapshotIndex) {
    long sum = 0;
    for (long i = l.firstIndex(); i <= snapshotIndex; i++) {
      sum += l.entry(i).size();
    }
    return sum;
  }

  @Test
  void compactKeepsTheLargestSuffixWithinTheByteBound() {
    RaftLog l = appliedLogOfSizes(100, 100, 100, 100, 100, 100, 100, 100, 100, 100);
    assertThat(l.compact(new SnapshotMeta(8, 1, ABC), 5, 250)).as("two entries fit").isEqualTo(6);
    assertThat(l.firstIndex()).isEqualTo(7);
    assertThat(l.lastIndex()).as("entries after the snapshot are never dropped").isEqualTo(10);
    assertThat(l.term(6)).as("term of the last dropped index is remembered").isEqualTo(1);
    assertThat(bytesBehind(l, 8)).isEqualTo(200);
  }

  @Test
  void theByteBoundIsInclusive() {
    RaftLog exact = appliedLogOfSizes(100, 100, 100, 100, 100, 100, 100, 100);
    assertThat(exact.compact(new SnapshotMeta(8, 1, ABC), 5, 300)).isEqualTo(5);
    RaftLog under = appliedLogOfSizes(100, 100, 100, 100, 100, 100, 100, 100);
    assertThat(under.compact(new SnapshotMeta(8, 1, ABC), 5, 299)).isEqualTo(6);
  }

  @Test
  void theEntryCountStillBoundsTheWindowWhenBytesAreAmple() {
    RaftLog l = appliedLogOfSizes(100, 100, 100, 100, 100, 100, 100, 100);
    assertThat(l.compact(new SnapshotMeta(8, 1, ABC), 3, 1_000_000)).isEqualTo(5);
  }

  @Test
  void aWindowOfZeroBytesKeepsNothingBehindTheSnapshot() {
    RaftLog l = appliedLogOfSizes(100, 100, 100, 100, 100);
    assertThat(l.compact(new SnapshotMeta(4, 1, ABC), 1000, 0)).isEqualTo(4);
    assertThat(l.firstIndex()).isEqualTo(5);
    assertThat(l.term(4)).isEqualTo(1);
  }

  @Test
  void theWindowIsContiguousAndStopsAtTheFirstEntryThatDoesNotFit() {
    // walking down from the snapshot at 5: 100 fits, 5000 does not; the small ones before it go
    // too (a window with a hole would not be a log)
    RaftLog l = appliedLogOfSizes(100, 100, 100, 5000, 100, 100);
    assertThat(l.compact(new SnapshotMeta(5, 1, ABC), 1000, 1000)).isEqualTo(4);
    assertThat(l.entriesView()).extracting(Entry::index).containsExactly(5L, 6L);
  }

  @Test
  void anEntryLargerThanTheBoundIsNotKept() {
    RaftLog l = appliedLogOfSizes(100, 100, 1 << 20);
    assertThat(l.compact(new SnapshotMeta(3, 1, ABC), 1000, 1000)).isEqualTo(3);
    assertThat(l.entriesView()).isEmpty();
  }

  @Test
  void theByteWindowNeverBringsBackWhatAnEarlierCompactionDropped() {
    RaftLog l = appliedLogOfSizes(100, 100, 100, 100, 100, 100, 100, 100, 100, 100);
    assertThat(l.compact(new SnapshotMeta(6, 1, ABC), 1, NO_BYTE_BOUND)).isEqualTo(5);
    assertThat(l.compact(new SnapshotMeta(8, 1, ABC), 1000, NO_BYTE_BOUND)).as("unchanged")
        .isEqualTo(5);
    assertThat(l.compact(new SnapshotMeta(9, 1, ABC), 1000, 250)).isEqualTo(7);
    assertThat(bytesBehind(l, 9)).isEqualTo(200);
  }

  @Test
  void theBytesOfLargeEntriesBehindASnapshotStayWithinTheBound() {
    long mib = 1 << 20;
    long[] sizes = new long[20];
    java.util.Arrays.fill(sizes, mib);
    RaftLog l = appliedLogOfSizes(sizes);
    long bound = 8 * mib;
    long dropped = l.compact(new SnapshotMeta(16, 1, ABC), 1000, bound);
    assertThat(bytesBehind(l, 16)).isEqualTo(8 * mib).isLessThanOrEqualTo(bound);
    assertThat(dropped).isEqualTo(8);
    assertThat(l.entriesView()).hasSize(8 + 4);
  }

  @Test
  void configTakesEffectOnAppendAndRevertsOnTruncation() {
    Membership abcd = ABC.apply(new MembershipChange.AddLearner("d", "", true));
    RaftLog l = log(1, 1);
    assertThat(l.maybeAppend(2, 1, List.of(cfg(1, 3, abcd), Entry.command(1, 4, null)))).isEqualTo(4);
    assertThat(l.membership()).as("in force as soon as appended, uncommitted").isEqualTo(abcd);
    assertThat(l.lastConfigIndex()).isEqualTo(3);
    assertThat(l.membershipAt(2)).isEqualTo(ABC);
    assertThat(l.membershipAt(3)).isEqualTo(abcd);
    assertThat(l.membershipAt(4)).isEqualTo(abcd);
    // a new leader overwrites index 3: the configuration reverts
    assertThat(l.maybeAppend(2, 1, entriesFrom(3, 2))).isEqualTo(3);
    assertThat(l.membership()).isEqualTo(ABC);
    assertThat(l.lastConfigIndex()).isZero();
    // truncating after the config keeps it
    Membership ab = ABC.apply(new MembershipChange.Remove("c"));
    l.maybeAppend(3, 2, List.of(cfg(2, 4, ab), Entry.command(2, 5, null)));
    l.maybeAppend(4, 2, entriesFrom(5, 3));
    assertThat(l.membership()).isEqualTo(ab);
    assertThat(l.lastConfigIndex()).isEqualTo(4);
  }

  @Test
  void compactionMovesTheBaseConfiguration() {
    Membership abcd = ABC.apply(new MembershipChange.AddLearner("d", "", true));
    Membership abcD = abcd.apply(new MembershipChange.Promote("d"));
    RaftLog l = log(1);
    l.append(cfg(1, 2, abcd));
    l.append(Entry.command(1, 3, null));
    l.append(cfg(1, 4, abcD));
    l.append(Entry.command(1, 5, null));
    l.commitTo(5);
    l.appliedTo(5);
    l.compact(new SnapshotMeta(3, 1, abcd), 0, NO_BYTE_BOUND);
    assertThat(l.membershipAt(3)).isEqualTo(abcd);
    assertThat(l.membership()).isEqualTo(abcD);
    assertThat(l.lastConfigIndex()).isEqualTo(4);
    assertThatThrownBy(() -> l.membershipAt(2)).isInstanceOf(IllegalArgumentException.class);
    l.compact(new SnapshotMeta(5, 1, abcD), 0, NO_BYTE_BOUND);
    assertThat(l.membership()).isEqualTo(abcD);
    assertThat(l.lastConfigIndex()).isZero();
    assertThat(l.membershipAt(5)).isEqualTo(abcD);
  }

  @Test
  void compactionWithoutConfigEntriesKeepsTheBase() {
    RaftLog l = appliedLog(6);
    l.compact(new SnapshotMeta(4, 1, ABC), 0, NO_BYTE_BOUND);
    assertThat(l.membership()).isEqualTo(ABC);
    assertThat(l.membershipAt(4)).isEqualTo(ABC);
  }

  // ------------------------------------------------------------------ restart

  @Test
  void restartWithSnapshotAndEntriesAfterIt() {
    RaftLog l = new RaftLog(new SnapshotMeta(5, 2, ABC), entriesFrom(6, 2, 3));
    assertThat(l.firstIndex()).isEqualTo(6);
    assertThat(l.lastIndex()).isEqualTo(7);
    assertThat(l.term(5)).isEqualTo(2);
    assertThat(l.committed()).isEqualTo(5);
    assertThat(l.applied()).isEqualTo(5);
    assertThat(l.stable()).isEqualTo(7);
  }

  @Test
  void restartWithTrailingWindowBehindTheSnapshot() {
    Membership ab = Membership.ofVoterIds("a", "b");
    List<Entry> stored = new ArrayList<>(entriesFrom(3, 1, 1));
    stored.add(cfg(2, 5, ab)); // at the snapshot: summed up by the snapshot's membership
    stored.addAll(entriesFrom(6, 2));
    RaftLog l = new RaftLog(new SnapshotMeta(5, 2, ab), stored);
    assertThat(l.firstIndex()).isEqualTo(3);
    assertThat(l.lastIndex()).isEqualTo(6);
    assertThat(l.term(2)).as("before the window: unknown").isEqualTo(RaftLog.UNAVAILABLE);
    assertThat(l.term(4)).isEqualTo(1);
    assertThat(l.term(5)).isEqualTo(2);
    assertThat(l.committed()).isEqualTo(5);
    assertThat(l.membership()).isEqualTo(ab);
    assertThat(l.lastConfigIndex()).isZero();
  }

  @Test
  void restartWithTrailingWindowFromTheFirstIndexKnowsTermZero() {
    RaftLog l = new RaftLog(new SnapshotMeta(3, 1, ABC), entries(1, 1, 1, 2));
    assertThat(l.firstIndex()).isEqualTo(1);
    assertThat(l.term(0)).as("index 0 always has term 0").isZero();
    assertThat(l.matchTerm(0, 0)).isTrue();
  }

  @Test
  void restartWithGapAfterSnapshotIsAnInvariantViolation() {
    assertThatThrownBy(() -> new RaftLog(new SnapshotMeta(5, 2, ABC), entriesFrom(7, 2)))
        .isInstanceOf(InvariantViolation.class)
        .hasMessageContaining("gap");
  }

  @Test
  void restartWithStoredLogEndingBeforeTheSnapshotDropsIt() {
    RaftLog l = new RaftLog(new SnapshotMeta(5, 2, ABC), entries(1, 1, 1));
    assertThat(l.firstIndex()).isEqualTo(6);
    assertThat(l.lastIndex()).isEqualTo(5);
    assertThat(l.lastTerm()).isEqualTo(2);
  }

  @Test
  void restartWithStoredLogDisagreeingAtTheSnapshotDropsIt() {
    RaftLog l = new RaftLog(new SnapshotMeta(2, 2, ABC), entries(1, 1, 1));
    assertThat(l.firstIndex()).isEqualTo(3);
    assertThat(l.lastIndex()).isEqualTo(2);
    assertThat(l.term(2)).isEqualTo(2);
  }

  @Test
  void restartWithTermGoingBackIsAnInvariantViolation() {
    assertThatThrownBy(() -> log(2, 1)).isInstanceOf(InvariantViolation.class);
  }

  @Test
  void restartWithNonContiguousEntriesIsAnInvariantViolation() {
    List<Entry> es = List.of(Entry.command(1, 1, null), Entry.command(1, 3, null));
    assertThatThrownBy(() -> new RaftLog(SnapshotMeta.initial(ABC), es))
        .isInstanceOf(InvariantViolation.class);
  }

  @Test
  void restartWithWindowStartingAtTheSnapshotIndex() {
    RaftLog l = new RaftLog(new SnapshotMeta(5, 2, ABC), entriesFrom(5, 2, 2, 3));
    assertThat(l.firstIndex()).isEqualTo(5);
    assertThat(l.lastIndex()).isEqualTo(7);
    assertThat(l.term(4)).isEqualTo(RaftLog.UNAVAILABLE);
    assertThat(l.term(5)).isEqualTo(2);
    assertThat(l.committed()).isEqualTo(5);
  }

  @Test
  void restartWithWindowDisagreeingExactlyAtTheSnapshotIndexDropsIt() {
    RaftLog l = new RaftLog(new SnapshotMeta(5, 2, ABC), entriesFrom(5, 1, 1));
    assertThat(l.firstIndex()).isEqualTo(6);
    assertThat(l.lastIndex()).isEqualTo(5);
    assertThat(l.lastTerm()).isEqualTo(2);
  }

  @Test
  void restoreForgetsTheConfigurationsOfTheOldLog() {
    Membership withD = ABC.apply(new MembershipChange.AddLearner("d", "", false));
    Membership ab = Membership.ofVoterIds("a", "b");
    RaftLog l = log(1);
    l.append(cfg(1, 2, withD));
    assertThat(l.membership()).isEqualTo(withD);
    l.restore(new SnapshotMeta(9, 2, ab));
    assertThat(l.membership()).isEqualTo(ab);
    assertThat(l.lastConfigIndex()).isZero();
    assertThat(l.membershipAt(9)).isEqualTo(ab);
  }

}
