package io.lattice.api;

import static io.lattice.api.KvServiceTest.b;
import static io.lattice.api.KvServiceTest.info;
import static io.lattice.api.KvServiceTest.retry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.HashRequest;
import io.lattice.proto.v1.HashResponse;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import io.lattice.proto.v1.MemberPromoteRequest;
import io.lattice.proto.v1.MemberRemoveRequest;
import io.lattice.proto.v1.MemberRemoveResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.SnapshotRequest;
import io.lattice.proto.v1.SnapshotResponse;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TransferLeaderRequest;
import io.lattice.proto.v1.TransferLeaderResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin service over in-process gRPC against a real 3-node cluster (fresh per test). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterServiceTest {
  ApiCluster cluster;

  @BeforeEach
  void start(@TempDir Path tmp) throws Exception {
    cluster = new ApiCluster(tmp, 1 << 20, "n1", "n2", "n3");
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void statusOfLeaderAndFollower() {
    String leader = cluster.awaitLeader();
    PutResponse put = retry(() -> cluster.kv(leader).put(PutRequest.newBuilder()
        .setKey(b("s")).setValue(b("1")).build()));
    StatusResponse s = ApiCluster.await("peers reported in replicate state", () -> {
      StatusResponse r = cluster.admin(leader).status(StatusRequest.getDefaultInstance());
      return r.getPeersCount() == 2 && r.getPeersList().stream()
          .allMatch(p -> p.getMatchIndex() >= put.getModIndex()) ? r : null;
    });
    assertThat(s.getMemberId()).isEqualTo(leader);
    assertThat(s.getRole()).isEqualTo(Role.LEADER);
    assertThat(s.getLeaderId()).isEqualTo(leader);
    assertThat(s.getLeaderAddress()).isEqualTo(cluster.addresses.get(leader));
    assertThat(s.getAddress()).isEqualTo(cluster.addresses.get(leader));
    assertThat(s.getPeerAddress()).isEqualTo(cluster.peerAddresses.get(leader));
    assertThat(s.getTerm()).isPositive();
    assertThat(s.getCommitIndex()).isGreaterThanOrEqualTo(put.getModIndex());
    assertThat(s.getAppliedIndex()).isGreaterThanOrEqualTo(put.getModIndex());
    assertThat(s.getLogLastIndex()).isGreaterThanOrEqualTo(put.getModIndex());
    assertThat(s.getLogBytes()).isPositive();
    assertThat(s.getClusterId()).isNotEmpty();
    assertThat(s.getVersion()).isEqualTo(ClusterService.VERSION);
    assertThat(s.getPeersList()).extracting(p -> p.getId()).doesNotContain(leader);
    assertThat(s.getPeers(0).getPeerAddress())
        .isEqualTo(cluster.peerAddresses.get(s.getPeers(0).getId()));
    assertThat(s.getPeers(0).getAddress())
        .isEqualTo(cluster.addresses.get(s.getPeers(0).getId()));
    assertThat(s.getPeers(0).getReachable()).isTrue();
    assertThat(s.getHeader().getMemberId()).isEqualTo(leader);

    String follower = cluster.follower(leader);
    StatusResponse f = cluster.admin(follower).status(StatusRequest.getDefaultInstance());
    assertThat(f.getRole()).isEqualTo(Role.FOLLOWER);
    assertThat(f.getLeaderId()).isEqualTo(leader);
    assertThat(f.getPeersCount()).isZero();
  }

  @Test
  void memberListAnyMember() {
    String leader = cluster.awaitLeader();
    MemberListResponse list = cluster.admin(cluster.follower(leader))
        .memberList(MemberListRequest.getDefaultInstance());
    assertThat(list.getMembersList()).extracting(MemberInfo::getId)
        .containsExactly("n1", "n2", "n3");
    assertThat(list.getMembersList()).allMatch(m -> !m.getIsLearner());
    assertThat(list.getMembersList()).filteredOn(MemberInfo::getIsLeader)
        .extracting(MemberInfo::getId).containsExactly(leader);
    assertThat(list.getMembers(0).getAddress()).isEqualTo(cluster.addresses.get("n1"));
    assertThat(list.getMembers(0).getPeerAddress()).isEqualTo(cluster.peerAddresses.get("n1"));
  }

  @Test
  void memberAddAsLearnerThenRemove() {
    String leader = cluster.awaitLeader();
    MemberAddResponse added = retry(() -> cluster.admin(leader).memberAdd(MemberAddRequest
        .newBuilder().setId("n4").setPeerAddress("127.0.0.1:7199")
        .setClientAddress("127.0.0.1:7099").setStayLearner(true).build()));
    assertThat(added.getMember().getId()).isEqualTo("n4");
    assertThat(added.getMember().getPeerAddress()).isEqualTo("127.0.0.1:7199");
    assertThat(added.getMember().getAddress()).isEqualTo("127.0.0.1:7099");
    assertThat(added.getMember().getIsLearner()).isTrue();
    assertThat(added.getMember().getAutoPromote()).isFalse();
    assertThat(added.getMembersList()).extracting(MemberInfo::getId)
        .containsExactly("n1", "n2", "n3", "n4");
    assertThat(added.getHeader().getClusterId()).isNotEmpty();

    StatusRuntimeException dup = catchThrowableOfType(() -> cluster.admin(leader).memberAdd(
        MemberAddRequest.newBuilder().setId("n4").setPeerAddress("127.0.0.1:7198").build()),
        StatusRuntimeException.class);
    assertThat(dup.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(info(dup).getReason()).isEqualTo(ErrorInfo.Reason.ALREADY_EXISTS);

    StatusRuntimeException onFollower = catchThrowableOfType(() -> cluster.admin(
        cluster.follower(leader)).memberRemove(MemberRemoveRequest.newBuilder().setId("n4")
        .build()), StatusRuntimeException.class);
    assertThat(onFollower.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(info(onFollower).getReason()).isEqualTo(ErrorInfo.Reason.NOT_LEADER);
    assertThat(info(onFollower).getLeaderAddress()).isEqualTo(cluster.addresses.get(leader));

    StatusRuntimeException voter = catchThrowableOfType(() -> cluster.admin(leader)
        .memberPromote(MemberPromoteRequest.newBuilder().setId(leader).build()),
        StatusRuntimeException.class);
    assertThat(voter.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(info(voter).getReason()).isEqualTo(ErrorInfo.Reason.INVALID_MEMBERSHIP_CHANGE);

    MemberRemoveResponse removed = retry(() -> cluster.admin(leader).memberRemove(
        MemberRemoveRequest.newBuilder().setId("n4").build()));
    assertThat(removed.getMembersList()).extracting(MemberInfo::getId)
        .containsExactly("n1", "n2", "n3");

    StatusRuntimeException unknown = catchThrowableOfType(() -> cluster.admin(leader)
        .memberRemove(MemberRemoveRequest.newBuilder().setId("n9").build()),
        StatusRuntimeException.class);
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(info(unknown).getReason()).isEqualTo(ErrorInfo.Reason.NOT_FOUND);
  }

  @Test
  void transferLeaderToNamedAndToMostUpToDate() {
    String leader = cluster.awaitLeader();
    retry(() -> cluster.kv(leader).put(PutRequest.newBuilder().setKey(b("t")).setValue(b("1"))
        .build()));
    String target = cluster.follower(leader);
    TransferLeaderResponse moved = retry(() -> cluster.admin(leader).transferLeader(
        TransferLeaderRequest.newBuilder().setTargetId(target).build()));
    assertThat(moved.getNewLeaderId()).isEqualTo(target);
    assertThat(moved.getTerm()).isPositive();
    assertThat(cluster.awaitLeader()).isEqualTo(target);

    TransferLeaderResponse any = retry(() -> cluster.admin(target).transferLeader(
        TransferLeaderRequest.getDefaultInstance()));
    assertThat(any.getNewLeaderId()).isNotEqualTo(target).isNotEmpty();

    String now = cluster.awaitLeader();
    StatusRuntimeException unknown = catchThrowableOfType(() -> cluster.admin(now)
        .transferLeader(TransferLeaderRequest.newBuilder().setTargetId("n9").build()),
        StatusRuntimeException.class);
    assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void snapshotAndHash() {
    String leader = cluster.awaitLeader();
    PutResponse last = null;
    for (int i = 0; i < 5; i++) {
      int n = i;
      last = retry(() -> cluster.kv(leader).put(PutRequest.newBuilder().setKey(b("h" + n))
          .setValue(b("v" + n)).build()));
    }
    long index = last.getModIndex();
    SnapshotResponse snap = cluster.admin(leader).snapshot(SnapshotRequest.getDefaultInstance());
    assertThat(snap.getSnapshotIndex()).isGreaterThanOrEqualTo(index);
    assertThat(snap.getSnapshotTerm()).isPositive();

    HashResponse h1 = cluster.admin(leader).hash(HashRequest.newBuilder()
        .setWaitForIndex(index).build());
    assertThat(h1.getAppliedIndex()).isGreaterThanOrEqualTo(index);
    assertThat(h1.getKeyCount()).isEqualTo(5);
    for (String id : cluster.nodes.keySet()) {
      HashResponse h = cluster.admin(id).hash(HashRequest.newBuilder()
          .setWaitForIndex(h1.getAppliedIndex()).build());
      if (h.getAppliedIndex() == h1.getAppliedIndex()) {
        assertThat(h.getHash()).as("hash of %s", id).isEqualTo(h1.getHash());
      }
      assertThat(h.getKeyCount()).isEqualTo(5);
    }

    StatusRuntimeException timeout = catchThrowableOfType(() -> cluster.admin(leader)
        .withDeadlineAfter(300, TimeUnit.MILLISECONDS).hash(HashRequest.newBuilder()
            .setWaitForIndex(index + 1_000_000).build()), StatusRuntimeException.class);
    assertThat(timeout.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void aStoppedMemberAnswersShuttingDown() {
    String leader = cluster.awaitLeader();
    String follower = cluster.follower(leader);
    cluster.nodes.get(follower).close();
    StatusRuntimeException put = catchThrowableOfType(() -> cluster.kv(follower).put(
        PutRequest.newBuilder().setKey(b("x")).setValue(b("1")).build()),
        StatusRuntimeException.class);
    assertThat(put.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(info(put).getReason()).isEqualTo(ErrorInfo.Reason.SHUTTING_DOWN);
    StatusRuntimeException status = catchThrowableOfType(() -> cluster.admin(follower)
        .status(StatusRequest.getDefaultInstance()), StatusRuntimeException.class);
    assertThat(info(status).getReason()).isEqualTo(ErrorInfo.Reason.SHUTTING_DOWN);
    // the other two still serve writes
    PutResponse ok = retry(() -> cluster.kv(cluster.awaitLeaderAmong(follower)).put(
        PutRequest.newBuilder().setKey(b("y")).setValue(b("2")).build()));
    assertThat(ok.getVersion()).isEqualTo(1);
  }
}
