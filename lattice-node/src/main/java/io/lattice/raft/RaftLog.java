package io.lattice.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The core's view of the log: the retained entries in memory, the commit/apply/durable marks, the
 * newest snapshot, and the configuration history. Storage mirrors this through {@link Ready}.
 *
 * <p>Invariants, checked on every change (a violation throws {@link InvariantViolation}):
 *
 * <ul>
 *   <li>entries are contiguous: entry k holds index {@code offset + 1 + k};
 *   <li>{@code offset <= snapshot.index}; {@code snapshot.index <= applied <= committed <= lastIndex};
 *   <li>{@code stable <= lastIndex}; a committed entry is never truncated.
 * </ul>
 */
final class RaftLog {
  /** The term of an index the log no longer (or does not yet) hold. */
  static final long UNAVAILABLE = -1;

  /** Index before the first retained entry. */
  private long offset;
  /** Term of {@code offset}, or UNAVAILABLE when it is not known (a trailing window on restart). */
  private long offsetTerm;
  private final ArrayList<Entry> entries = new ArrayList<>();
  private long committed;
  private long applied;
  /** Entries at or below this index are durable. */
  private long stable;
  private SnapshotMeta snapshot;
  /** A snapshot received from the leader that the driver has not installed yet. */
  private SnapshotMeta pendingSnapshot;
  /** The configuration in force at {@code offset}. */
  private Membership baseMembership;
  /** CONFIG entries above {@code offset}, by index. */
  private final TreeMap<Long, Membership> configs = new TreeMap<>();

  RaftLog(SnapshotMeta snapshot, List<Entry> stored) {
    this.snapshot = snapshot;
    this.offset = snapshot.index();
    this.offsetTerm = snapshot.term();
    this.committed = snapshot.index();
    this.applied = snapshot.index();
    this.baseMembership = snapshot.membership();
    if (!stored.isEmpty() && supersededBy(snapshot, stored)) {
      stored = List.of(); // the snapshot replaced this log (it was installed from the leader)
    }
    if (!stored.isEmpty()) {
      long first = stored.get(0).index();
      if (first > LogIndex.next(snapshot.index())) {
        throw new InvariantViolation(
            "log starts at " + first + ", after snapshot " + snapshot.index() + ": a gap");
      }
      if (first <= snapshot.index()) {
        // A trailing window behind the snapshot: keep it for slow followers.
        offset = LogIndex.prev(first);
        // Inside the window, only the term of index 0 ("no entry") is known without the entry.
        offsetTerm = offset == LogIndex.NONE ? LogIndex.NO_TERM : UNAVAILABLE;
      }
      for (Entry e : stored) {
        appendOne(e);
      }
      if (offset < snapshot.index() && snapshot.index() <= lastIndex()
          && entry(snapshot.index()).term() != snapshot.term()) {
        throw new InvariantViolation("log term at snapshot index " + snapshot.index()
            + " is " + entry(snapshot.index()).term() + ", snapshot says " + snapshot.term());
      }
      // CONFIG entries at or below the snapshot are summed up by the snapshot's membership.
      configs.headMap(snapshot.index(), true).clear();
    }
    this.stable = lastIndex();
  }

  /** Whether a stored log ends before the snapshot, or disagrees with it at the snapshot's index. */
  private static boolean supersededBy(SnapshotMeta snapshot, List<Entry> stored) {
    long first = stored.get(0).index();
    long last = stored.get(stored.size() - 1).index();
    if (last < snapshot.index()) {
      return true;
    }
    if (first <= snapshot.index()) {
      Entry atSnapshot = stored.get(LogIndex.position(snapshot.index(), first));
      return atSnapshot.term() != snapshot.term();
    }
    return false;
  }

  long firstIndex() {
    return LogIndex.next(offset);
  }

  long lastIndex() {
    return LogIndex.lastAfterAppend(offset, entries.size());
  }

  long lastTerm() {
    return term(lastIndex());
  }

  long committed() {
    return committed;
  }

  long applied() {
    return applied;
  }

  long stable() {
    return stable;
  }

  SnapshotMeta snapshot() {
    return snapshot;
  }

  /** See {@link Raft#snapshotMetaAt}: the term and membership at {@code index}. */
  SnapshotMeta snapshotMetaAt(long index) {
    if (index > applied || index < snapshot.index()) {
      throw new IllegalArgumentException("snapshot index " + index + " outside ["
          + snapshot.index() + ", applied " + applied + "]");
    }
    long t = term(index);
    if (t == UNAVAILABLE) {
      throw new IllegalArgumentException("term of index " + index + " is not known");
    }
    return new SnapshotMeta(index, t, membershipAt(index));
  }

  SnapshotMeta pendingSnapshot() {
    return pendingSnapshot;
  }

