package io.lattice.node;

import io.lattice.errors.Reason;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The client requests a node's loop is holding, and the one rule for how each of them ends.
 *
 * <p><b>The outcome rule.</b> A proposal is registered here only once the core has appended it to
 * the leader's log ({@link io.lattice.raft.Raft#propose} returned its index and term). From then on
 * it may commit, even under a later leader, even after this node stopped: so it ends either with the
 * state machine's result (the entry applied at its index has its term) or as {@link
 * Reason#INDETERMINATE} — on leadership loss, on a snapshot that covers it, on
 * timeout, on shutdown and on a fatal error alike. Nothing appended is ever reported as "not
 * applied". Only requests that never reached the core (refused by it, or still queued when the loop
 * stopped) may end with an error that says they had no effect; those never get here.
 *
 * <p>Reads change nothing, so every way a read can end without an answer is UNAVAILABLE (or SHUTTING_DOWN
 * at shutdown): the client may simply try again.
 *
 * <p><b>Expiry.</b> Every request carries one deadline, in the loop clock's nanoseconds; {@link
 * #expire} ends the ones that are due. Not thread-safe: owned by the loop thread.
 */
final class PendingRequests {
  private record Proposal(long term, long deadline, CompletableFuture<byte[]> future) {}

  private record Read(long deadline, Function<Object, ?> query, CompletableFuture<Object> future) {}

  private record Waiter<T>(long deadline, long index, CompletableFuture<T> future) {}

  /** Appended proposals by log index. */
  private final TreeMap<Long, Proposal> proposals = new TreeMap<>();
  /** Reads waiting for the core's grant, in the order they were asked (deadlines grow). */
  private final LinkedHashMap<Long, Read> reads = new LinkedHashMap<>();
  private final List<Waiter<String>> transfers = new ArrayList<>();
  private final List<Waiter<SnapshotMeta>> snapshots = new ArrayList<>();

  // ------------------------------------------------------------------------------- registering

  /** A proposal the core appended at {@code index} in {@code term}. */
  void proposed(long index, long term, long deadline, CompletableFuture<byte[]> future) {
    Proposal old = proposals.put(index, new Proposal(term, deadline, future));
    if (old != null) {
      // The same index proposed again in one life: only after a truncation, so the earlier entry
      // was overwritten and can never commit; still reported as unknown, the safe side.
      old.future().completeExceptionally(new NodeException(Reason.INDETERMINATE,
          "entry " + index + " was overwritten before it committed"));
    }
  }

  @SuppressWarnings("unchecked")
  <S> void read(long id, long deadline, Function<S, ?> query, CompletableFuture<Object> future) {
    reads.put(id, new Read(deadline, (Function<Object, ?>) query, future));
  }

  void transfer(long deadline, CompletableFuture<String> future) {
    transfers.add(new Waiter<>(deadline, 0, future));
  }

  /** A snapshot request: done once the newest snapshot covers {@code index}. */
  void snapshot(long index, CompletableFuture<SnapshotMeta> future) {
    snapshots.add(new Waiter<>(Long.MAX_VALUE, index, future));
  }

  /** Whether a proposal waits for the entry at {@code index}. */
  boolean awaits(long index) {
    return proposals.containsKey(index);
  }

  int proposalCount() {
    return proposals.size();
  }

  int readCount() {
    return reads.size();
  }

  boolean hasTransfers() {
    return !transfers.isEmpty();
  }

  boolean hasSnapshotWaiters() {
    return !snapshots.isEmpty();
  }

  // ---------------------------------------------------------------------------------- outcomes

  /** The entry at {@code entry.index()} was applied; {@code result} as the state machine gave it. */
  void applied(Entry entry, byte[] result, Function<String, NodeException> indeterminate) {
    Proposal p = proposals.remove(entry.index());
    if (p == null) {
      return;
    }
    if (p.term() != entry.term()) {
      p.future().completeExceptionally(indeterminate.apply(
          "entry " + entry.index() + " was overwritten by a new leader's log"));
      return;
    }
    p.future().complete(entry.type() == EntryType.CONFIG ? entry.data()
        : result == null ? new byte[0] : result);
  }

