/**
 * The wiring of a Lattice server, above every other package: {@link
 * io.lattice.server.LatticeNodeCommand} (the {@code lattice-node} command line and its config file)
 * and {@link io.lattice.server.NodeServer}, which puts together the node ({@code io.lattice.node})
 * with its state machine ({@code io.lattice.kv}), peer transport ({@code io.lattice.transport}),
 * client services ({@code io.lattice.api}) and metrics ({@code io.lattice.metrics}). Imports point
 * down from here: the node knows only the core, storage and its own interfaces.
 */
package io.lattice.server;
