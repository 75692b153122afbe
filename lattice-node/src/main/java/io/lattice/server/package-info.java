/**
 * The wiring of a Lattice server, above every other package: {@link
 * io.lattice.server.LatticeNodeCommand} (the {@code lattice-node} command line and its config file)
 * and {@link io.lattice.server.NodeServer}, which puts together the node ({@code io.lattice.node})
 * with its state machine ({@code io.lattice.kv}), peer transport ({@code io.lattice.transport}),
 * client services ({@code io.lattice.api}) and metrics ({@code io.lattice.metrics}). Imports point
 * down from here: the node knows only the core, storage and its own interfaces.
 *
 * <p>Listeners (DESIGN §5, etcd's model): a node has a client listener (KV, Cluster, health,
 * reflection) and a peer listener (Raft only), each a {@link io.lattice.server.GrpcListener}
 * built the same way. Members are recorded with both addresses; peers dial peer addresses and
 * clients are sent to client addresses. The client addresses reach the membership through the
 * log: members advertise theirs in every AppendEntries response and the leader's {@link
 * io.lattice.server.ClientAddressPublisher} records new or changed ones with an address-only
 * membership change (no quorum change, but one change at a time like any other). This keeps the
 * bootstrap configuration ({@code --initial-cluster}, peer addresses as in etcd) enough to start a
 * cluster, and a member restarted with a new client address is known by it everywhere.
 */
package io.lattice.server;
