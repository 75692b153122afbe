/**
 * Deterministic simulation of Lattice clusters (DESIGN §7.3): the simulator runs the real code.
 *
 * <p><b>What runs for real.</b> Each server ({@link io.lattice.sim.SimNode}) is the production
 * {@link io.lattice.node.NodeLoop}: the Raft core, the {@link io.lattice.node.ReadyHandler}
 * (persist, send, apply, advance), the request registry and its outcome rule ({@link
 * io.lattice.node.NodeRequests}, {@code PendingRequests}), background snapshots through the loop's
 * snapshot executor, recovery from disk ({@link io.lattice.node.RaftRecovery}), and the production
 * state machine {@link io.lattice.kv.KvStateMachine} with its exactly-once sessions. Clients
 * ({@link io.lattice.sim.Clients}) use only the request API (propose and read futures, as the
 * gRPC layer does) with real {@link io.lattice.format.KvCommandCodec} commands: they register a
 * session by a committed RegisterSession entry, put and compare-and-swap with sequence numbers
 * (retried after NOT_LEADER, INDETERMINATE, crashes and timeouts, sometimes to two nodes at once),
 * close sessions, and read by ReadIndex, by lease and stale. Operators ({@link
 * io.lattice.sim.Chaos}) add, promote and remove members, transfer leadership and take snapshots
 * through the same API.
 *
 * <p><b>What is simulated.</b> Only the clock, the disk and the network. Clocks ({@link
 * io.lattice.sim.SimClock}): every node's monotonic clock derives from global virtual time at its
 * own rate (within what the lease's drift margin tolerates) and keeps running while its loop is
 * stalled; wall clocks, stamped into commands, can jump hours ahead. The disk ({@link
 * io.lattice.sim.SimDisk}, {@link io.lattice.sim.MemLogStore}): a crash loses what was not
 * synced, or keeps a prefix of it; an fsync can fail; a repair can truncate acknowledged entries;
 * it can fill up, past the node's reserve or to its last bytes, failing writes as ENOSPC does.
 * The network ({@link io.lattice.sim.SimNetwork}): delay, reorder, drop, duplicate, symmetric and
 * one-way partitions; the transport delivers into the loop's inbox and reports lost snapshots and
 * unreachable peers as the gRPC one does. The simulation steps every running loop once a tick
 * (and sometimes right after a message); a stalled loop is simply not stepped.
 *
 * <p><b>Faults</b> ({@link io.lattice.sim.Chaos}, mixed per seed by {@link
 * io.lattice.sim.Scenario}): crashes between steps, before a sync takes effect, mid-send,
 * mid-apply, failed fsyncs, damaged logs repaired; disks full (and nodes restarted on them);
 * partitions; stalled loops (a leader stalled past
 * its lease and cut off while another leader commits a newer write, then asked a LEASE read of it
 * first thing); clocks at different rates; wall clocks far ahead; duplicated client retries;
 * membership changes, leadership transfers, snapshots on demand, composite attacks on leases.
 *
 * <p><b>Checks</b>, after every step: {@link io.lattice.sim.SafetyChecker} (election safety, log
 * matching, leader completeness, committed entries never change or vanish, state-machine safety by
 * applied entries, state hashes and snapshot digests), lease safety ({@link
 * io.lattice.sim.ClusterChecks}), {@link io.lattice.sim.ExactlyOnce} (no session write executed
 * twice, duplicates answered with the first result, results equal on every node), {@link
 * io.lattice.sim.IndexFloors} (a linearizable read reflects everything committed when it was
 * issued), the Ready contract at the transport (nothing sent while log writes are unsynced); at
 * the end, liveness once the faults stop and linearizability of the clients' history, key by key
 * ({@link io.lattice.check.Linearizability}). Everything runs on one thread in virtual time and
 * every random choice comes from the run's seed: a failure prints its seed, and {@code
 * -Dlattice.seed=N} replays it exactly.
 */
package io.lattice.sim;
