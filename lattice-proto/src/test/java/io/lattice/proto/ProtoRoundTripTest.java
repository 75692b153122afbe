package io.lattice.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.Compare;
import io.lattice.proto.v1.EntryKind;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.KeyInterval;
import io.lattice.proto.v1.LogEntry;
import io.lattice.proto.v1.Member;
import io.lattice.proto.v1.Membership;
import io.lattice.proto.v1.PeerProgress;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.RaftGrpc;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.SnapshotMetadata;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TxnDelete;
import io.lattice.proto.v1.TxnGet;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnPut;
import io.lattice.proto.v1.TxnRequest;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The generated API: messages survive a round trip, and the services expose every RPC. */
class ProtoRoundTripTest {

  private static final ByteString KEY = ByteString.copyFromUtf8("k");

  @SuppressWarnings("unchecked")
  private static <T extends Message> T roundTrip(T message) throws InvalidProtocolBufferException {
    byte[] bytes = message.toByteArray();
    T parsed = (T) message.getParserForType().parseFrom(bytes);
    assertThat(parsed).isEqualTo(message);
    return parsed;
  }

  @Test
  void putWithSessionRoundTrips() throws Exception {
    PutRequest put =
        PutRequest.newBuilder()
            .setKey(KEY)
            .setValue(ByteString.copyFrom(new byte[] {0, (byte) 0xff, 7}))
            .setPrevKv(true)
            .setSession(ClientSession.newBuilder().setSessionId(7).setSequence(42).setAcknowledged(41))
            .build();
    PutRequest parsed = roundTrip(put);
    assertThat(parsed.getSession().getSequence()).isEqualTo(42);
    assertThat(parsed.getValue().byteAt(1)).isEqualTo((byte) 0xff);
  }

