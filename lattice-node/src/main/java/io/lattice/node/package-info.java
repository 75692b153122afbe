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
 * <p>Nothing here starts threads or reads a clock except {@link io.lattice.node.RaftNode}, the
 * node's loop (one thread owning the core, ticking on a schedule), which drives these classes; the
 * deterministic simulator in the tests drives the same classes, with in-memory storage and a
 * simulated network.
 *
 * <p>Decisions recorded here: storage failures are checked {@link java.io.IOException}s that the
 * handler turns into a fatal {@link io.lattice.node.StorageFailureException}; the hard state is
 * saved as its own atomic durable write (it changes only on a term change or vote), while log
 * writes of one Ready share one sync; a snapshot received from the leader is saved durably before
 * the log is reset after it.
 */
package io.lattice.node;
