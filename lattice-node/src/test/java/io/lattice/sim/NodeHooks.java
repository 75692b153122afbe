package io.lattice.sim;

import io.lattice.raft.Message;

/** What a simulated node reports to the simulation, from inside its loop's step. */
interface NodeHooks {
  /** The node's transport sends {@code m} ({@code snapshot}: an InstallSnapshot's bytes). */
  void send(SimNode from, Message m, byte[] snapshot);

  /** The node's state machine applied the command at {@code index} and answered {@code result}. */
  void applied(SimNode node, long index, byte[] command, byte[] result);

  /** The node's state machine was replaced by a snapshot from the leader. */
  void snapshotRestored(SimNode node);
}
