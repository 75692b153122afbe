package io.lattice.transport;

import com.google.protobuf.ByteString;
import io.lattice.proto.v1.AppendEntriesRequest;
import io.lattice.proto.v1.AppendEntriesResponse;
import io.lattice.proto.v1.EntryKind;
import io.lattice.proto.v1.InstallSnapshotRequest;
import io.lattice.proto.v1.LogEntry;
import io.lattice.proto.v1.ReadIndexRequest;
import io.lattice.proto.v1.ReadIndexResponse;
import io.lattice.proto.v1.RequestVoteRequest;
import io.lattice.proto.v1.RequestVoteResponse;
import io.lattice.proto.v1.SnapshotMetadata;
import io.lattice.proto.v1.TimeoutNowRequest;
import io.lattice.raft.Entry;
import io.lattice.raft.EntryType;
import io.lattice.raft.Message;
import io.lattice.raft.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between the core's {@link Message}s and the {@code lattice.v1.Raft} wire messages. The
 * only place that knows both; every wire message carries the cluster id, which the receiving side
 * checks before anything reaches its core.
 */
public final class PeerMessages {
  private PeerMessages() {}

  // ---------------------------------------------------------------- core → wire

  public static RequestVoteRequest toWire(String clusterId, Message.VoteRequest m) {
    return RequestVoteRequest.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setLastLogIndex(m.lastLogIndex())
        .setLastLogTerm(m.lastLogTerm()).setPreVote(m.preVote())
        .setLeadershipTransfer(m.transfer()).build();
  }

  public static RequestVoteResponse toWire(String clusterId, Message.VoteResponse m) {
    return RequestVoteResponse.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setPreVote(m.preVote()).setVoteGranted(m.granted())
        .build();
  }

  public static AppendEntriesRequest toWire(String clusterId, Message.AppendRequest m) {
    AppendEntriesRequest.Builder b = AppendEntriesRequest.newBuilder().setClusterId(clusterId)
        .setFromId(m.from()).setToId(m.to()).setTerm(m.term()).setPrevLogIndex(m.prevLogIndex())
        .setPrevLogTerm(m.prevLogTerm()).setCommitIndex(m.commit());
    for (Entry e : m.entries()) {
      b.addEntries(toWire(e));
    }
    return b.build();
  }

  public static AppendEntriesRequest toWire(String clusterId, Message.Heartbeat m) {
    return AppendEntriesRequest.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setCommitIndex(m.commit()).setHeartbeat(true)
        .setReadSeq(m.readSeq()).build();
  }

  public static AppendEntriesResponse toWire(String clusterId, Message.AppendResponse m) {
    return AppendEntriesResponse.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setSuccess(m.success()).setMatchIndex(m.matchIndex())
        .setRejectedIndex(m.rejectedIndex()).setRejectHintIndex(m.hintIndex())
        .setRejectHintTerm(m.hintTerm()).build();
  }

  public static AppendEntriesResponse toWire(String clusterId, Message.HeartbeatResponse m) {
    return AppendEntriesResponse.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setSuccess(true).setHeartbeat(true)
        .setReadSeq(m.readSeq()).build();
  }

