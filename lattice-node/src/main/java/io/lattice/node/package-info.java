/**
 * The node: the I/O shell around the deterministic Raft core (DESIGN §2).
 *
 * <p>{@link io.lattice.node.ReadyHandler} is the single place where the core's {@link
 * io.lattice.raft.Ready}s are carried out, in the contract's order persist → send → apply →
 * advance, against small interfaces: {@link io.lattice.storage.LogStore}, {@link
 * io.lattice.storage.HardStateStore}, {@link io.lattice.storage.SnapshotStore} (durability), {@link
 * io.lattice.node.Transport} (peers), {@link io.lattice.node.StateMachine} (the replicated state)
 * and {@link io.lattice.node.ApplyListener} (completing client requests). {@link
 * io.lattice.node.RaftRecovery} rebuilds a core's starting state from storage after a restart.
 *
 * <p>{@link io.lattice.node.NodeLoop} is the node's loop as a unit: one {@link
 * io.lattice.node.NodeLoop#step()} at a time, with time from an injected {@link
 * io.lattice.node.NodeClock}; {@link io.lattice.node.NodeRequests} is what clients and operators
 * may ask of it, and {@link io.lattice.node.PendingRequests} holds their requests with one outcome
 * rule (a request that reached the log may have applied: INDETERMINATE unless its result is known).
 * Nothing here starts threads or reads a clock except {@link io.lattice.node.RaftNode}, which runs
 * the loop on one thread with the system clock; the deterministic simulator in the tests steps the
 * same loop itself, with a virtual clock, in-memory storage and a simulated network.
 *
 * <p>Every queue is bounded ({@link io.lattice.node.LoadLimits}): a request past a bound is refused
 * at once with OVERLOADED before it is queued (so it had no effect), a peer message past the inbox
 * bound is dropped; the core bounds the leader's uncommitted commands itself.
 *
 * <p>Imports point down: this package uses only the core ({@code io.lattice.raft}) and storage.
 * The state machine ({@link io.lattice.node.StateMachine}), the transport ({@link
 * io.lattice.node.Transport}, delivering into a {@link io.lattice.node.PeerInbox}) and the metrics
 * ({@link io.lattice.node.NodeMetrics}) are given to it through its own interfaces by the wiring in
 * {@code io.lattice.server}.
 *
 * <p>Decisions recorded here: storage failures are checked {@link java.io.IOException}s that the
 * handler turns into a fatal {@link io.lattice.node.StorageFailureException}; the hard state is
 * saved as its own atomic durable write (it changes only on a term change or vote), while log
 * writes of one Ready share one sync; a snapshot received from the leader is saved durably before
 * the log is reset after it.
 */
package io.lattice.node;
