package io.lattice.cli;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Cluster service on an ephemeral 127.0.0.1 port whose MemberList answers members n1 (the
 * leader), n2 and n3, and counts the calls: what the completion scripts ask for member ids.
 */
final class MemberListStub implements AutoCloseable {
  final AtomicInteger calls = new AtomicInteger();
  private final Server server;

  MemberListStub() throws IOException {
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new ClusterGrpc.ClusterImplBase() {
          @Override
          public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
            calls.incrementAndGet();
            MemberListResponse.Builder r = MemberListResponse.newBuilder();
            for (String id : List.of("n1", "n2", "n3")) {
              r.addMembers(MemberInfo.newBuilder().setId(id).setAddress("127.0.0.1:1")
                  .setPeerAddress("127.0.0.1:2").setIsLeader(id.equals("n1")));
            }
            out.onNext(r.build());
            out.onCompleted();
          }
        }).build().start();
  }

  /** The endpoint to pass as {@code --endpoints}. */
  String endpoint() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
