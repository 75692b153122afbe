package io.lattice.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.InMemoryTransport;
import io.lattice.node.NodeConfig;
import io.lattice.node.RaftNode;
import io.lattice.node.ReadConsistency;
import io.lattice.raft.Member;
import io.lattice.raft.Role;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory written before members had two addresses: its membership (format version 1,
 * written exactly so today when no member has a client address, which is how it is made here)
 * records one address per member, the one peers dialled.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OldDataDirectoryTest {
  @TempDir Path tmp;

  private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /**
   * A one-member cluster's data directory with key k=v and a snapshot whose membership records
   * {@code address} as the member's one address.
   */
  private Path oldDataDirectory(String address) throws Exception {
    Path dir = tmp.resolve("n1");
    NodeConfig c = NodeConfig.of("n1", dir, Map.of("n1", address)).withTiming(20, 10, 2, 2);
    InMemoryTransport.Network network = new InMemoryTransport.Network();
    try (RaftNode<KvStateMachine> node = RaftNode.start(c, new KvStateMachine(),
        inbox -> network.transportFor("n1", inbox))) {
      await("n1 to lead", () -> node.header().role() == Role.LEADER ? true : null);
      node.propose(KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 1, "k".getBytes(UTF_8),
          "v".getBytes(UTF_8), false))).get(5, TimeUnit.SECONDS);
      assertThat(node.header().membership().member("n1").clientAddress()).isEmpty();
      // the membership is stored with the snapshot (without one, the next start bootstraps from
      // its --initial-cluster again)
      node.snapshotNow().get(5, TimeUnit.SECONDS);
    }
    return dir;
  }

  @Test
  void itsOneAddressIsThePeerAddressAndTheNewClientAddressIsRecorded() throws Exception {
    String old = "127.0.0.1:" + LoopbackPorts.free();
    Path dir = oldDataDirectory(old);
    String client = "127.0.0.1:" + LoopbackPorts.free();
    try (NodeServer s = NodeServer.start(NodeConfig.of("n1", dir, Map.of("n1", old))
        .withTiming(20, 10, 2, 2).withClientAddress(client), LatticeNodeCommand::clientServices)) {
      Member n1 = await("n1's client address recorded", () -> {
        Member m = s.node().header().membership().member("n1");
        return m.clientAddress().isEmpty() ? null : m;
      });
      assertThat(n1.peerAddress()).isEqualTo(old);
      assertThat(n1.clientAddress()).isEqualTo(client);
      Optional<KvEntry> e = s.node().read(ReadConsistency.STALE, sm -> sm.get("k".getBytes(UTF_8)))
          .get(5, TimeUnit.SECONDS);
      assertThat(e).map(kv -> new String(kv.value(), UTF_8)).contains("v");
    }
  }

  @Test
  void startingItWithItsOldAddressAsTheClientListenerIsRefusedSayingWhatToDo() throws Exception {
    String old = "127.0.0.1:" + LoopbackPorts.free();
    Path dir = oldDataDirectory(old);
    String peer = "127.0.0.1:" + LoopbackPorts.free();
    NodeConfig c = NodeConfig.of("n1", dir, Map.of("n1", peer)).withTiming(20, 10, 2, 2)
        .withClientAddress(old);
    assertThatThrownBy(() -> NodeServer.start(c, LatticeNodeCommand::clientServices))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("records " + old + " as this member's peer address")
        .hasMessageContaining("Start it with --listen-peer " + old);
    // nothing was left running: the data directory can be opened again at once
    try (NodeServer s = NodeServer.start(NodeConfig.of("n1", dir, Map.of("n1", old))
        .withTiming(20, 10, 2, 2), LatticeNodeCommand::clientServices)) {
      assertThat(s.node().header().membership().member("n1").peerAddress()).isEqualTo(old);
    }
  }
}