  /** A snapshot from the leader replaced the state up to {@code index}: covered outcomes are unknown. */
  void coveredBySnapshot(long index, NodeException indeterminate) {
    while (!proposals.isEmpty() && proposals.firstKey() <= index) {
      proposals.pollFirstEntry().getValue().future().completeExceptionally(indeterminate);
    }
  }

  /** Leadership was lost: every appended proposal may still commit under the next leader. */
  void leadershipLost(NodeException indeterminate) {
    for (Proposal p : proposals.values()) {
      p.future().completeExceptionally(indeterminate);
    }
    proposals.clear();
  }

  /** Serves the granted read {@code id} against {@code view}; false if it is not pending. */
  boolean readGranted(long id, Object view) {
    Read r = reads.remove(id);
    if (r == null) {
      return false;
    }
    try {
      r.future().complete(r.query().apply(view));
    } catch (RuntimeException e) {
      r.future().completeExceptionally(e);
    }
    return true;
  }

  void readFailed(long id, NodeException why) {
    Read r = reads.remove(id);
    if (r != null) {
      r.future().completeExceptionally(why);
    }
  }

  /** Another leader is known: every transfer succeeded. */
  void transfersDone(String newLeader) {
    transfers.forEach(w -> w.future().complete(newLeader));
    transfers.clear();
  }

  void transfersFailed(NodeException why) {
    transfers.forEach(w -> w.future().completeExceptionally(why));
    transfers.clear();
  }

  /** Completes the snapshot requests that {@code newest} covers; true if some are left. */
  boolean snapshotTaken(SnapshotMeta newest) {
    snapshots.removeIf(w -> {
      if (w.index() <= newest.index()) {
        w.future().complete(newest);
        return true;
      }
      return false;
    });
    return !snapshots.isEmpty();
  }

  /** A snapshot could not be written: every snapshot request fails with {@code why}. */
  void snapshotsFailed(NodeException why) {
    snapshots.forEach(w -> w.future().completeExceptionally(why));
    snapshots.clear();
  }

  /**
   * Ends every request whose deadline is at or before {@code now}.
   *
   * @param why builds the error for each kind of request that timed out
   */
  void expire(long now, Timeouts why) {
    // Deadlines grow with the index within a term; after a new term they may not: stop at the
    // first that is not due, the later ones go at a later call.
    while (!proposals.isEmpty()) {
      Map.Entry<Long, Proposal> e = proposals.firstEntry();
      if (now - e.getValue().deadline() < 0) {
        break;
      }
      proposals.pollFirstEntry();
      e.getValue().future().completeExceptionally(why.proposal(e.getKey()));
    }
    Iterator<Map.Entry<Long, Read>> it = reads.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Read> e = it.next();
      if (now - e.getValue().deadline() < 0) {
        break;
      }
      it.remove();
      e.getValue().future().completeExceptionally(why.read());
    }
    Iterator<Waiter<String>> tw = transfers.iterator();
    while (tw.hasNext()) {
      Waiter<String> w = tw.next();
      if (now - w.deadline() >= 0) {
        tw.remove();
        w.future().completeExceptionally(why.transfer());
      }
    }
  }

  /**
   * The loop stopped (shutdown or fatal error): appended proposals end INDETERMINATE (they may
   * commit under another leader), everything else with {@code stopped}.
   */
  void stopped(NodeException indeterminate, NodeException stopped) {
    leadershipLost(indeterminate);
    reads.values().forEach(r -> r.future().completeExceptionally(stopped));
    reads.clear();
    transfersFailed(stopped);
    snapshots.forEach(w -> w.future().completeExceptionally(stopped));
    snapshots.clear();
  }

  /** The errors for requests that ran out of time. */
  interface Timeouts {
    NodeException proposal(long index);

    NodeException read();

    NodeException transfer();
  }
}
