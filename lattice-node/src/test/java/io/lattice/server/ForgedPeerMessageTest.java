package io.lattice.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.node.NodeStatus;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.EntryKind;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.LogEntry;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.tls.Identities.Role;
import io.lattice.tls.IssuedCertificate;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack of the security issue: an AppendEntries with the real leader as {@code from_id},
 * term +2000 and one Put, sent to a follower of a TLS cluster by someone who is not the leader.
 * From a plaintext client, a TLS client without a certificate, one with a client certificate, and
 * a peer certificate of another member id, it is refused before it reaches the core: nothing is
 * appended and the term does not change.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForgedPeerMessageTest {
  @TempDir Path tmp;
  private SecureClusterFixture cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = new SecureClusterFixture(tmp, false);
  }

  @AfterEach
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void aForgedAppendEntriesIsRefusedFromAnyoneButTheMemberItNames() throws Exception {
    NodeServer leader = cluster.awaitLeader();
    NodeServer follower = cluster.servers.values().stream().filter(s -> s != leader)
        .findFirst().orElseThrow();
    String followerAddress = cluster.addresses.get(follower.node().id());
    // The leader records each member's client address with a membership entry of its own, a few
    // heartbeats after start: wait for those, so that the log holds still unless the forgery works.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!settled(leader, follower)) {
      assertThat(System.nanoTime() - deadline).as("client addresses recorded in time").isNegative();
      Thread.sleep(20);
    }
    NodeStatus before = SecureClusterFixture.status(follower);
    AppendEntriesRequest forged = forged(leader.node().id(), follower.node().id(), before);

    IssuedCertificate mallory = cluster.pki.client("mallory", Role.READWRITE);
    IssuedCertificate otherMember = cluster.pki.node("n9");

    // plaintext against a TLS listener: no gRPC exchange at all
    Status plain = send(cluster.track(NettyChannelBuilder.forTarget(followerAddress)
        .usePlaintext().build()), forged);
    assertThat(plain.getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    // TLS without a certificate: the peer listener requires one in the handshake itself
    Status noCert = send(cluster.track(cluster.pki.channel(followerAddress, null)), forged);
    assertThat(noCert.getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    Status clientCert = send(cluster.track(cluster.pki.channel(followerAddress, mallory)),
        forged);
    assertThat(clientCert.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(clientCert.getDescription()).contains("mallory", "not a node certificate");

    StatusRuntimeException refused = sendForTrailers(
        cluster.track(cluster.pki.channel(followerAddress, otherMember)), forged);
    Status wrongMember = refused.getStatus();
    assertThat(wrongMember.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(wrongMember.getDescription()).contains("'" + leader.node().id() + "'", "'n9'");
    assertThat(reasonOf(refused)).isEqualTo(ErrorInfo.Reason.PERMISSION_DENIED);

    Thread.sleep(300); // what the follower would have done with it has had time to happen
    NodeStatus after = SecureClusterFixture.status(follower);
    assertThat(after.term()).as("term").isEqualTo(before.term());
    assertThat(after.logLastIndex()).as("nothing appended").isEqualTo(before.logLastIndex());
    assertThat(after.leaderId()).isEqualTo(leader.node().id());
  }

  /** Every member's client address is in the follower's membership, and its log has the leader's. */
  private static boolean settled(NodeServer leader, NodeServer follower) {
    io.lattice.raft.Membership m = follower.node().header().membership();
    boolean addressesKnown = m != null && m.members().size() == 3
        && m.members().values().stream().noneMatch(x -> x.clientAddress().isEmpty());
    NodeStatus l = SecureClusterFixture.status(leader);
    NodeStatus f = SecureClusterFixture.status(follower);
    return addressesKnown && l != null && f != null && l.commitIndex() == l.logLastIndex()
        && f.logLastIndex() == l.logLastIndex();
  }

  private static AppendEntriesRequest forged(String leaderId, String followerId, NodeStatus st) {
    byte[] put = KvCommandCodec.encode(new KvCommand.Put(Session.NONE, 0,
        "forged".getBytes(UTF_8), "yes".getBytes(UTF_8), false));
    long term = st.term() + 2000;
    return AppendEntriesRequest.newBuilder().setClusterId("lattice").setFromId(leaderId)
        .setToId(followerId).setTerm(term).setPrevLogIndex(st.logLastIndex())
        .setPrevLogTerm(st.term()).setCommitIndex(st.logLastIndex() + 1)
        .addEntries(LogEntry.newBuilder().setTerm(term).setIndex(st.logLastIndex() + 1)
            .setKind(EntryKind.COMMAND).setData(ByteString.copyFrom(put)))
        .build();
  }

  /** Sends one message on an AppendEntries stream; the status the stream ends with. */
  static Status send(ManagedChannel ch, AppendEntriesRequest req) throws Exception {
    return sendForTrailers(ch, req).getStatus();
  }

  /** As {@link #send}, keeping the trailers (the ErrorInfo). */
  static StatusRuntimeException sendForTrailers(ManagedChannel ch, AppendEntriesRequest req)
      throws Exception {
    CompletableFuture<StatusRuntimeException> done = new CompletableFuture<>();
    StreamObserver<AppendEntriesRequest> out = RaftGrpc.newStub(ch)
        .withDeadlineAfter(5, TimeUnit.SECONDS).appendEntries(new StreamObserver<>() {
          @Override
          public void onNext(AppendEntriesResponse r) {
            done.complete(Status.OK.withDescription("answered: " + r).asRuntimeException());
          }

          @Override
          public void onError(Throwable t) {
            done.complete(new StatusRuntimeException(Status.fromThrowable(t),
                Status.trailersFromThrowable(t)));
          }

          @Override
          public void onCompleted() {
            done.complete(Status.OK.asRuntimeException());
          }
        });
    out.onNext(req);
    return done.get(10, TimeUnit.SECONDS);
  }

  static ErrorInfo.Reason reasonOf(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status st = StatusProto.fromThrowable(e);
    return st == null || st.getDetailsCount() == 0 ? null
        : st.getDetails(0).unpack(ErrorInfo.class).getReason();
  }
}
