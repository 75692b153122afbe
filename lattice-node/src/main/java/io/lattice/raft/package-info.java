/**
 * The Raft consensus core: a pure, single-threaded, deterministic state machine with no threads,
 * clock, I/O or wire format inside (modelled on etcd-io/raft).
 *
 * <h2>Inputs</h2>
 *
 * {@link io.lattice.raft.Raft#tick()} (time is a tick count), {@link io.lattice.raft.Raft#step}
 * (a message from a peer), {@link io.lattice.raft.Raft#propose}, {@link
 * io.lattice.raft.Raft#proposeMembership}, {@link io.lattice.raft.Raft#readIndex}, {@link
 * io.lattice.raft.Raft#transferLeadership}, {@link io.lattice.raft.Raft#reportUnreachable}, {@link
 * io.lattice.raft.Raft#reportSnapshot} and {@link io.lattice.raft.Raft#compact}. Election jitter
 * comes from the {@link java.util.random.RandomGenerator} passed in, so a seeded generator makes a
 * whole run reproducible.
 *
 * <h2>Outputs: the Ready contract</h2>
 *
 * When {@link io.lattice.raft.Raft#hasReady()} is true, the owner calls {@link
 * io.lattice.raft.Raft#ready()} and handles the returned {@link io.lattice.raft.Ready} strictly in
 * this order, then calls {@link io.lattice.raft.Raft#advance}:
 *
 * <ol>
 *   <li>optionally <b>send early</b> the messages the Ready marks as such: only a leader's appends,
 *       which may leave while its own write of them is in flight (dissertation §10.2.1; the leader
 *       counts itself towards a majority only for entries {@code advance} reported durable);
 *   <li><b>persist</b> the hard state, the snapshot to install and the entries, with one sync for
 *       the whole batch (group commit). A vote is therefore durable before it is sent, and an entry
 *       before it is acknowledged (Raft Figure 2, "respond to RPCs only after updating stable
 *       storage"). A failed sync stops the server.
 *   <li><b>send</b> the other messages.
 *   <li><b>apply</b> the committed entries to the state machine (after restoring the snapshot, if
 *       any), then serve the read states whose index has been applied.
 *   <li><b>advance</b>.
 * </ol>
 *
 * Proposals made between two Ready calls travel together: one append per follower, one sync.
 *
 * <h2>What the core implements</h2>
 *
 * Elections with randomized timeouts (§5.2), pre-vote (dissertation §9.6), check-quorum and leader
 * stickiness (§6.2); pipelined replication with a bounded window per follower and probe /
 * replicate / snapshot states, with fast back-off by conflicting term (§5.3); commitment by
 * majority of the current term only (§5.4.2, Figure 8) with a no-op at the start of each term;
 * single-server membership changes with learners and automatic promotion (dissertation §4);
 * snapshots and log compaction with a trailing window (§7); ReadIndex and lease reads (§6.4),
 * batched: one round trip to the leader per batch of reads at a follower, one heartbeat round per
 * batch at the leader;
 * leadership transfer (§3.10); back-pressure at the leader, which refuses proposals with
 * OVERLOADED while the commands it has not yet committed would pass {@link
 * io.lattice.raft.RaftConfig#maxUncommittedBytes()} (etcd-io/raft's MaxUncommittedEntriesSize).
 *
 * <h2>Safety checks</h2>
 *
 * Invariants (applied ≤ committed ≤ last index; one leader per term; a committed entry is never
 * overwritten; terms never go back in the log) are checked in production and throw {@link
 * io.lattice.raft.InvariantViolation}: the server stops instead of diverging.
 */
package io.lattice.raft;