  @Test
  void theRetiredClientIdFieldIsKeptAsAnUnknownField() throws Exception {
    // what a client built against the old ClientSession (string client_id = 1) sends
    byte[] old = com.google.protobuf.UnknownFieldSet.newBuilder()
        .addField(1, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(ByteString.copyFromUtf8("c-1")).build())
        .addField(2, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build().toByteArray();
    ClientSession parsed = ClientSession.parseFrom(old);
    assertThat(parsed.getSessionId()).isZero();
    assertThat(parsed.getSequence()).isEqualTo(1);
    assertThat(parsed.getUnknownFields().hasField(1)).isTrue();
  }

  @Test
  void readsAreLinearizableByDefault() throws Exception {
    assertThat(ReadConsistency.LINEARIZABLE.getNumber()).isZero();
    assertThat(GetRequest.getDefaultInstance().getConsistency()).isEqualTo(ReadConsistency.LINEARIZABLE);
    GetRequest stale = roundTrip(GetRequest.newBuilder().setKey(KEY).setConsistency(ReadConsistency.STALE).build());
    assertThat(stale.getConsistency()).isEqualTo(ReadConsistency.STALE);
  }

  @Test
  void rangeSelectorIsOneOf() throws Exception {
    RangeRequest byPrefix = roundTrip(RangeRequest.newBuilder().setPrefix(ByteString.EMPTY).setLimit(10).build());
    // An empty prefix is still a set prefix ("every key"), distinct from no selector at all.
    assertThat(byPrefix.getSelectorCase()).isEqualTo(RangeRequest.SelectorCase.PREFIX);
    RangeRequest byInterval =
        roundTrip(
            RangeRequest.newBuilder()
                .setInterval(KeyInterval.newBuilder().setStart(KEY).setEnd(ByteString.copyFromUtf8("l")))
                .setKeysOnly(true)
                .build());
    assertThat(byInterval.getSelectorCase()).isEqualTo(RangeRequest.SelectorCase.INTERVAL);
    assertThat(RangeRequest.getDefaultInstance().getSelectorCase())
        .isEqualTo(RangeRequest.SelectorCase.SELECTOR_NOT_SET);
  }

  @Test
  void txnRoundTrips() throws Exception {
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(Compare.newBuilder().setKey(KEY).setExists(false))
            .addCompare(Compare.newBuilder().setKey(KEY).setOp(Compare.Op.LESS).setModIndex(9))
            .addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(KEY).setValue(KEY)))
            .addSuccess(TxnOp.newBuilder().setGet(TxnGet.newBuilder().setKey(KEY)))
            .addFailure(TxnOp.newBuilder().setDelete(TxnDelete.newBuilder().setKey(KEY).setPrevKv(true)))
            .build();
    TxnRequest parsed = roundTrip(txn);
    assertThat(parsed.getCompare(0).getTargetCase()).isEqualTo(Compare.TargetCase.EXISTS);
    assertThat(parsed.getSuccess(1).getOpCase()).isEqualTo(TxnOp.OpCase.GET);
    assertThat(parsed.getFailure(0).getOpCase()).isEqualTo(TxnOp.OpCase.DELETE);
  }

  @Test
  void peerMessagesRoundTrip() throws Exception {
    AppendEntriesRequest append =
        AppendEntriesRequest.newBuilder()
            .setClusterId("c")
            .setFromId("n1")
            .setToId("n2")
            .setTerm(3)
            .setPrevLogIndex(10)
            .setPrevLogTerm(2)
            .addEntries(LogEntry.newBuilder().setTerm(3).setIndex(11).setKind(EntryKind.NOOP))
            .addEntries(
                LogEntry.newBuilder().setTerm(3).setIndex(12).setKind(EntryKind.COMMAND).setData(KEY))
            .setCommitIndex(10)
            .build();
    assertThat(roundTrip(append).getEntries(1).getKind()).isEqualTo(EntryKind.COMMAND);

    Membership membership =
        Membership.newBuilder()
            .addVoters(Member.newBuilder().setId("n1").setPeerAddress("127.0.0.1:7101").setClientAddress("127.0.0.1:7001"))
            .addLearners(Member.newBuilder().setId("n4").setPeerAddress("127.0.0.1:7004"))
            .addAutoPromoteLearners(Member.newBuilder().setId("n5").setPeerAddress("127.0.0.1:7005"))
            .build();
    InstallSnapshotRequest firstChunk =
        InstallSnapshotRequest.newBuilder()
            .setClusterId("c")
            .setFromId("n1")
            .setToId("n2")
            .setTerm(3)
            .setMetadata(
                SnapshotMetadata.newBuilder()
                    .setLastIncludedIndex(1000)
                    .setLastIncludedTerm(2)
                    .setMembership(membership)
                    .setTotalSize(3)
                    .setCrc32C(0xdeadbeef))
            .setData(ByteString.copyFrom(new byte[] {1, 2, 3}))
            .setDone(true)
            .build();
    assertThat(roundTrip(firstChunk).getMetadata().getMembership()).isEqualTo(membership);
  }

  @Test
  void entryKindsMatchTheOnDiskCodes() {
    assertThat(EntryKind.NOOP.getNumber()).isEqualTo(0);
    assertThat(EntryKind.COMMAND.getNumber()).isEqualTo(1);
    assertThat(EntryKind.CONFIG.getNumber()).isEqualTo(2);
  }

  @Test
  void statusRoundTrips() throws Exception {
    StatusResponse status =
        StatusResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setMemberId("n1").setTerm(3).setLeaderId("n1"))
            .setMemberId("n1")
            .setRole(Role.LEADER)
            .setCommitIndex(20)
            .setAppliedIndex(19)
            .addPeers(
                PeerProgress.newBuilder()
                    .setId("n2")
                    .setMatchIndex(18)
                    .setNextIndex(19)
                    .setLagEntries(2)
                    .setState(PeerProgress.State.REPLICATE)
                    .setLastContactMillisAgo(-1)
                    .setReachable(true))
            .build();
    assertThat(roundTrip(status).getPeers(0).getLastContactMillisAgo()).isEqualTo(-1);
  }

  @Test
  void errorInfoTravelsAsGrpcStatusDetail() throws Exception {
    ErrorInfo info =
        ErrorInfo.newBuilder()
            .setReason(ErrorInfo.Reason.NOT_LEADER)
            .setLeaderId("n2")
            .setLeaderAddress("127.0.0.1:7002")
            .setMessage("not the leader; the leader is n2")
            .build();
    com.google.rpc.Status rpcStatus =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.FAILED_PRECONDITION.value())
            .setMessage(info.getMessage())
            .addDetails(Any.pack(info))
            .build();
    StatusRuntimeException e = StatusProto.toStatusRuntimeException(rpcStatus);

    com.google.rpc.Status received = StatusProto.fromThrowable(e);
    assertThat(received).isNotNull();
    assertThat(received.getDetails(0).getTypeUrl()).isEqualTo("type.googleapis.com/lattice.v1.ErrorInfo");
    assertThat(received.getDetails(0).unpack(ErrorInfo.class)).isEqualTo(info);
  }

  private static Set<String> methodNames(ServiceDescriptor service) {
    return service.getMethods().stream()
        .map(m -> m.getBareMethodName())
        .collect(Collectors.toSet());
  }

  private static MethodType methodType(ServiceDescriptor service, String name) {
    return service.getMethods().stream()
        .filter(m -> name.equals(m.getBareMethodName()))
        .findFirst()
        .orElseThrow()
        .getType();
  }

  @Test
  void kvServiceExposesEveryRpc() {
    ServiceDescriptor kv = KVGrpc.getServiceDescriptor();
    assertThat(kv.getName()).isEqualTo("lattice.v1.KV");
    assertThat(methodNames(kv))
        .containsExactlyInAnyOrder("Put", "Get", "Delete", "Range", "CompareAndSwap", "Txn",
            "OpenSession", "CloseSession");
  }

  @Test
  void clusterServiceExposesEveryRpc() {
    ServiceDescriptor cluster = ClusterGrpc.getServiceDescriptor();
    assertThat(cluster.getName()).isEqualTo("lattice.v1.Cluster");
    assertThat(methodNames(cluster))
        .containsExactlyInAnyOrder(
            "Status",
            "MemberList",
            "MemberAdd",
            "MemberPromote",
            "MemberRemove",
            "TransferLeader",
            "Snapshot",
            "Hash", "SnapshotSave");
  }

  @Test
  void raftServiceExposesEveryRpc() {
    ServiceDescriptor raft = RaftGrpc.getServiceDescriptor();
    assertThat(raft.getName()).isEqualTo("lattice.v1.Raft");
    assertThat(methodNames(raft))
        .containsExactlyInAnyOrder(
            "RequestVote", "AppendEntries", "InstallSnapshot", "TimeoutNow", "ReadIndex");
    assertThat(methodType(raft, "AppendEntries")).isEqualTo(MethodType.BIDI_STREAMING);
    assertThat(methodType(raft, "InstallSnapshot")).isEqualTo(MethodType.CLIENT_STREAMING);
    assertThat(methodType(raft, "RequestVote")).isEqualTo(MethodType.UNARY);
  }
}
