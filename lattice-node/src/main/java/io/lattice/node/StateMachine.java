package io.lattice.node;

import io.lattice.storage.SnapshotWriter;

/**
 * The replicated state machine driven by the Raft log (hashicorp/raft's FSM). The {@link
 * ReadyHandler} is its only caller, on the node's single loop thread, except for reads and
 * restores: a read takes on the loop what {@link NodeRequests#readView} is given to take (an
 * immutable view of the state, in O(1)) and queries it on another thread; a restore from a
 * snapshot installed from the leader is {@link #prepareRestore prepared} on a worker thread (the
 * snapshot read and decoded into a state of its own) and {@link Restoration#install() installed}
 * on the loop (O(1)), and no entry is applied in between.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #apply} is deterministic: the same commands in the same order produce the same state
 *       and results on every server. It must not throw for a well-formed command: a command the state
 *       machine rejects is answered with a result that says so (an exception stops the node, since
 *       an entry cannot be skipped on one server only).
 *   <li>A committed command must never stop or wedge it: anything but a bug in the caller is a
 *       deterministic result (limits on what a command may do are constants, not node-local
 *       configuration, so every replica answers alike on every replay).
 *   <li>It is called once for every committed COMMAND entry, in strictly increasing index order,
 *       starting right after the snapshot it was last restored from (or from index 1). NOOP and
 *       CONFIG entries are not passed in; they do not change the state.
 *   <li>After a restart the state machine starts empty and is {@link #restore restored} from the
 *       newest snapshot, then entries after it are applied again: it keeps no durable state of its
 *       own.
 *   <li>A restore replaces the whole state or, if the snapshot is unreadable or malformed, changes
 *       nothing at all: the state is built apart and put in place only once all of it was read
 *       and checked.
 * </ul>
 */
public interface StateMachine {
  /**
   * Applies the command of the committed entry at {@code index}.
   *
   * @return the result handed to the client that proposed it (never null; may be empty)
   */
  byte[] apply(long index, byte[] command);

  /**
   * {@link #apply(long, byte[])}, told whether a client on this node waits for the result: when
   * {@code awaited} is false (a follower, or a leader whose proposer has gone), the state machine
   * may return an empty result instead of building one nobody reads, but must change its state
   * exactly as {@link #apply(long, byte[])} would (including what it keeps to answer retries). The
   * default ignores the hint.
   */
  default byte[] apply(long index, byte[] command, boolean awaited) {
    return apply(index, command);
  }

  /**
   * The complete state after the last applied entry, in a form {@link #restore} accepts. It must
   * include everything {@link #apply} depends on (for example client sessions used to drop
   * duplicate commands), so that a restored replica answers exactly like one that applied the log.
   */
  byte[] snapshot();

  /**
   * Captures the state after the last applied entry for writing later, on another thread, while
   * {@link #apply} goes on: the returned writer produces exactly what {@link #snapshot()} returns
   * now, and must not read state that later applies change. Called on the loop thread, so it must
   * not cost what writing the snapshot costs: a state machine with much state keeps it in
   * persistent (structurally shared) structures and captures an immutable view in O(1). The
   * default copies {@link #snapshot()}.
   */
  default SnapshotWriter capture() {
    byte[] data = snapshot();
    return out -> out.write(data);
  }

  /** Replaces the whole state with {@code snapshot}, as produced by {@link #snapshot()}. */
  void restore(byte[] snapshot);

  /**
   * As {@link #restore(byte[])}, reading the {@code length} bytes of the snapshot from {@code
   * data} (which the caller closes). The default is {@link #prepareRestore} followed at once by
   * {@link Restoration#install()}, on the calling thread.
   */
  default void restore(java.io.InputStream data, long length) throws java.io.IOException {
    prepareRestore(data, length).install();
  }

  /**
   * The slow half of a restore from a stream: reads and checks the {@code length} bytes of a
   * snapshot from {@code data} (which the caller closes) into a state of its own, and returns it
   * not yet in place. The node calls it on a worker thread while the loop goes on applying
   * nothing, then {@link Restoration#install() installs} the result on the loop thread.
   *
   * <p>Contract:
   *
   * <ul>
   *   <li>It may run on any thread concurrently with every other method of this object on the loop
   *       thread (reads, views, {@link #capture}, {@link #hasher}; never {@link #apply}, which the
   *       node holds back until the restored state is installed): so it reads nothing of the
   *       current state and changes nothing, only the stream and what never changes (the
   *       configuration).
   *   <li>It must not hold the whole snapshot in memory on top of the state it builds: a state
   *       machine decodes as it reads. The default reads all {@code length} bytes into one array
   *       (its size in heap, twice the state at the peak); {@link io.lattice.kv.KvStateMachine}
   *       decodes from the stream.
   *   <li>A snapshot it cannot read or that is malformed (an {@link java.io.IOException}, an
   *       {@link IllegalArgumentException}) leaves the current state exactly as it was: nothing is
   *       in place before {@link Restoration#install()}.
   *   <li>A restoration that is never installed (a newer snapshot replaced it, or the node
   *       stopped) is simply dropped.
   * </ul>
   */
  default Restoration prepareRestore(java.io.InputStream data, long length)
      throws java.io.IOException {
    if (length > Integer.MAX_VALUE - 16) {
      throw new java.io.IOException("snapshot of " + length + " bytes is too large to restore");
    }
    byte[] bytes = new byte[(int) length];
    if (data.readNBytes(bytes, 0, bytes.length) != bytes.length) {
      throw new java.io.EOFException("snapshot shorter than its " + length + " bytes");
    }
    return () -> restore(bytes);
  }

  /**
   * As {@link #prepareRestore(java.io.InputStream, long)}, with {@code regions} over the same data
   * in its file: a state machine may keep large values as mapped regions of the file instead of
   * copies in the heap ({@link io.lattice.storage.SnapshotRegions} says how long they stay
   * valid), so that it can restore a state larger than its heap. It must still read the whole
   * stream (the caller checks the checksum of what it read: the regions' bytes are verified only
   * then). The caller closes {@code regions} once this returns. The default ignores them.
   */
  default Restoration prepareRestore(java.io.InputStream data, long length,
      io.lattice.storage.SnapshotRegions regions) throws java.io.IOException {
    return prepareRestore(data, length);
  }

  /**
   * A state read from a snapshot by {@link #prepareRestore}, not yet in place.
   */
  @FunctionalInterface
  interface Restoration {
    /**
     * Replaces the state machine's whole state with this one. On the loop thread, at most once. A
     * state machine that builds its state off to the side (as it should) makes this O(1): a swap
     * of references. The default restoration of {@link #prepareRestore} decodes here.
     */
    void install();
  }

  /**
   * A deterministic hash of the whole state, equal on replicas that applied the same entries
   * (directly or through a snapshot), to compare replicas. The default hashes {@link #snapshot()}.
   */
  default long hash() {
    return java.util.Arrays.hashCode(snapshot());
  }

  /**
   * Captures the state after the last applied entry and returns the computation of {@link
   * #hash()} over it, to be run later on another thread while {@link #apply} goes on (the node's
   * Hash request runs it off the loop). Called on the loop thread: like {@link #capture()}, it
   * must cost far less than hashing (O(1) for a state machine with an immutable view). The default
   * hashes now and returns the value.
   */
  default java.util.function.LongSupplier hasher() {
    long h = hash();
    return () -> h;
  }
}
