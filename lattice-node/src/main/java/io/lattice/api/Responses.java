package io.lattice.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lattice.kv.KvEntry;
import io.lattice.node.RaftNode;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import java.util.ArrayList;
import java.util.List;

/** Conversions shared by the services: response headers, key-values, members. */
final class Responses {
  private Responses() {}

  /** The header of a response, with the applied index raised to at least {@code minApplied}. */
  static ResponseHeader header(RaftNode<?> node, RaftNode.Header h, long minApplied) {
    return ResponseHeader.newBuilder()
        .setMemberId(nz(h.id()))
        .setTerm(h.term())
        .setAppliedIndex(Math.max(h.appliedIndex(), minApplied))
        .setLeaderId(nz(h.leaderId()))
        .setLeaderAddress(nz(h.leaderAddress()))
        .setClusterId(nz(node.config().clusterId()))
        .build();
  }

  static ResponseHeader header(RaftNode<?> node) {
    return header(node, node.header(), 0);
  }

  /**
   * The key-value as sent. The key and value bytes are wrapped, not copied: a {@link KvEntry}'s
   * arrays never change once stored.
   */
  static KeyValue kv(KvEntry e) {
    return KeyValue.newBuilder()
        .setKey(UnsafeByteOperations.unsafeWrap(e.key()))
        .setValue(e.valueInHeap() ? UnsafeByteOperations.unsafeWrap(e.value())
            : UnsafeByteOperations.unsafeWrap(e.valueBuffer()))
        .setCreateIndex(e.createIndex())
        .setModIndex(e.modIndex())
        .setVersion(e.version())
        .build();
  }

  static MemberInfo member(Member m, String leaderId) {
    return MemberInfo.newBuilder()
        .setId(m.id())
        .setPeerAddress(nz(m.peerAddress()))
        .setAddress(nz(m.clientAddress()))
        .setIsLearner(!m.voter())
        .setAutoPromote(!m.voter() && m.autoPromote())
        .setIsLeader(m.id().equals(leaderId))
        .build();
  }

  /** Every member, ordered by id. */
  static List<MemberInfo> members(Membership membership, String leaderId) {
    List<MemberInfo> out = new ArrayList<>();
    for (Member m : membership.members().values()) {
      out.add(member(m, leaderId));
    }
    return out;
  }

  /**
   * Completes a call with its response. Runs on the node's loop thread; a call the client has
   * cancelled meanwhile refuses the response, which is dropped.
   */
  static <T> void send(StreamObserver<T> out, T response) {
    try {
      out.onNext(response);
      out.onCompleted();
    } catch (RuntimeException cancelled) {
      // the client went away: nobody to answer
    }
  }

  /** Fails a call (see {@link #send}: a cancelled call is left alone). */
  static void fail(StreamObserver<?> out, StatusRuntimeException error) {
    try {
      out.onError(error);
    } catch (RuntimeException cancelled) {
      // the client went away: nobody to answer
    }
  }

  static String nz(String s) {
    return s == null ? "" : s;
  }
}
