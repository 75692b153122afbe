package io.lattice.api;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.lattice.errors.Reason;
import io.lattice.kv.KvStateMachine;
import io.lattice.node.DiskSpaceMonitor;
import io.lattice.node.NodeException;
import io.lattice.node.NodeStatus;
import io.lattice.node.QueryLane;
import io.lattice.node.RaftNode;
import io.lattice.node.ReadConsistency;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.HashRequest;
import io.lattice.proto.v1.SnapshotSaveChunk;
import io.lattice.proto.v1.SnapshotSaveRequest;
import io.lattice.proto.v1.HashResponse;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import io.lattice.proto.v1.MemberPromoteRequest;
import io.lattice.proto.v1.MemberPromoteResponse;
import io.lattice.proto.v1.MemberRemoveRequest;
import io.lattice.proto.v1.MemberRemoveResponse;
import io.lattice.proto.v1.PeerProgress;
import io.lattice.proto.v1.Security;
import io.lattice.proto.v1.Alarm;
import io.lattice.proto.v1.SnapshotRequest;
import io.lattice.proto.v1.SnapshotResponse;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TransferLeaderRequest;
import io.lattice.proto.v1.TransferLeaderResponse;
import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.Progress;
import io.lattice.raft.Role;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The admin Cluster service (cluster.proto) on top of a {@link RaftNode}. Like {@link KvService} it
 * never blocks a gRPC thread: each call completes from its future's callback; failures go through
 * {@link ApiErrors} (the node's reasons pass unchanged; unknown or duplicate
 * members are caught here first as NOT_FOUND / ALREADY_EXISTS / NOT_A_VOTER).
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  /** The software version reported by Status. */
  public static final String VERSION = buildVersion();

  private static final long HASH_POLL_MILLIS = 10;

  private final RaftNode<KvStateMachine> node;
  /** Reported in Status; null: not reported (the field is left absent). */
  private final Security security;

  /** A Cluster service whose Status does not report the member's security. */
  public ClusterService(RaftNode<KvStateMachine> node) {
    this(node, null);
  }

  /**
   * @param security how the member was started, reported in every Status ({@link #security}); null:
   *     not reported
   */
  public ClusterService(RaftNode<KvStateMachine> node, Security security) {
    this.node = Objects.requireNonNull(node, "node");
    this.security = security;
  }

  /**
   * The Status {@code security} of a member: TLS on both listeners or neither (a node has all its
   * certificates or --insecure), client certificates required or not.
   */
  public static Security security(boolean tls, boolean clientCertAuth) {
    return Security.newBuilder().setClientTls(tls).setPeerTls(tls)
        .setClientCertAuth(tls && clientCertAuth).build();
  }

  /** The build's version (version.properties, filtered by Maven), as the CLI reports its own. */
  private static String buildVersion() {
    try (java.io.InputStream in = ClusterService.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "development";
      }
      java.util.Properties p = new java.util.Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      return v.isEmpty() || v.startsWith("${") ? "development" : v;
    } catch (java.io.IOException e) {
      return "development";
    }
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
    complete(node.status(), out, s -> {
      StatusResponse.Builder b = StatusResponse.newBuilder()
          .setHeader(Responses.header(node, node.header(), s.appliedIndex()))
          .setMemberId(s.id())
          .setRole(role(s.role(), s.membership(), s.id()))
          .setTerm(s.term())
          .setLeaderId(Responses.nz(s.leaderId()))
          .setLeaderAddress(Responses.nz(s.leaderAddress()))
          .setCommitIndex(s.commitIndex())
          .setAppliedIndex(s.appliedIndex())
          .setLogFirstIndex(s.logLastIndex() == 0 ? 0 : s.logFirstIndex())
          .setLogLastIndex(s.logLastIndex())
          .setLogBytes(s.logBytes())
          .setSnapshotIndex(s.snapshotIndex())
          .setSnapshotTerm(s.snapshotTerm())
          .setClusterId(Responses.nz(node.config().clusterId()))
          .setVersion(VERSION)
          .setAddress(clientAddress(s.membership(), s.id(),
              node.config().clientAddress()))
          .setPeerAddress(peerAddress(s.membership(), s.id(), node.config().peerAddress()))
          .setDiskFreeBytes(s.diskFreeBytes() == Long.MAX_VALUE ? 0 : s.diskFreeBytes())
          .setProcessCpuSeconds(ProcessUsage.cpuSeconds())
          .setResidentMemoryBytes(ProcessUsage.residentBytes())
          .setProcessThreads(ProcessUsage.threads());
      if (security != null) {
        b.setSecurity(security);
      }
      for (DiskSpaceMonitor.Alarm a : s.alarms()) {
        b.addAlarms(Alarm.newBuilder().setType(Alarm.Type.valueOf(a.type().name()))
            .setDetail(a.detail()));
      }
      if (s.role() == Role.LEADER) {
        for (NodeStatus.PeerLag p : s.peers()) {
          if (p.id().equals(s.id())) {
            continue;
          }
          b.addPeers(PeerProgress.newBuilder()
              .setId(p.id())
              .setPeerAddress(peerAddress(s.membership(), p.id(), ""))
              .setAddress(clientAddress(s.membership(), p.id(), ""))
              .setMatchIndex(p.matchIndex())
              .setNextIndex(p.nextIndex())
              .setLagEntries(p.lag())
              .setState(state(p.state()))
              .setIsLearner(!p.voter())
              .setLastContactMillisAgo(p.lastContactMillis() < 0 ? -1 : p.lastContactMillis())
              .setReachable(p.recentActive()));
        }
      }
      return b.build();
    });
  }

  @Override
  public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
    complete(node.memberList(), out, m -> {
      RaftNode.Header h = node.header();
      return MemberListResponse.newBuilder().setHeader(Responses.header(node, h, 0))
          .addAllMembers(Responses.members(m, h.leaderId())).build();
    });
  }

  @Override
  public void memberAdd(MemberAddRequest req, StreamObserver<MemberAddResponse> out) {
    try {
      RaftNode.Header h = node.header();
      if (req.getId().isEmpty()) {
        throw invalid("id must not be empty", h);
      }
      if (req.getPeerAddress().isEmpty()) {
        throw invalid("the peer address must not be empty (where the other members reach the new "
            + "member: its --listen-peer)", h);
      }
      if (req.getPeerAddress().equals(req.getClientAddress())) {
        throw invalid("the peer address and the client address must differ (" + req.getPeerAddress()
            + "): a member serves peers and clients on separate listeners", h);
      }
      if (h.role() == Role.LEADER && h.membership() != null) {
        if (h.membership().contains(req.getId())) {
          throw ApiErrors.error(Reason.ALREADY_EXISTS,
              "member '" + req.getId() + "' is already in the configuration", h);
        }
        for (Member m : h.membership().members().values()) {
          if (m.peerAddress().equals(req.getPeerAddress())) {
            throw ApiErrors.error(Reason.ALREADY_EXISTS, "peer address " + req.getPeerAddress()
                + " is already used by member '" + m.id() + "'", h);
          }
          if (!req.getClientAddress().isEmpty()
              && m.clientAddress().equals(req.getClientAddress())) {
            throw ApiErrors.error(Reason.ALREADY_EXISTS, "client address "
                + req.getClientAddress() + " is already used by member '" + m.id() + "'", h);
          }
        }
      }
      complete(node.addMember(req.getId(), req.getPeerAddress(), req.getClientAddress(),
          req.getStayLearner()), out,
          m -> {
            RaftNode.Header now = node.header();
            MemberAddResponse.Builder b = MemberAddResponse.newBuilder()
                .setHeader(Responses.header(node, now, 0))
                .addAllMembers(Responses.members(m, now.leaderId()));
            Member added = m.member(req.getId());
            if (added != null) {
              b.setMember(Responses.member(added, now.leaderId()));
            }
            return b.build();
          });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void memberPromote(MemberPromoteRequest req, StreamObserver<MemberPromoteResponse> out) {
    try {
      RaftNode.Header h = node.header();
      checkKnown(req.getId(), h);
      if (h.role() == Role.LEADER && h.membership() != null
          && h.membership().isVoter(req.getId())) {
        throw ApiErrors.error(Reason.INVALID_MEMBERSHIP_CHANGE,
            "member '" + req.getId() + "' is already a voter", h);
      }
      complete(node.promoteMember(req.getId()), out, m -> {
        RaftNode.Header now = node.header();
        return MemberPromoteResponse.newBuilder().setHeader(Responses.header(node, now, 0))
            .addAllMembers(Responses.members(m, now.leaderId())).build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void memberRemove(MemberRemoveRequest req, StreamObserver<MemberRemoveResponse> out) {
    try {
      RaftNode.Header h = node.header();
      checkKnown(req.getId(), h);
      complete(node.removeMember(req.getId()), out, m -> {
        RaftNode.Header now = node.header();
        return MemberRemoveResponse.newBuilder().setHeader(Responses.header(node, now, 0))
            .addAllMembers(Responses.members(m, now.leaderId())).build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void transferLeader(TransferLeaderRequest req,
      StreamObserver<TransferLeaderResponse> out) {
    try {
      RaftNode.Header h = node.header();
      String target = req.getTargetId().isEmpty() ? null : req.getTargetId();
      if (target != null) {
        checkKnown(target, h);
        if (h.role() == Role.LEADER && h.membership() != null
            && h.membership().isLearner(target)) {
          throw ApiErrors.error(Reason.NOT_A_VOTER,
              "member '" + target + "' is a learner and cannot lead", h);
        }
      }
      complete(node.transferLeadership(target), out, leader -> {
        RaftNode.Header now = node.header();
        return TransferLeaderResponse.newBuilder().setHeader(Responses.header(node, now, 0))
            .setNewLeaderId(Responses.nz(leader)).setTerm(now.term()).build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void snapshot(SnapshotRequest req, StreamObserver<SnapshotResponse> out) {
    complete(node.snapshotNow(), out, meta -> SnapshotResponse.newBuilder()
        .setHeader(Responses.header(node, node.header(), meta.index()))
        .setSnapshotIndex(meta.index()).setSnapshotTerm(meta.term()).build());
  }

  @Override
  public void snapshotSave(SnapshotSaveRequest req, StreamObserver<SnapshotSaveChunk> out) {
    ServerCallStreamObserver<SnapshotSaveChunk> call =
        (ServerCallStreamObserver<SnapshotSaveChunk>) out;
    // gRPC takes the stream's handlers only during this call: attach first, stream later.
    BackupStream stream = BackupStream.attach(call);
    node.backupSnapshot().whenComplete((source, t) -> {
      if (t != null) {
        stream.fail(ApiErrors.toStatus(t, node.header()));
        return;
      }
      stream.begin(source, Responses.header(node, node.header(), source.meta().index()),
          node.config().clusterId(), VERSION);
    });
  }

  /** Hash, index and key count of one state (checked by comparing the two hashes). */
  private record HashAt(long hash, long appliedIndex, long keyCount) {}

  @Override
  public void hash(HashRequest req, StreamObserver<HashResponse> out) {
    Deadline d = Context.current().getDeadline();
    long deadlineNanos = System.nanoTime() + (d != null ? d.timeRemaining(TimeUnit.NANOSECONDS)
        : TimeUnit.MILLISECONDS.toNanos(node.config().requestTimeoutMillis()));
    complete(hashAt(req.getWaitForIndex(), deadlineNanos), out,
        r -> HashResponse.newBuilder()
            .setHeader(Responses.header(node, node.header(), r.appliedIndex()))
            .setHash(r.hash()).setAppliedIndex(r.appliedIndex()).setKeyCount(r.keyCount())
            .build());
  }

  private CompletableFuture<HashAt> hashAt(long waitFor, long deadlineNanos) {
    // The loop only takes an immutable view (O(1)) with the applied index it reflects; hash and
    // key count are computed from that one view in the node's scan lane.
    CompletableFuture<HashAt> taken = node.readView(ReadConsistency.STALE, QueryLane.SCAN,
        KvStateMachine::view,
        (view, applied) -> new HashAt(view.hash(), applied, view.keyCount()));
    return taken.thenCompose(h -> {
      if (h.appliedIndex() >= waitFor) {
        return CompletableFuture.completedFuture(h);
      }
      if (System.nanoTime() - deadlineNanos > 0) {
        return CompletableFuture.failedFuture(new NodeException(Reason.TIMEOUT,
            "applied index " + h.appliedIndex() + " did not reach " + waitFor + " in time"));
      }
      Executor later = CompletableFuture.delayedExecutor(HASH_POLL_MILLIS, TimeUnit.MILLISECONDS);
      return CompletableFuture.supplyAsync(() -> null, later)
          .thenCompose(x -> hashAt(waitFor, deadlineNanos));
    });
  }

  // ---------------------------------------------------------------------------------- plumbing

  private <R, T> void complete(CompletableFuture<R> f, StreamObserver<T> out,
      Function<R, T> build) {
    f.whenComplete(callback(out, build));
  }

  private <R, T> BiConsumer<R, Throwable> callback(StreamObserver<T> out,
      Function<R, T> build) {
    return (r, t) -> {
      if (t != null) {
        Responses.fail(out, ApiErrors.toStatus(t, node.header()));
        return;
      }
      T response;
      try {
        response = build.apply(r);
      } catch (RuntimeException e) {
        Responses.fail(out, ApiErrors.toStatus(e, node.header()));
        return;
      }
      Responses.send(out, response);
    };
  }

  private void checkKnown(String id, RaftNode.Header h) {
    if (id.isEmpty()) {
      throw invalid("id must not be empty", h);
    }
    if (h.role() == Role.LEADER && h.membership() != null && !h.membership().contains(id)) {
      throw ApiErrors.error(Reason.NOT_FOUND,
          "no member '" + id + "' in the configuration", h);
    }
  }

  private static StatusRuntimeException invalid(String message, RaftNode.Header h) {
    return ApiErrors.error(Reason.INVALID_ARGUMENT, message, h);
  }

  private static io.lattice.proto.v1.Role role(Role r, Membership m, String self) {
    if (m != null && m.isLearner(self)) {
      return io.lattice.proto.v1.Role.LEARNER;
    }
    switch (r) {
      case LEADER:
        return io.lattice.proto.v1.Role.LEADER;
      case CANDIDATE:
        return io.lattice.proto.v1.Role.CANDIDATE;
      case PRE_CANDIDATE:
        return io.lattice.proto.v1.Role.PRE_CANDIDATE;
      default:
        return io.lattice.proto.v1.Role.FOLLOWER;
    }
  }

  private static PeerProgress.State state(Progress.State s) {
    switch (s) {
      case REPLICATE:
        return PeerProgress.State.REPLICATE;
      case SNAPSHOT:
        return PeerProgress.State.SNAPSHOT;
      default:
        return PeerProgress.State.PROBE;
    }
  }

  /** Member {@code id}'s client address in {@code m}, else {@code fallback}. */
  private static String clientAddress(Membership m, String id, String fallback) {
    Member member = m == null ? null : m.member(id);
    return member == null || member.clientAddress().isEmpty() ? fallback : member.clientAddress();
  }

  /** Member {@code id}'s peer address in {@code m}, else {@code fallback}. */
  private static String peerAddress(Membership m, String id, String fallback) {
    Member member = m == null ? null : m.member(id);
    return member == null || member.peerAddress().isEmpty() ? fallback : member.peerAddress();
  }
}
