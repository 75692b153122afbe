/**
 * Durable storage of one Raft server, as interfaces: the log ({@link io.lattice.storage.LogStore}),
 * the hard state ({@link io.lattice.storage.HardStateStore}) and snapshots ({@link
 * io.lattice.storage.SnapshotStore}). The on-disk implementations live elsewhere; the deterministic
 * simulator has in-memory ones that lose unsynced writes on a simulated crash.
 *
 * <h2>Failures</h2>
 *
 * Every method that writes or syncs declares the checked {@link java.io.IOException}. A store never
 * retries a failed sync and never reports success for data that may not be durable (after a failed
 * fsync the page cache state is unknown, so "retry and continue" could acknowledge lost data). The
 * caller ({@code io.lattice.node.ReadyHandler}) treats every such failure as fatal and stops the
 * node; after a failure a store is not used again until the process restarts and recovers from what
 * is on disk.
 *
 * <h2>Threading</h2>
 *
 * A store is owned by the node's single loop thread; implementations need not be thread-safe.
 */
package io.lattice.storage;