  public static TimeoutNowRequest toWire(String clusterId, Message.TimeoutNow m) {
    return TimeoutNowRequest.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).build();
  }

  public static ReadIndexRequest toWire(String clusterId, Message.ReadIndexRequest m) {
    return ReadIndexRequest.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setRequestId(m.requestId()).build();
  }

  public static ReadIndexResponse toWire(String clusterId, Message.ReadIndexResponse m) {
    return ReadIndexResponse.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setRequestId(m.requestId()).setIndex(m.index())
        .setGranted(m.granted()).build();
  }

  /** The first chunk's header of a snapshot transfer (data and offsets are added by the sender). */
  public static InstallSnapshotRequest.Builder snapshotHeader(String clusterId,
      Message.InstallSnapshot m, long totalSize, int crc32c) {
    SnapshotMeta meta = m.snapshot();
    return InstallSnapshotRequest.newBuilder().setClusterId(clusterId).setFromId(m.from())
        .setToId(m.to()).setTerm(m.term()).setMetadata(SnapshotMetadata.newBuilder()
            .setLastIncludedIndex(meta.index()).setLastIncludedTerm(meta.term())
            .setMembership(MembershipWire.toWire(meta.membership())).setTotalSize(totalSize)
            .setCrc32C(crc32c));
  }

  static LogEntry toWire(Entry e) {
    return LogEntry.newBuilder().setTerm(e.term()).setIndex(e.index())
        .setKind(EntryKind.forNumber(e.type().code()))
        .setData(ByteString.copyFrom(e.data())).build();
  }

  // ---------------------------------------------------------------- wire → core

  public static Message.VoteRequest fromWire(RequestVoteRequest w) {
    return new Message.VoteRequest(w.getFromId(), w.getToId(), w.getTerm(), w.getLastLogIndex(),
        w.getLastLogTerm(), w.getPreVote(), w.getLeadershipTransfer());
  }

  public static Message.VoteResponse fromWire(RequestVoteResponse w) {
    return new Message.VoteResponse(w.getFromId(), w.getToId(), w.getTerm(), w.getPreVote(),
        w.getVoteGranted());
  }

  /** An AppendEntries stream message: a heartbeat or an append. */
  public static Message fromWire(AppendEntriesRequest w) {
    if (w.getHeartbeat()) {
      return new Message.Heartbeat(w.getFromId(), w.getToId(), w.getTerm(), w.getCommitIndex(),
          w.getReadSeq());
    }
    List<Entry> entries = new ArrayList<>(w.getEntriesCount());
    for (LogEntry e : w.getEntriesList()) {
      entries.add(fromWire(e));
    }
    return new Message.AppendRequest(w.getFromId(), w.getToId(), w.getTerm(), w.getPrevLogIndex(),
        w.getPrevLogTerm(), entries, w.getCommitIndex());
  }

  public static Message fromWire(AppendEntriesResponse w) {
    if (w.getHeartbeat()) {
      return new Message.HeartbeatResponse(w.getFromId(), w.getToId(), w.getTerm(), w.getReadSeq());
    }
    return new Message.AppendResponse(w.getFromId(), w.getToId(), w.getTerm(), w.getSuccess(),
        w.getMatchIndex(), w.getRejectedIndex(), w.getRejectHintIndex(), w.getRejectHintTerm());
  }

  public static Message.TimeoutNow fromWire(TimeoutNowRequest w) {
    return new Message.TimeoutNow(w.getFromId(), w.getToId(), w.getTerm());
  }

  public static Message.ReadIndexRequest fromWire(ReadIndexRequest w) {
    return new Message.ReadIndexRequest(w.getFromId(), w.getToId(), w.getTerm(), w.getRequestId());
  }

  public static Message.ReadIndexResponse fromWire(ReadIndexResponse w) {
    return new Message.ReadIndexResponse(w.getFromId(), w.getToId(), w.getTerm(),
        w.getRequestId(), w.getIndex(), w.getGranted());
  }

  /** The core message of a completed snapshot transfer (from its first chunk's header). */
  public static Message.InstallSnapshot fromWire(InstallSnapshotRequest first) {
    SnapshotMetadata md = first.getMetadata();
    return new Message.InstallSnapshot(first.getFromId(), first.getToId(), first.getTerm(),
        new SnapshotMeta(md.getLastIncludedIndex(), md.getLastIncludedTerm(),
            MembershipWire.fromWire(md.getMembership())));
  }

  static Entry fromWire(LogEntry e) {
    EntryType type = EntryType.fromCode(e.getKindValue());
    return new Entry(e.getTerm(), e.getIndex(), type, e.getData().toByteArray());
  }
}
