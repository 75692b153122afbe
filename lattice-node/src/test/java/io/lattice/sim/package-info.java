/**
 * Deterministic simulation of Lattice clusters (DESIGN §7, layer 3).
 *
 * <p>A run ({@link io.lattice.sim.Simulation}) builds a {@link io.lattice.sim.Cluster} of 3 or 5
 * Raft cores, each driven by the production {@link io.lattice.node.ReadyHandler} over an in-memory
 * disk ({@link io.lattice.sim.SimDisk}: a crash loses what was not synced) and a seeded lossy
 * network ({@link io.lattice.sim.SimNetwork}: delay, reorder, drop, duplicate, symmetric and
 * one-way partitions). {@link io.lattice.sim.Clients} write to a KV state machine with
 * exactly-once sessions and read through ReadIndex and leases; {@link io.lattice.sim.Chaos} injects
 * crashes (also inside Ready handling and failed fsyncs), partitions, pauses, membership changes and
 * leadership transfers, as chosen by the seed's {@link io.lattice.sim.Scenario}. Everything runs in
 * virtual ticks on one thread; every random choice comes from the run's seed, so a seed replays
 * exactly ({@code -Dlattice.seed=N}).
 *
 * <p>Checks: {@link io.lattice.sim.SafetyChecker} (election safety, log matching, leader
 * completeness, committed entries never change or vanish, state-machine safety including snapshot
 * contents), {@link io.lattice.sim.LinearizabilityChecker} (reads see every write acknowledged and
 * every value observed before they were issued; read indexes are at least the commit index known
 * when they were issued; exactly-once results), lease safety (no leader of a later term commits
 * while a lease is valid), the Ready contract at the transport (nothing is sent while log writes
 * are unsynced), and liveness once the faults stop.
 */
package io.lattice.sim;
