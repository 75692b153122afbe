package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.Alarm;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code lattice status} shows a member's alarms (a full disk) in ERRORS and in its JSON. */
class StatusAlarmTest {
  private Server server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  /** A one-member cluster whose member is the leader, on a full disk. */
  private String serveFullLeader() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ClusterGrpc.ClusterImplBase() {
          @Override
          public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
            out.onNext(MemberListResponse.newBuilder().addMembers(MemberInfo.newBuilder()
                .setId("n1").setAddress("127.0.0.1:" + server.getPort())).build());
            out.onCompleted();
          }

          @Override
          public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
            out.onNext(StatusResponse.newBuilder().setMemberId("n1").setRole(Role.LEADER)
                .setTerm(2).setLeaderId("n1").setClusterId("lattice")
                .setDiskFreeBytes(3 << 20)
                .addAlarms(Alarm.newBuilder().setType(Alarm.Type.NO_SPACE)
                    .setDetail("3.0 MiB free, below the reserve of 64 MiB: writes are refused"))
                .build());
            out.onCompleted();
          }
        }).build().start();
    return "127.0.0.1:" + server.getPort();
  }

  @Test
  void anAlarmShowsInErrorsAndInJson() throws IOException {
    String address = serveFullLeader();
    Cli.Result text = Cli.run("--endpoints", address, "status");
    assertThat(text.code()).as(text.toString()).isZero();
    List<String> lines = text.out().lines().toList();
    assertThat(lines.get(2)).startsWith("n1 ").endsWith("alarm NO_SPACE: 3.0 MiB free, below the "
        + "reserve of 64 MiB: writes are refused");

    JsonObject m = Cli.run("--endpoints", address, "status", "-o", "json").json()
        .getAsJsonArray("members").get(0).getAsJsonObject();
    assertThat(m.get("disk_free_bytes").getAsLong()).isEqualTo(3 << 20);
    JsonObject alarm = m.getAsJsonArray("alarms").get(0).getAsJsonObject();
    assertThat(alarm.get("type").getAsString()).isEqualTo("NO_SPACE");
    assertThat(alarm.get("detail").getAsString()).contains("below the reserve");
  }
}
