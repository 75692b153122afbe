package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import io.lattice.proto.v1.PeerProgress;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.testing.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code lattice status} says "never" (JSON: -1) in LAST CONTACT for every member the leader
 * reports it has never heard from, whatever else the row holds: a member that answers with its
 * own status (its own row), one that cannot be reached, one with a match index (a leader that
 * reports -1 means it), and one the leader counts from the start of its leadership (no match
 * index, not recently active). A member heard from shows the time.
 */
class StatusLastContactTest {
  private final List<Server> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(Server::shutdownNow);
  }

  private Server serve(ClusterGrpc.ClusterImplBase service) throws IOException {
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service).build().start();
    servers.add(s);
    return s;
  }

  @Test
  void membersTheLeaderNeverHeardFromWereLastContactedNever() throws IOException {
    Map<String, String> address = new HashMap<>();
    List<PeerProgress> peers = List.of(
        // answers its own status; the leader reports -1
        peer("n2", 0, -1, false),
        // cannot be reached; the leader reports -1 although it has a match index
        peer("n3", 7, -1, false),
        // cannot be reached; counted from the start of the leadership: no match index
        peer("n4", 0, 2_800, false),
        // heard from 40 ms ago
        peer("n5", 9, 40, true));
    Server leader = serve(new ClusterGrpc.ClusterImplBase() {
      @Override
      public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
        MemberListResponse.Builder r = MemberListResponse.newBuilder();
        for (String id : List.of("n1", "n2", "n3", "n4", "n5")) {
          r.addMembers(MemberInfo.newBuilder().setId(id).setAddress(address.get(id))
              .setPeerAddress("127.0.0.1:1").setIsLeader(id.equals("n1")));
        }
        out.onNext(r.build());
        out.onCompleted();
      }

      @Override
      public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
        out.onNext(statusOf("n1", Role.LEADER).addAllPeers(peers).build());
        out.onCompleted();
      }
    });
    Server follower = serve(new ClusterGrpc.ClusterImplBase() {
      @Override
      public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
        out.onNext(statusOf("n2", Role.FOLLOWER).build());
        out.onCompleted();
      }
    });
    address.put("n1", "127.0.0.1:" + leader.getPort());
    address.put("n2", "127.0.0.1:" + follower.getPort());
    address.put("n3", "127.0.0.1:" + LoopbackPorts.free());
    address.put("n4", "127.0.0.1:" + LoopbackPorts.free());
    address.put("n5", "127.0.0.1:" + LoopbackPorts.free());

    Cli.Result text = Cli.run("--endpoints", address.get("n1"), "--timeout", "1s", "status");
    assertThat(text.code()).as(text.toString()).isZero();
    assertThat(row(text, "n1")).contains(" (leader) ");
    assertThat(row(text, "n2")).contains(" follower ").contains(" never ")
        .doesNotContain(" ago");
    for (String id : List.of("n3", "n4")) {
      assertThat(row(text, id)).contains(" unreachable ").contains(" never ")
          .doesNotContain(" ago");
    }
    assertThat(row(text, "n5")).contains(" 40ms ago ");

    Cli.Result json = Cli.run("--endpoints", address.get("n1"), "--timeout", "1s", "status", "-o",
        "json");
    Map<String, Long> contact = new HashMap<>();
    for (JsonElement e : json.json().getAsJsonArray("members")) {
      JsonObject m = e.getAsJsonObject();
      if (m.has("last_contact_ms")) {
        contact.put(m.get("id").getAsString(), m.get("last_contact_ms").getAsLong());
      }
    }
    assertThat(contact).isEqualTo(Map.of("n2", -1L, "n3", -1L, "n4", -1L, "n5", 40L));
  }

  private static String row(Cli.Result r, String id) {
    return r.out().lines().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
  }

  private static PeerProgress peer(String id, long match, long lastContact, boolean active) {
    return PeerProgress.newBuilder().setId(id).setMatchIndex(match).setNextIndex(match + 1)
        .setLagEntries(10 - match).setLastContactMillisAgo(lastContact).setReachable(active)
        .build();
  }

  private static StatusResponse.Builder statusOf(String id, Role role) {
    return StatusResponse.newBuilder().setMemberId(id).setRole(role).setTerm(2).setLeaderId("n1")
        .setClusterId("lattice").setCommitIndex(10).setAppliedIndex(10);
  }
}
