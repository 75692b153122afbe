/**
 * The key-value state machine (DESIGN §2, §3, §5): what every replica applies from the Raft log.
 *
 * <p>{@link io.lattice.kv.KvStateMachine} implements {@link io.lattice.node.StateMachine} from small
 * parts, each with one job: {@code KeySpace} (one immutable version of the sorted key space, a
 * persistent tree), {@code KvStore} (the current version, changed by commands), {@link
 * io.lattice.kv.KvView} (the whole state at one applied index, immutable, taken in O(1)), {@link
 * io.lattice.kv.KvLimits} and {@code ResultBudget} (what a command may do), {@code CommandValidator} and
 * {@code CommandExecutor} (commands to {@link io.lattice.kv.KvResult}s), {@code Compares} (transaction
 * compares), {@code ClientSessions} and {@code SessionState} (exactly-once sessions and log time),
 * {@code KvSnapshotCodec} (snapshot data), {@code StateHash} (replica comparison). The API layer uses
 * the public types: {@link io.lattice.kv.KvEntry}, {@link io.lattice.kv.KeyRange}, {@link
 * io.lattice.kv.RangeResult}, {@link io.lattice.kv.KvResult} and {@link
 * io.lattice.kv.KvResultCodec}.
 *
 * <p>Decisions recorded here:
 *
 * <ul>
 *   <li><b>Metadata</b> is etcd's, in log indexes: a put of a missing key creates it with version 1
 *       and create index = mod index = the entry's index; each further put increments the version
 *       and sets the mod index; a delete forgets the key entirely. Keys are ordered as unsigned
 *       bytes.
 *   <li><b>Results</b> are {@link io.lattice.kv.KvResultCodec} bytes, always non-empty, always
 *       carrying the index of the entry that produced them. A command that cannot be applied is
 *       answered with {@link io.lattice.kv.KvResult.Error} instead of an exception (an exception
 *       would stop the node): MALFORMED_COMMAND (undecodable bytes), INVALID_ARGUMENT (e.g. an empty
 *       key, or an existence compare with LESS/GREATER), SESSION_EXPIRED, TOO_MANY_OPS,
 *       RESULT_TOO_LARGE, APPLY_FAILED. Validation is complete before execution, and a command
 *       that fails while executing (its result would pass {@link io.lattice.kv.KvLimits#MAX_RESULT_BYTES},
 *       or an unexpected exception) is undone in O(1) by going back to the key space and session
 *       table versions from before it, so a command is never half applied and never stops the
 *       node. Limits that decide a command's outcome are the constants of {@link
 *       io.lattice.kv.KvLimits}, never configuration; key, value and request sizes are checked by
 *       the API layer before proposing.
 *   <li><b>Views</b>: the key space and the session table are persistent (structurally shared)
 *       maps, so {@link io.lattice.kv.KvStateMachine#view()} is O(1) and never sees later
 *       applies: reads, ranges, the state hash and snapshot writing run on a view, off the loop.
 *   <li><b>Compares</b>: numbers compare as unsigned 64-bit; a missing key fails every value compare
 *       and has version/mod index/create index 0; an existence compare's operand is its {@code
 *       number} (nonzero = exists). A CAS expecting version 0 expects the key to be absent.
 *   <li><b>Sessions</b> (Raft dissertation §6.3): a session is opened by a committed
 *       RegisterSession entry and its id is that entry's log index; a write naming an id the table
 *       does not hold is refused with SESSION_EXPIRED and never applied. A duplicate sequence gets
 *       the first result, byte for byte, and changes nothing. After each new write the session
 *       forgets results up to {@code acknowledged} (or, when acknowledged is 0, all but the
 *       highest), and keeps at most 256; a forgotten sequence is refused with SESSION_EXPIRED too.
 *       Results over 16 KiB are kept as a RESULT_NOT_RETAINED answer (the write was applied, its
 *       result is lost), and all sessions keep at most 64 MiB of results (see {@code
 *       ClientSessions}).
 *       A CloseSession entry forgets a session. The table holds at most 10,000 sessions (by
 *       default): a registration that finds it full evicts the least recently active session, by
 *       log index. Sessions idle for more than the TTL (default 1 hour) of <i>log time</i> are
 *       dropped during apply; log time follows the commands' {@code
 *       proposedAtMillis}, never backward and by at most a sixtieth of the TTL per entry (see
 *       {@code ClientSessions}); this package never reads a clock.
 *   <li><b>Snapshots</b> use the shared snapshot-data stream; the log clock and the configured
 *       session limits travel as a session record with id 0, and each session's retained window
 *       and last activity in its record's result field (see {@code KvSnapshotCodec}). Restore reads
 *       into fresh structures and swaps them in only when everything was read and checked; a
 *       malformed snapshot throws {@link java.lang.IllegalArgumentException} and leaves the state
 *       unchanged.
 *   <li><b>Hash</b>: SHA-256 of the canonical snapshot encoding, first 8 bytes big-endian; it covers
 *       the applied index, keys with values and metadata, the log clock, the session limits and the
 *       sessions.
 * </ul>
 *
 * <h2>The session contract</h2>
 *
 * <ul>
 *   <li><b>register &rarr; id</b>: a committed RegisterSession entry opens a session whose id is
 *       the entry's log index (never reused); OpenSession in the API.
 *   <li><b>sequences start at 1</b> and increase by one per new write; a retry reuses its number
 *       and gets the first result without being applied again.
 *   <li><b>unknown id &rarr; SESSION_EXPIRED</b>: a write naming a session that is not (or no
 *       longer) in the table is refused and not applied, whatever its sequence; so is a sequence
 *       whose result was forgotten.
 *   <li><b>eviction</b>: at most {@link io.lattice.kv.SessionLimits#maxSessions()} sessions
 *       (default 10,000); registering into a full table evicts the session least recently active
 *       by log index. CloseSession removes one at once.
 *   <li><b>log time</b>: {@code max(previous, min(proposedAt, previous + maxClockStep))} per
 *       command (the first command sets it), step default TTL / 60; sessions idle for more than
 *       the TTL (default 1 hour) of log time are dropped.
 * </ul>
 *
 * <p>The limits come from configuration and must be the same on every replica; the snapshot
 * records them and the state hash covers them, so a replica configured differently shows a
 * different hash. Command format version 2 and snapshot mapping version 2 (numeric session ids)
 * replaced version 1 (client-chosen string ids opened by sequence 1); data written by version 1
 * is not readable.
 */
package io.lattice.kv;
