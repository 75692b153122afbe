package io.lattice.kv;

import io.lattice.format.FormatException;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.node.StateMachine;
import io.lattice.storage.SnapshotWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The replicated key-value state machine: a sorted key space with etcd-style metadata, commands
 * decoded with {@link KvCommandCodec}, results encoded with {@link KvResultCodec}, and exactly-once
 * client sessions expiring by log time (see {@link ClientSessions}).
 *
 * <p>Apply, in order, for the entry at {@code index}:
 *
 * <ol>
 *   <li>decode the command; if the bytes are not a command, answer MALFORMED_COMMAND (changing
 *       nothing but the applied index: the entry is committed on every replica alike);
 *   <li>advance log time towards the command's {@code proposedAtMillis} (by at most the configured
 *       step) and expire idle sessions;
 *   <li>a RegisterSession opens the session whose id is {@code index}; a CloseSession forgets one;
 *   <li>if the command has a session: answer a duplicate with its first result, refuse a forgotten
 *       sequence or an unknown session with SESSION_EXPIRED (never re-applying);
 *   <li>validate and execute the command (an invalid one answers INVALID_ARGUMENT, changing
 *       nothing), and record the result in its session.
 * </ol>
 *
 * <p>Reads go through {@link #view()}: an immutable state at the last applied index, taken in O(1)
 * on the node's loop thread and queried on another. {@link #get}, {@link #range} and {@link #hash}
 * read the live state, on the loop thread like {@link #apply}. Not thread-safe (views are).
 *
 * <p>Limits: {@link KvLimits} (constants, the same on every replica whatever each is configured
 * with) bound the operations of a transaction and the size of every result.
 *
 * <p>Deterministic: nothing here reads a clock, draws a random number or iterates a hash-ordered
 * collection. The session limits ({@link SessionLimits}) must be configured identically on every
 * replica.
 */
public final class KvStateMachine implements StateMachine {
  /** Sessions idle for longer than this (in log time) are dropped. */
  public static final Duration DEFAULT_SESSION_TTL = SessionLimits.DEFAULT_TTL;
  /** Most results kept per session (the oldest are dropped first). */
  public static final int DEFAULT_MAX_RESULTS_PER_CLIENT =
      SessionLimits.DEFAULT_MAX_RESULTS_PER_SESSION;

  /** The result of a command nobody waits for (see {@link #apply(long, byte[], boolean)}). */
  private static final byte[] NOT_WANTED = new byte[0];

  private final SessionLimits limits;

  private final KvStore store = new KvStore();
  private final CommandExecutor executor;
  private ClientSessions sessions;
  private long appliedIndex;

  /** A state machine with {@link SessionLimits#DEFAULT}. */
  public KvStateMachine() {
    this(SessionLimits.DEFAULT);
  }

  /**
   * @param sessionTtl how long (in log time) a session may stay idle before it is dropped; positive
   * @param maxResultsPerClient most results retained per session; at least 1
   * @see SessionLimits#forTtl
   */
  public KvStateMachine(Duration sessionTtl, int maxResultsPerClient) {
    this(SessionLimits.forTtl(sessionTtl, maxResultsPerClient));
  }

  /** A state machine whose sessions are bounded by {@code limits} (the same on every replica). */
  public KvStateMachine(SessionLimits limits) {
    this(limits, CommandExecutor::new);
  }

  /** With the executor {@code executors} builds for the store (tests inject faults). */
  KvStateMachine(SessionLimits limits,
      java.util.function.Function<KvStore, CommandExecutor> executors) {
    this.limits = java.util.Objects.requireNonNull(limits, "limits");
    this.sessions = new ClientSessions(limits);
    this.executor = executors.apply(store);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Never throws for any {@code command} bytes: what cannot be applied is answered with a {@link
   * KvResult.Error}, the same on every replica. A command that fails half-way (its result would pass
   * {@link KvLimits#MAX_RESULT_BYTES}, or an unexpected RuntimeException, that is a bug) is undone
   * completely, keys and sessions, in O(1) (both are persistent structures), and answered
   * RESULT_TOO_LARGE or APPLY_FAILED: a committed command never stops or wedges the node, and a
   * replay after a restart answers it the same way. (An {@link Error} such as OutOfMemoryError is
   * not caught: it is not deterministic, so no answer could be the same everywhere; the limits are
   * what keep it from happening.) Returns {@link KvResultCodec} bytes.
   *
   * @throws IllegalArgumentException if {@code index} is not above the last applied index (a bug in
   *     the caller, which must stop the node)
   */
  @Override
  public byte[] apply(long index, byte[] command) {
    return apply(index, command, true);
  }

  /**
   * {@inheritDoc}
   *
   * <p>When not {@code awaited}, a command without a session is executed exactly as otherwise
   * (limits and all, so the state is the same) but its result is not encoded: an empty array is
   * returned. A session's result is always built, since the session keeps it for retries.
   */
  @Override
  public byte[] apply(long index, byte[] command, boolean awaited) {
    if (index <= appliedIndex) {
      throw new IllegalArgumentException("apply of index " + index + " after " + appliedIndex);
    }
    KeySpace keysBefore = store.keys();
    ClientSessions.State sessionsBefore = sessions.state();
    byte[] result;
    try {
      result = applyCommand(index, command, awaited);
    } catch (RuntimeException e) {
      store.reset(keysBefore);
      sessions.reset(sessionsBefore);
      result = KvResultCodec.encode(new KvResult.Error(index, KvResult.ErrorKind.APPLY_FAILED,
          "the state machine failed to apply the command (nothing was changed): "
              + e.getClass().getName() + ": " + e.getMessage()));
    }
    appliedIndex = index;
    return result;
  }

  private byte[] applyCommand(long index, byte[] bytes, boolean awaited) {
    KvCommand command;
    try {
      command = KvCommandCodec.decode(bytes == null ? new byte[0] : bytes);
    } catch (FormatException e) {
      return KvResultCodec.encode(
          new KvResult.Error(index, KvResult.ErrorKind.MALFORMED_COMMAND, e.getMessage()));
    }
    sessions.advanceClock(command.proposedAtMillis());
    if (command instanceof KvCommand.RegisterSession) {
      sessions.register(index);
      return KvResultCodec.encode(new KvResult.SessionOpened(index, index));
    }
    if (command instanceof KvCommand.CloseSession close) {
      return KvResultCodec.encode(new KvResult.SessionClosed(index, sessions.close(close.sessionId())));
    }
    Session session = command.session();
    if (!session.present()) {
      return execute(index, command, awaited);
    }
    ClientSessions.Check check = sessions.check(session, index);
    if (check instanceof ClientSessions.Duplicate dup) {
      return dup.result();
    }
    if (check instanceof ClientSessions.Refused refused) {
      return KvResultCodec.encode(new KvResult.Error(index, refused.kind(), refused.message()));
    }
    byte[] result = execute(index, command, true);
    sessions.record(session, index, result);
    return result;
  }

  /**
   * Executes a key-space command; one whose result would be too large is undone and refused. The
   * result is encoded only if {@code wanted} (else an empty array is returned).
   */
  private byte[] execute(long index, KvCommand command, boolean wanted) {
    KeySpace before = store.keys();
    try {
      KvResult r = executor.execute(index, command, new ResultBudget(KvLimits.MAX_RESULT_BYTES));
      return wanted ? KvResultCodec.encode(r) : NOT_WANTED;
    } catch (ResultBudget.Exceeded e) {
      store.reset(before);
      return wanted ? KvResultCodec.encode(
          new KvResult.Error(index, KvResult.ErrorKind.RESULT_TOO_LARGE, e.getMessage()))
          : NOT_WANTED;
    }
  }

  /**
   * The state after the last applied entry, immutable and in O(1): reads, ranges, hashes and
   * snapshots run against it on any thread while this state machine applies later entries.
   */
  public KvView view() {
    return new KvView(appliedIndex, store.keys(), sessions.state(), limits);
  }

  // ------------------------------------------------------------------------------------- reads

  /** The key-value of {@code key}, if it exists. */
  public Optional<KvEntry> get(byte[] key) {
    return Optional.ofNullable(store.get(key));
  }

  /** {@link KvView#range(KeyRange, long, boolean, boolean)} of the current state. */
  public RangeResult range(KeyRange range, long limit, boolean keysOnly, boolean countOnly) {
    return store.range(range, limit, keysOnly, countOnly);
  }

  /**
   * Index of the last entry passed to {@link #apply} (or of the restored snapshot's). NOOP and
   * CONFIG entries never reach the state machine, so the node's applied index may be higher; response
   * headers should report the node's.
   */
  public long appliedIndex() {
    return appliedIndex;
  }

  public int keyCount() {
    return store.size();
  }

  /** How many client sessions are live. */
  public int sessionCount() {
    return sessions.size();
  }

  /** The log time (see {@link ClientSessions}; 0 before any command). */
  public long logClockMillis() {
    return sessions.clockMillis();
  }

  /** Bytes of results the client sessions keep for retries (bounded by {@link KvLimits}). */
  public long sessionRetainedBytes() {
    return sessions.retainedBytes();
  }

  /**
   * A deterministic 64-bit hash of the whole state, equal on replicas that applied the same entries
   * (whether directly or through a snapshot): see {@link StateHash} for exactly what is hashed.
   * Costs one pass over the state, on the caller's thread: the node computes it off the loop with
   * {@link #hasher()}.
   */
  @Override
  public long hash() {
    return view().hash();
  }

  /** {@inheritDoc} Takes a {@link #view()} (O(1)); the pass over the state runs later. */
  @Override
  public LongSupplier hasher() {
    return view()::hash;
  }

  // --------------------------------------------------------------------------------- snapshots

  /** {@inheritDoc} The format is described in {@link KvSnapshotCodec}. */
  @Override
  public byte[] snapshot() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      view().writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException("writing a snapshot into memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * {@inheritDoc} Takes a {@link #view()}, O(1): nothing is copied or encoded on the calling
   * thread; the writer encodes the immutable view when it runs.
   */
  @Override
  public SnapshotWriter capture() {
    return view()::writeTo;
  }

  /**
   * {@inheritDoc} The snapshot is read into fresh structures which replace the current ones only
   * once all of it has been read and checked.
   *
   * @throws IllegalArgumentException if {@code snapshot} is malformed; the state is then unchanged
   */
  @Override
  public void restore(byte[] snapshot) {
    install(KvSnapshotCodec.read(snapshot, limits));
  }

  /**
   * {@inheritDoc} Decodes the snapshot record by record as it reads {@code data} ({@link
   * KvSnapshotCodec#read(java.io.InputStream, SessionLimits)}): the peak memory is the state being
   * built (its values as the arrays they were read into) plus one reference per key, never the
   * snapshot's bytes. Reads only the stream and this state machine's (immutable) limits, so it may
   * run on any thread while the loop reads the current state; the returned restoration swaps the
   * new key space, sessions and applied index in, in O(1).
   *
   * @throws IllegalArgumentException if the data is not a valid snapshot; nothing changes
   */
  @Override
  public Restoration prepareRestore(java.io.InputStream data, long length) throws IOException {
    java.util.Objects.requireNonNull(data, "data");
    KvSnapshotCodec.Restored r = KvSnapshotCodec.read(data, limits);
    return () -> install(r);
  }

  /**
   * {@inheritDoc} Values of at least {@link KvSnapshotCodec#MAPPED_VALUE_BYTES} bytes are kept as
   * mapped regions of the snapshot file ({@link KvEntry#mapped}), the rest as arrays: the heap
   * holds the keys, the small values and one small buffer object per large value.
   */
  @Override
  public Restoration prepareRestore(java.io.InputStream data, long length,
      io.lattice.storage.SnapshotRegions regions) throws IOException {
    java.util.Objects.requireNonNull(data, "data");
    KvSnapshotCodec.Restored r = KvSnapshotCodec.read(data, limits, regions);
    return () -> install(r);
  }

  private void install(KvSnapshotCodec.Restored r) {
    store.reset(r.keys());
    sessions = r.sessions();
    appliedIndex = r.appliedIndex();
  }
}
