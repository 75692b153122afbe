package io.lattice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.TimeoutNowRequest;
import io.lattice.node.NodeConfig;
import io.lattice.raft.Member;
import io.lattice.raft.Role;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link NodeServer}s over real gRPC on 127.0.0.1, each with a client listener and a peer
 * listener: what is served where, and how client addresses reach the membership.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SeparateListenersTest {
  private static final long WAIT_MILLIS = 15_000;

  @TempDir Path tmp;
  /** Peer addresses: the initial cluster. */
  private final Map<String, String> peers = new LinkedHashMap<>();
  private final Map<String, NodeServer> servers = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startCluster() throws Exception {
    for (String id : List.of("n1", "n2", "n3")) {
      peers.put(id, "127.0.0.1:" + LoopbackPorts.free());
    }
    for (String id : peers.keySet()) {
      start(config(id).withClientAddress("127.0.0.1:" + LoopbackPorts.free()));
    }
  }

  private NodeConfig config(String id) {
    return NodeConfig.of(id, tmp.resolve(id), peers).withTiming(20, 10, 2, 2)
        .withTimeouts(3_000, 3_000);
  }

  private NodeServer start(NodeConfig c) throws IOException {
    NodeServer s = NodeServer.start(c, LatticeNodeCommand::clientServices);
    servers.put(c.id(), s);
    return s;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
      ch.awaitTermination(2, TimeUnit.SECONDS);
    }
    for (NodeServer s : servers.values()) {
      s.close();
    }
  }

  private ManagedChannel channel(int port) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT_MILLIS + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private NodeServer awaitLeader() throws InterruptedException {
    return await("a leader", () -> {
      for (NodeServer s : servers.values()) {
        if (s.node().header().role() == Role.LEADER) {
          return s;
        }
      }
      return null;
    });
  }

  /** Waits until every running node's membership records every running node's client address. */
  private void awaitClientAddressesKnownEverywhere() throws InterruptedException {
    await("every member's client address known to every member", () -> {
      for (NodeServer s : servers.values()) {
        for (NodeServer other : servers.values()) {
          Member m = s.node().header().membership().member(other.node().id());
          if (m == null || !m.clientAddress().equals(other.clientAddress())) {
            return null;
          }
        }
      }
      return true;
    });
  }

  private static ErrorInfo info(StatusRuntimeException e) {
    try {
      return StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
    } catch (InvalidProtocolBufferException x) {
      throw new AssertionError(x);
    }
  }

  @Test
  void aCallToTheWrongListenerIsUnimplemented() {
    NodeServer s = servers.get("n1");
    ManagedChannel client = channel(s.clientPort());
    ManagedChannel peer = channel(s.peerPort());
    assertThat(s.clientPort()).isNotEqualTo(s.peerPort());

    StatusRuntimeException raftOnClient = catchThrowableOfType(() -> RaftGrpc
        .newBlockingStub(client).withDeadlineAfter(5, TimeUnit.SECONDS)
        .timeoutNow(TimeoutNowRequest.newBuilder().setFromId("n2").setToId("n1").build()),
        StatusRuntimeException.class);
    assertThat(raftOnClient.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);

    StatusRuntimeException clusterOnPeer = catchThrowableOfType(() -> ClusterGrpc
        .newBlockingStub(peer).withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance()), StatusRuntimeException.class);
    assertThat(clusterOnPeer.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    StatusRuntimeException kvOnPeer = catchThrowableOfType(() -> KVGrpc.newBlockingStub(peer)
        .withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("k")).build()), StatusRuntimeException.class);
    assertThat(kvOnPeer.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    StatusRuntimeException healthOnPeer = catchThrowableOfType(() -> HealthGrpc
        .newBlockingStub(peer).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()), StatusRuntimeException.class);
    assertThat(healthOnPeer.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);

    // and the right listener answers
    assertThat(ClusterGrpc.newBlockingStub(client).withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance()).getMemberId()).isEqualTo("n1");
  }

  @Test
  void aNotLeaderHintFromAFollowerNamesTheLeadersClientAddress() throws Exception {
    NodeServer leader = awaitLeader();
    awaitClientAddressesKnownEverywhere();
    NodeServer follower = servers.values().stream().filter(s -> s != leader).findFirst()
        .orElseThrow();
    StatusRuntimeException e = catchThrowableOfType(() -> KVGrpc
        .newBlockingStub(channel(follower.clientPort())).withDeadlineAfter(5, TimeUnit.SECONDS)
        .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()),
        StatusRuntimeException.class);
    ErrorInfo i = info(e);
    assertThat(i.getReason()).isEqualTo(ErrorInfo.Reason.NOT_LEADER);
    assertThat(i.getLeaderId()).isEqualTo(leader.node().id());
    assertThat(i.getLeaderAddress()).isEqualTo(leader.clientAddress())
        .isNotEqualTo(peers.get(leader.node().id()));
  }

  @Test
  void memberListShowsBothAddressesOfEveryMember() throws Exception {
    awaitLeader();
    awaitClientAddressesKnownEverywhere();
    for (NodeServer s : servers.values()) {
      List<MemberInfo> members = ClusterGrpc.newBlockingStub(channel(s.clientPort()))
          .withDeadlineAfter(5, TimeUnit.SECONDS).memberList(MemberListRequest.getDefaultInstance())
          .getMembersList();
      assertThat(members).extracting(MemberInfo::getId).containsExactly("n1", "n2", "n3");
      for (MemberInfo m : members) {
        assertThat(m.getPeerAddress()).isEqualTo(peers.get(m.getId()));
        assertThat(m.getAddress()).isEqualTo(servers.get(m.getId()).clientAddress());
      }
    }
  }

  @Test
  void aMemberAddedWithBothAddressesIsReplicatedToAtItsPeerAddress() throws Exception {
    NodeServer leader = awaitLeader();
    String peer = "127.0.0.1:" + LoopbackPorts.free();
    String client = "127.0.0.1:" + LoopbackPorts.free();
    NodeServer n4 = start(NodeConfig.joining("n4", tmp.resolve("n4"), peer)
        .withTiming(20, 10, 2, 2).withTimeouts(3_000, 3_000).withClientAddress(client));
    await("n4 added", () -> {
      try {
        return leader.node().addMember("n4", peer, client, false).get(3, TimeUnit.SECONDS);
      } catch (Exception e) {
        return null; // an address publication in flight: one change at a time
      }
    });
    Member added = await("n4 promoted and known to n4 itself", () -> {
      Member m = n4.node().header().membership().member("n4");
      return m != null && m.voter() ? m : null;
    });
    assertThat(added.peerAddress()).isEqualTo(peer);
    assertThat(added.clientAddress()).isEqualTo(client);
    assertThat(n4.node().header().leaderId()).isEqualTo(leader.node().id());
  }

  @Test
  void aRestartWithAnotherClientAddressIsReflectedInMemberList() throws Exception {
    NodeServer leader = awaitLeader();
    awaitClientAddressesKnownEverywhere();
    String restarted = servers.keySet().stream().filter(id -> !id.equals(leader.node().id()))
        .findFirst().orElseThrow();
    servers.remove(restarted).close();
    String newClient = "127.0.0.1:" + LoopbackPorts.free();
    NodeServer again = start(config(restarted).withClientAddress(newClient));
    assertThat(again.clientAddress()).isEqualTo(newClient);
    awaitClientAddressesKnownEverywhere();
    List<MemberInfo> members = ClusterGrpc.newBlockingStub(channel(leader.clientPort()))
        .withDeadlineAfter(5, TimeUnit.SECONDS).memberList(MemberListRequest.getDefaultInstance())
        .getMembersList();
    assertThat(members).filteredOn(m -> m.getId().equals(restarted))
        .extracting(MemberInfo::getAddress).containsExactly(newClient);
    assertThat(members).filteredOn(m -> m.getId().equals(restarted))
        .extracting(MemberInfo::getPeerAddress).containsExactly(peers.get(restarted));
  }
}
