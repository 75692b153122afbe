package io.lattice.raft;

/**
 * The leader's view of one member's log (Raft Figure 2 nextIndex/matchIndex), and the flow-control
 * state that decides what to send it next.
 *
 * <p>Invariant: {@code match < next}. {@code match} only grows within a term, except when the
 * member proves it lost entries it had acknowledged, by rejecting a probe at match sent after it
 * acknowledged match (see {@link #maybeDecreaseTo}); lowering it is always safe, since the commit
 * index never goes back. A stale rejection never lowers it.
 */
public final class Progress {
  /** How the leader replicates to this member. */
  public enum State {
    /**
     * The leader does not know where the logs diverge: one append at a time, waiting for the
     * answer (or the next heartbeat) before the next.
     */
    PROBE,
    /** Logs match up to {@code match}: appends are pipelined, bounded by the inflight window. */
    REPLICATE,
    /** The member needs compacted entries: a snapshot is on its way; nothing else is sent. */
    SNAPSHOT
  }

  private long match;
  private long next;
  private State state = State.PROBE;
  /** In PROBE: an append was sent and neither an answer nor a heartbeat tick has come since. */
  private boolean probeSent;
  /**
   * In PROBE: a probe at {@code match} (prevLogIndex == match) was sent since this PROBE began and
   * match took its value. Only a rejection of such a probe proves the member lost entries it had
   * acknowledged; a rejection at match without one is an old answer, reordered or duplicated.
   */
  private boolean probedAtMatch;
  /** In SNAPSHOT: the index of the snapshot being sent. */
  private long pendingSnapshot;
  private int snapshotTicks;
  /** Heard from within the current check-quorum period. */
  private boolean recentActive;
  /** Tick of the last message from the member; {@link #NEVER} until the first one. */
  private long lastContactTick;
  private final Inflights inflights;

  Progress(long next, int maxInflight) {
    this.match = LogIndex.NONE;
    this.next = next;
    this.inflights = new Inflights(maxInflight);
    this.lastContactTick = NEVER;
  }

  /** {@link #lastContactTick()} of a member this leader has not heard from yet. */
  static final long NEVER = -1;

  public long match() {
    return match;
  }

  public long next() {
    return next;
  }

  public State state() {
    return state;
  }

  long pendingSnapshot() {
    return pendingSnapshot;
  }

  boolean recentActive() {
    return recentActive;
  }

  void setRecentActive(boolean active) {
    recentActive = active;
  }

  long lastContactTick() {
    return lastContactTick;
  }

  void contact(long nowTick) {
    recentActive = true;
    lastContactTick = nowTick;
  }

  Inflights inflights() {
    return inflights;
  }

  /** Whether the leader should hold back appends to this member for now. */
  boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  void becomeProbe() {
    // After a snapshot the member holds at least the snapshot: probe right after it.
    long from = state == State.SNAPSHOT ? Math.max(match, pendingSnapshot) : match;
    state = State.PROBE;
    next = LogIndex.next(from);
    probeSent = false;
    probedAtMatch = false;
    pendingSnapshot = LogIndex.NONE;
    inflights.clear();
  }

  void becomeReplicate() {
    state = State.REPLICATE;
    next = LogIndex.next(match);
    probeSent = false;
    pendingSnapshot = LogIndex.NONE;
    inflights.clear();
  }

  void becomeSnapshot(long snapshotIndex) {
    state = State.SNAPSHOT;
    pendingSnapshot = snapshotIndex;
    snapshotTicks = 0;
    probeSent = false;
    inflights.clear();
  }

  /** Counts a tick in SNAPSHOT state; true once the snapshot has been pending for {@code limit}. */
  boolean snapshotTimedOut(int limit) {
    return state == State.SNAPSHOT && ++snapshotTicks >= limit;
  }

  /** Records that an append ending at {@code lastIndex} was sent. */
  void sentAppend(long lastIndex, int entryCount) {
    switch (state) {
      case REPLICATE -> {
        if (entryCount > 0) {
          next = LogIndex.next(lastIndex);
          inflights.add(lastIndex);
        }
      }
      case PROBE -> {
        probeSent = true;
        probedAtMatch |= LogIndex.prev(next) == match;
      }
      case SNAPSHOT -> throw new IllegalStateException("append sent while sending a snapshot");
    }
  }

  /** A heartbeat interval passed: a probe that got no answer may be retried. */
  void heartbeatTick() {
    probeSent = false;
  }

  /**
   * The member acknowledged everything up to {@code index}. Returns false for a stale answer that
   * tells nothing new.
   */
  boolean maybeUpdate(long index) {
    boolean updated = false;
    if (index > match) {
      match = index;
      updated = true;
      probeSent = false;
      probedAtMatch = false;
    }
    next = Math.max(next, LogIndex.next(index));
    inflights.freeUpTo(index);
    return updated;
  }

  /**
   * The member rejected an append whose prevLogIndex was {@code rejected}; {@code probeFrom} is the
   * leader's estimate (from the member's hint) of the last index where the logs may agree. Returns
   * false when the rejection is stale (answers an append sent before a newer decision).
   *
   * <p>As etcd's {@code MaybeDecrTo}: in REPLICATE a rejection at or below match is stale; in PROBE
   * only the rejection of the outstanding probe ({@code next - 1}) counts. A probe at match itself
   * is rejected only by a member that lost entries (a repaired disk), and then match is lowered to
   * the hint, or the leader would probe the same index forever; but only if that probe was sent
   * after match was learned, since an old rejection of an earlier probe at the same index (from
   * before the member caught up), reordered or duplicated, must change nothing.
   */
  boolean maybeDecreaseTo(long rejected, long probeFrom) {
    if (state == State.REPLICATE) {
      if (rejected <= match) {
        return false; // stale: the member has since confirmed more than that
      }
      next = LogIndex.next(match);
      return true;
    }
    if (LogIndex.prev(next) != rejected) {
      return false; // stale: not the probe we are waiting for
    }
    if (rejected <= match) {
      if (!probedAtMatch) {
        return false; // stale: answers a probe sent before the member acknowledged match
      }
      if (probeFrom < match) {
        // The member rejected the very entry it had acknowledged: it lost entries (a disk repair
        // truncated its log). What it still holds is a prefix of what it acknowledged, so it
        // matches up to its hint; without lowering match the leader would probe the same index
        // forever.
        match = probeFrom;
        probedAtMatch = false;
      }
    }
    next = Math.max(LogIndex.next(match), Math.min(rejected, LogIndex.next(probeFrom)));
    probeSent = false;
    return true;
  }

  @Override
  public String toString() {
    return "Progress{" + state + " match=" + match + " next=" + next + "}";
  }
}
