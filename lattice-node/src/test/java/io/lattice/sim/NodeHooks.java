package io.lattice.sim;

import io.lattice.raft.Entry;
import io.lattice.raft.Message;
import io.lattice.raft.SnapshotMeta;

/** What a simulated node reports to the simulation (its transport and its apply listener). */
interface NodeHooks {
  void send(SimNode from, Message m, byte[] snapshot);

  void applied(SimNode node, Entry entry, byte[] result);

  void snapshotRestored(SimNode node, SnapshotMeta meta);

  void readReady(SimNode node, long requestId, long readIndex);

  void readFailed(SimNode node, long requestId);
}