  /** The term of the entry at {@code index}; UNAVAILABLE if compacted away or beyond the end. */
  long term(long index) {
    if (index == offset) {
      return offsetTerm;
    }
    if (index == snapshot.index()) {
      return snapshot.term();
    }
    if (index < offset || index > lastIndex()) {
      return UNAVAILABLE;
    }
    return entries.get(LogIndex.position(index, firstIndex())).term();
  }

  boolean matchTerm(long index, long term) {
    long t = term(index);
    return t != UNAVAILABLE && t == term;
  }

  /** Raft §5.4.1: a candidate's log is at least as up-to-date as this one. */
  boolean isUpToDate(long lastIndex, long lastTerm) {
    long myTerm = lastTerm();
    return lastTerm > myTerm || (lastTerm == myTerm && lastIndex >= lastIndex());
  }

  Entry entry(long index) {
    return entries.get(LogIndex.position(index, firstIndex()));
  }

  /**
   * Entries in [from, to], stopping early after {@code maxCount} entries or once {@code maxBytes}
   * is exceeded (always at least one entry when the range is non-empty).
   */
  List<Entry> slice(long from, long to, int maxCount, long maxBytes) {
    if (from < firstIndex()) {
      throw new IllegalArgumentException("index " + from + " is compacted (first " + firstIndex() + ")");
    }
    long last = Math.min(to, lastIndex());
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = from; i <= last && out.size() < maxCount; i = LogIndex.next(i)) {
      Entry e = entry(i);
      bytes += e.size();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /** Leader-side append of new entries at the end of the log. */
  void append(Entry e) {
    if (e.index() != LogIndex.next(lastIndex())) {
      throw new InvariantViolation("append of " + e.index() + " after last index " + lastIndex());
    }
    appendOne(e);
  }

  private void appendOne(Entry e) {
    if (e.index() != LogIndex.next(lastIndex())) {
      throw new InvariantViolation("entry " + e.index() + " does not follow " + lastIndex());
    }
    if (e.term() < lastTerm() && lastTerm() != UNAVAILABLE) {
      throw new InvariantViolation("term goes back at " + e.index() + ": " + e.term() + " < " + lastTerm());
    }
    entries.add(e);
    if (e.type() == EntryType.CONFIG) {
      configs.put(e.index(), Membership.decode(e.data()));
    }
  }

  /**
   * Follower-side append (Raft §5.3, receiver rules 2–4): if the log has (prevIndex, prevTerm),
   * drops every entry that conflicts with {@code incoming}, appends the new ones and returns the
   * index of the last entry the leader sent; otherwise returns -1 and changes nothing.
   */
  long maybeAppend(long prevIndex, long prevTerm, List<Entry> incoming) {
    if (!matchTerm(prevIndex, prevTerm)) {
      return -1;
    }
    long lastNew = LogIndex.lastAfterAppend(prevIndex, incoming.size());
    for (Entry e : incoming) {
      if (e.index() <= offset) {
        continue; // already compacted, hence committed, hence identical (Log Matching)
      }
      long existing = term(e.index());
      if (existing == e.term()) {
        continue;
      }
      if (existing != UNAVAILABLE) {
        truncateFrom(e.index());
      }
      appendOne(e);
    }
    return lastNew;
  }

  private void truncateFrom(long index) {
    if (index <= committed) {
      throw new InvariantViolation(
          "conflict at committed index " + index + " (commit " + committed + ")");
    }
    int pos = LogIndex.position(index, firstIndex());
    entries.subList(pos, entries.size()).clear();
    configs.tailMap(index, true).clear();
    stable = Math.min(stable, LogIndex.prev(index));
  }

  /**
   * For fast back-off: the largest index at or below {@code index} whose term is at most
   * {@code term}. Returns the first unknown index boundary when the scan runs out of the log. An
   * index below the log (compacted away) has no known term: it may match, so it is returned as
   * it is (as etcd does), never raised to the log's start.
   */
  long findConflictByTerm(long index, long term) {
    if (index < offset) {
      return index;
    }
    long i = Math.min(index, lastIndex());
    while (i > offset) {
      if (term(i) <= term) {
        return i;
      }
      i = LogIndex.prev(i);
    }
    return offset;
  }

  void commitTo(long index) {
    if (index <= committed) {
      return;
    }
    if (index > lastIndex()) {
      throw new InvariantViolation("commit " + index + " beyond last index " + lastIndex());
    }
    committed = index;
  }

  void appliedTo(long index) {
    if (index < applied || index > committed) {
      throw new InvariantViolation(
          "applied " + index + " outside [" + applied + ", " + committed + "]");
    }
    applied = index;
  }

  /** Entries through (index, term) are durable, unless the log changed there since. */
  void stableTo(long index, long term) {
    if (matchTerm(index, term) && index > stable) {
      stable = index;
    }
  }

  void snapshotStable(SnapshotMeta meta) {
    if (pendingSnapshot != null && pendingSnapshot.index() == meta.index()) {
      pendingSnapshot = null;
    }
  }

  List<Entry> unstableEntries() {
    if (stable >= lastIndex()) {
      return List.of();
    }
    long from = Math.max(LogIndex.next(stable), firstIndex());
    return new ArrayList<>(entries.subList(LogIndex.position(from, firstIndex()), entries.size()));
  }

  /** Committed entries not yet applied, as far as the log holds them. */
  List<Entry> nextCommitted() {
    if (committed <= applied) {
      return List.of();
    }
    long from = LogIndex.next(applied);
    if (from < firstIndex()) {
      throw new InvariantViolation("applied " + applied + " is below the log's first index");
    }
    return new ArrayList<>(entries.subList(
        LogIndex.position(from, firstIndex()), LogIndex.position(LogIndex.next(committed), firstIndex())));
  }

  boolean hasNextCommitted() {
    return committed > applied;
  }

  /** Replaces the whole log with a snapshot from the leader (Raft §7, receiver rules 6–8). */
  void restore(SnapshotMeta meta) {
    if (meta.index() <= committed) {
      throw new InvariantViolation("restore of snapshot " + meta.index() + " at or below commit " + committed);
    }
    entries.clear();
    configs.clear();
    offset = meta.index();
    offsetTerm = meta.term();
    committed = meta.index();
    applied = meta.index();
    stable = meta.index();
    snapshot = meta;
    pendingSnapshot = meta;
    baseMembership = meta.membership();
  }

  /**
   * Records a snapshot of the state machine taken at {@code meta.index()} and drops the entries it
   * covers except a trailing window for slow followers: the largest run of entries ending at the
   * snapshot's index that has at most {@code trailing} entries and whose sizes ({@link
   * Entry#size()}) add up to at most {@code trailingBytes} (possibly empty: the snapshot covers
   * everything). Entries after the snapshot's index are always kept. Returns the new last dropped
   * index, through which storage may drop entries too.
   *
   * <p>Costs at most {@code trailing} steps (a configured bound, not the size of the log) besides
   * the drop itself.
   */
  long compact(SnapshotMeta meta, long trailing, long trailingBytes) {
    if (meta.index() > applied) {
      throw new InvariantViolation("snapshot at " + meta.index() + " beyond applied " + applied);
    }
    if (meta.index() <= snapshot.index()) {
      return offset;
    }
    snapshot = meta;
    return trimToWindow(trailing, trailingBytes);
  }

  /**
   * Drops the entries before the trailing window behind the current snapshot (see {@link
   * #compact}); also called once on restart, since the log store drops whole segments and may hand
   * back more than the window. Returns the new last dropped index.
   */
  long trimToWindow(long trailing, long trailingBytes) {
    long newOffset = trailingWindowOffset(snapshot.index(), trailing, trailingBytes);
    if (newOffset > offset) {
      long newOffsetTerm = term(newOffset);
      Map.Entry<Long, Membership> base = configs.floorEntry(newOffset);
      if (base != null) {
        baseMembership = base.getValue();
      }
      configs.headMap(newOffset, true).clear();
      entries.subList(0, LogIndex.position(LogIndex.next(newOffset), firstIndex())).clear();
      offset = newOffset;
      offsetTerm = newOffsetTerm;
    }
    return offset;
  }

  /**
   * The index just before the trailing window behind a snapshot at {@code snapshotIndex}: the
   * count bound first, then, walking down from the snapshot, the first entry that would take the
   * window past {@code trailingBytes}. Never below {@code offset} (what is gone stays gone).
   */
  private long trailingWindowOffset(long snapshotIndex, long trailing, long trailingBytes) {
    long byCount = LogIndex.prev(LogIndex.trailingStart(snapshotIndex, trailing));
    long floor = Math.max(byCount, offset);
    long bytes = 0;
    for (long i = snapshotIndex; i > floor; i = LogIndex.prev(i)) {
      bytes += entry(i).size();
      if (bytes > trailingBytes) {
        return i; // entry i does not fit: drop it and everything before it
      }
    }
    return floor;
  }

  /** The configuration in force: the newest CONFIG entry in the log, committed or not (§4.1). */
  Membership membership() {
    return configs.isEmpty() ? baseMembership : configs.lastEntry().getValue();
  }

  /** The configuration in force at {@code index}. */
  Membership membershipAt(long index) {
    Map.Entry<Long, Membership> e = configs.floorEntry(index);
    if (e != null) {
      return e.getValue();
    }
    if (index < offset) {
      throw new IllegalArgumentException("membership at compacted index " + index);
    }
    return baseMembership;
  }

  /** Index of the newest CONFIG entry in the log, or NONE when the base configuration is in force. */
  long lastConfigIndex() {
    return configs.isEmpty() ? LogIndex.NONE : configs.lastKey();
  }

  List<Entry> entriesView() {
    return Collections.unmodifiableList(entries);
  }
}
