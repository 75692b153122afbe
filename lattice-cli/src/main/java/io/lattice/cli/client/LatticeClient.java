package io.lattice.cli.client;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.cli.client.ClientException.Outcome;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.CloseSessionRequest;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.HashRequest;
import io.lattice.proto.v1.HashResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.MemberAddRequest;
import io.lattice.proto.v1.MemberAddResponse;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.MemberListRequest;
import io.lattice.proto.v1.MemberListResponse;
import io.lattice.proto.v1.MemberPromoteRequest;
import io.lattice.proto.v1.MemberPromoteResponse;
import io.lattice.proto.v1.MemberRemoveRequest;
import io.lattice.proto.v1.MemberRemoveResponse;
import io.lattice.proto.v1.OpenSessionRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.SnapshotRequest;
import io.lattice.proto.v1.SnapshotSaveChunk;
import io.lattice.proto.v1.SnapshotSaveRequest;
import io.lattice.proto.v1.SnapshotResponse;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TransferLeaderRequest;
import io.lattice.proto.v1.TransferLeaderResponse;
import io.lattice.proto.v1.TxnRequest;
import io.lattice.proto.v1.TxnResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The Lattice client: one channel per endpoint, on an event loop it owns, reused for every call
 * until {@link #close()}.
 *
 * <p><b>Routing.</b> Writes, linearizable and lease reads and membership changes go to the leader:
 * the client starts with the last leader it learned of (from any response header or NOT_LEADER
 * error), else walks the endpoints, and follows NOT_LEADER hints. Stale reads and status go to any
 * endpoint. An endpoint that cannot be reached is skipped.
 *
 * <p><b>Deadline.</b> Each call, with all its retries, gets the configured timeout. Requests that
 * had no effect (NOT_LEADER, no leader during an election, a transfer in progress, a refused
 * connection) are retried with a short back-off until then.
 *
 * <p><b>Exactly once.</b> The first KV write opens a session (OpenSession: a committed
 * registration whose log index is the session's id); every write carries it and a new sequence
 * number, and a retry resends the same number, so a write that was applied before the retry is not
 * applied again (the node answers with the first result). A client that only reads opens no
 * session. OpenSession itself is retried whatever its outcome: a registration whose answer was lost
 * leaves an unused session behind, which the cluster drops once it has been idle for the session
 * TTL (or evicts sooner when its session table is full), and costs nothing else. When the cluster
 * answers that it no longer knows the session (SESSION_EXPIRED), the write goes again in a new
 * session only if none of its attempts can have been applied; otherwise it fails as {@link
 * Outcome#INDETERMINATE}, never re-sent under another session. When the outcome stays unknown at
 * the deadline, the call fails with {@link Outcome#INDETERMINATE}; when it certainly had no effect,
 * with {@link Outcome#UNAVAILABLE}. {@link #close()} closes the session (best effort, within a
 * short budget). Membership changes and leadership transfers have no session: they are retried
 * only after errors that say they had no effect, and fail as INDETERMINATE at once when their
 * outcome is unknown.
 *
 * <p>Thread-safe for concurrent calls, but sequence numbers are only safe for one write at a time
 * (a session forgets every result but the highest unless told what was acknowledged).
 */
public final class LatticeClient implements AutoCloseable {
  /** The most {@link #close()} waits for the session to be closed. */
  static final Duration CLOSE_SESSION_BUDGET = Duration.ofSeconds(1);

  private final Router router;
  private final Duration timeout;
  private final Calls calls;

  /** A plaintext client for {@code endpoints} ({@code host:port}, at least one). */
  public LatticeClient(List<String> endpoints, Duration timeout) {
    this(endpoints, timeout, null);
  }

  /**
   * A client for {@code endpoints} ({@code host:port}, at least one) with a per-call timeout,
   * dialling TLS with {@code tls}, or plaintext when it is null.
   */
  public LatticeClient(List<String> endpoints, Duration timeout, ClientTls tls) {
    this.router = new Router(endpoints, tls);
    this.timeout = timeout;
    this.calls = new Calls(router, timeout, new WriteSession(), new Calls.SessionRpcs() {
      @Override
      public io.lattice.proto.v1.OpenSessionResponse open(Calls.Attempt a) {
        return kv(a).openSession(OpenSessionRequest.getDefaultInstance());
      }

      @Override
      public io.lattice.proto.v1.CloseSessionResponse close(Calls.Attempt a, long id) {
        return kv(a).closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
      }
    });
  }

  public List<String> endpoints() {
    return router.endpoints();
  }

  public Duration timeout() {
    return timeout;
  }

  /** How this client dials: null for plaintext. */
  public ClientTls tls() {
    return router.tls();
  }

  /** New channels on {@code threads} event loop threads that dial as this client does. */
  public Channels newChannels(int threads) {
    return new Channels(threads, router.tls());
  }

  /** The channel to {@code address}, opened on first use and kept until {@link #close()}. */
  public ManagedChannel channel(String address) {
    return router.channel(address);
  }

  // --------------------------------------------------------------------------------------- KV

  /** The API's read consistency named {@code name} (any case): linearizable, lease or stale. */
  public static ReadConsistency consistency(String name) {
    return ReadConsistency.valueOf(name.toUpperCase(java.util.Locale.ROOT));
  }

  /** Puts {@code req} (its session is set here) at the leader, exactly once. */
  public PutResponse put(PutRequest req) {
    return write("put", s -> req.toBuilder().setSession(s).build(),
        (ch, r) -> kv(ch).put(r));
  }

  /** Deletes per {@code req} (its session is set here) at the leader, exactly once. */
  public DeleteResponse delete(DeleteRequest req) {
    return write("delete", s -> req.toBuilder().setSession(s).build(),
        (ch, r) -> kv(ch).delete(r));
  }

  /** Compare-and-swap per {@code req} (its session is set here) at the leader, exactly once. */
  public CompareAndSwapResponse compareAndSwap(CompareAndSwapRequest req) {
    return write("compare-and-swap", s -> req.toBuilder().setSession(s).build(),
        (ch, r) -> kv(ch).compareAndSwap(r));
  }

  /** Runs the transaction {@code req} (its session is set here) at the leader, exactly once. */
  public TxnResponse txn(TxnRequest req) {
    return write("txn", s -> req.toBuilder().setSession(s).build(),
        (ch, r) -> kv(ch).txn(r));
  }

  /** Reads one key; stale reads go to any endpoint, the others to the leader. */
  public GetResponse get(GetRequest req) {
    return read("get", toLeader(req.getConsistency()), ch -> kv(ch).get(req));
  }

  /** Reads a range; stale reads go to any endpoint, the others to the leader. */
  public RangeResponse range(RangeRequest req) {
    return read("range", toLeader(req.getConsistency()), ch -> kv(ch).range(req));
  }

  // ---------------------------------------------------------------------------------- Cluster

  /**
   * The status of the member at {@code address}: one attempt, since no other member can answer for
   * it.
   */
  public StatusResponse statusOf(String address) {
    try {
      return router.learn(admin(channel(address), Calls.remainingOf(deadline())).status(
          StatusRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      router.checkDenied(e, address, AccessErrors.Need.READ);
      RpcError err = RpcError.of(e);
      throw new ClientException(Calls.outcomeOfFinal(err), err.describe(address), e);
    }
  }

  /**
   * The state hash of the member at {@code address} (one attempt): at its applied index, after
   * waiting (within the timeout) until it has applied {@code waitForIndex} if that is not 0.
   */
  public HashResponse hashOf(String address, long waitForIndex) {
    try {
      return router.learn(admin(channel(address), Calls.remainingOf(deadline())).hash(
          HashRequest.newBuilder().setWaitForIndex(waitForIndex).build()));
    } catch (StatusRuntimeException e) {
      router.checkDenied(e, address, AccessErrors.Need.READ);
      RpcError err = RpcError.of(e);
      throw new ClientException(Calls.outcomeOfFinal(err), err.describe(address), e);
    }
  }

  /** The configuration as seen by the first endpoint that answers. */
  public MemberListResponse memberList() {
    return read("member list", false,
        ch -> admin(ch).memberList(MemberListRequest.getDefaultInstance()));
  }

  /**
   * Why no leader is known, in the cluster's terms ({@code n1 is up but has no leader (2 of 3
   * voters unreachable, no quorum)}), from the Status of the members that answer within a second
   * (or the timeout, if shorter).
   */
  public String whyNoLeader() {
    return NoLeaderDiagnosis.explain(router,
        timeout.compareTo(NoLeaderDiagnosis.BUDGET) < 0 ? timeout : NoLeaderDiagnosis.BUDGET);
  }

  /** Adds a member (at the leader); it stays a learner only if {@code stayLearner}. */
  public MemberAddResponse memberAdd(String id, String peerAddress, String clientAddress,
      boolean stayLearner) {
    MemberAddRequest req = MemberAddRequest.newBuilder().setId(id).setPeerAddress(peerAddress)
        .setClientAddress(clientAddress == null ? "" : clientAddress)
        .setStayLearner(stayLearner).build();
    return change("member add", ch -> admin(ch).memberAdd(req));
  }

  /** Promotes a learner (at the leader). */
  public MemberPromoteResponse memberPromote(String id) {
    MemberPromoteRequest req = MemberPromoteRequest.newBuilder().setId(id).build();
    return change("member promote", ch -> admin(ch).memberPromote(req));
  }

  /** Removes a member (at the leader). */
  public MemberRemoveResponse memberRemove(String id) {
    MemberRemoveRequest req = MemberRemoveRequest.newBuilder().setId(id).build();
    return change("member remove", ch -> admin(ch).memberRemove(req));
  }

  /** Moves leadership to {@code target} ("" = the most up-to-date follower), at the leader. */
  public TransferLeaderResponse transferLeader(String target) {
    TransferLeaderRequest req = TransferLeaderRequest.newBuilder().setTargetId(target).build();
    return change("leader transfer", ch -> admin(ch).transferLeader(req));
  }

  /** Makes the member at {@code address} take a snapshot now. */
  public SnapshotResponse snapshot(String address) {
    try {
      return router.learn(admin(channel(address), Calls.remainingOf(deadline()))
          .snapshot(SnapshotRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      router.checkDenied(e, address, AccessErrors.Need.ADMIN);
      RpcError err = RpcError.of(e);
      throw new ClientException(Calls.outcomeOfFinal(err), err.describe(address), e);
    }
  }

  /**
   * A backup stream from the leader at {@code address} ({@code SnapshotSave}), which may run for
   * up to {@code limit} (a large state takes longer than a one-shot call's timeout). Failures
   * surface from the iterator as {@link ClientException}s, mapped as every call's are.
   */
  public java.util.Iterator<SnapshotSaveChunk> snapshotSave(String address, Duration limit) {
    java.util.Iterator<SnapshotSaveChunk> it = ClusterGrpc.newBlockingStub(channel(address))
        .withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS)
        .snapshotSave(SnapshotSaveRequest.getDefaultInstance());
    return new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        try {
          return it.hasNext();
        } catch (StatusRuntimeException e) {
          throw mapped(e);
        }
      }

      @Override
      public SnapshotSaveChunk next() {
        try {
          return it.next();
        } catch (StatusRuntimeException e) {
          throw mapped(e);
        }
      }

      private ClientException mapped(StatusRuntimeException e) {
        router.checkDenied(e, address, AccessErrors.Need.ADMIN);
        RpcError err = RpcError.of(e);
        return new ClientException(Calls.outcomeOfFinal(err), err.describe(address), e);
      }
    };
  }

  /**
   * The status of the leader, found by asking the endpoints (and the leader they name) until one
   * is known or the timeout passes.
   */
  public StatusResponse leaderStatus() {
    long deadline = deadline();
    StatusRuntimeException last = null;
    long backoff = Calls.FIRST_BACKOFF_MILLIS;
    while (true) {
      for (String address : router.candidates()) {
        if (System.nanoTime() - deadline > 0) {
          throw new ClientException(Outcome.UNAVAILABLE, "no leader found within "
              + human(timeout) + ": " + NoLeaderDiagnosis.explain(router,
                  timeout.compareTo(NoLeaderDiagnosis.BUDGET) < 0 ? timeout
                      : NoLeaderDiagnosis.BUDGET), last);
        }
        try {
          StatusResponse s = admin(channel(address), Calls.remainingOf(deadline))
              .status(StatusRequest.getDefaultInstance());
          if (s.getRole() == io.lattice.proto.v1.Role.LEADER) {
            router.leaderAt(address);
            return s;
          }
          if (!s.getLeaderAddress().isEmpty() && !s.getLeaderAddress().equals(address)) {
            router.leaderAt(s.getLeaderAddress());
          }
        } catch (StatusRuntimeException e) {
          RpcError err = RpcError.of(e);
          Calls.checkCancelled(err, e);
          router.checkDenied(e, address, AccessErrors.Need.READ);
          last = e;
          router.forgetLeader(address);
        }
      }
      backoff = Calls.sleep(backoff, deadline);
    }
  }

  /**
   * Waits (within the timeout) until member {@code id} reports itself leader; returns its status.
   *
   * @throws ClientException UNAVAILABLE naming who leads instead, if it does not happen in time
   */
  public StatusResponse awaitLeader(String id) {
    long deadline = deadline();
    long backoff = Calls.FIRST_BACKOFF_MILLIS;
    while (true) {
      StatusResponse s = leaderStatus();
      if (s.getMemberId().equals(id)) {
        return s;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new ClientException(Outcome.UNAVAILABLE, id + " did not become leader within "
            + human(timeout) + " (" + s.getMemberId() + " leads in term " + s.getTerm() + ")",
            null);
      }
      backoff = Calls.sleep(backoff, deadline);
    }
  }

  /**
   * The client address of member {@code id} in the configuration (empty while the leader has not
   * published it yet), or null if there is no such member.
   */
  public String memberAddress(String id) {
    for (MemberInfo m : memberList().getMembersList()) {
      if (m.getId().equals(id)) {
        return m.getAddress();
      }
    }
    return null;
  }

  /**
   * The leader as the first member to answer a single Status within {@code max} knows it (the last
   * leader seen is asked first), confirmed: a leader named by another member is asked too (within
   * {@code max} again), and if it does not answer the header comes back with no leader, so that a
   * prompt never shows a leader that is gone (a follower names its old leader until its election
   * timeout, a learner until a new leader contacts it). If the named leader answers but no longer
   * leads, its own view is taken. Null if no member answers. Never retries: for prompts and hints.
   */
  public ResponseHeader peekLeader(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    StatusResponse s = null;
    String answered = null;
    for (String address : router.candidates()) {
      s = peekStatus(address, deadline);
      if (s != null) {
        answered = address;
        break;
      }
    }
    if (s == null) {
      return null;
    }
    java.util.Set<String> asked = new java.util.HashSet<>(List.of(answered));
    while (s.getRole() != io.lattice.proto.v1.Role.LEADER && !s.getLeaderAddress().isEmpty()
        && asked.add(s.getLeaderAddress())) {
      StatusResponse named = peekStatus(s.getLeaderAddress(), System.nanoTime() + max.toNanos());
      if (named == null) {
        router.forgetLeader(s.getLeaderAddress());
        return s.getHeader().toBuilder().clearLeaderId().clearLeaderAddress().build();
      }
      s = named;
    }
    return s.getHeader();
  }

  /** The Status of {@code address} by {@code deadline} (learning the leader it names); else null. */
  private StatusResponse peekStatus(String address, long deadline) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      return null;
    }
    try {
      StatusResponse s = admin(channel(address), left).status(StatusRequest.getDefaultInstance());
      router.learn(s);
      return s;
    } catch (StatusRuntimeException e) {
      router.forgetLeader(address);
      return null;
    }
  }

  /**
   * Up to {@code limit} keys that start with {@code prefix}, as the first endpoint to answer
   * within {@code max} has them (a stale read: for completion, where speed beats freshness); empty
   * if none answers. Never retries.
   */
  public List<ByteString> keysWithPrefix(ByteString prefix, int limit, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    RangeRequest req = RangeRequest.newBuilder().setPrefix(prefix).setLimit(limit)
        .setKeysOnly(true).setConsistency(ReadConsistency.STALE).build();
    for (String address : router.endpoints()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        RangeResponse r = KVGrpc.newBlockingStub(channel(address))
            .withDeadlineAfter(left, TimeUnit.NANOSECONDS).range(req);
        return r.getKvsList().stream().map(io.lattice.proto.v1.KeyValue::getKey).toList();
      } catch (StatusRuntimeException e) {
        // the next endpoint
      }
    }
    return List.of();
  }

  /**
   * Closes the write session, if one was opened (best effort, within {@link
   * #CLOSE_SESSION_BUDGET} or the timeout if shorter), then every channel.
   */
  @Override
  public void close() {
    try {
      calls.closeSession(timeout.compareTo(CLOSE_SESSION_BUDGET) < 0 ? timeout
          : CLOSE_SESSION_BUDGET);
    } finally {
      router.close();
    }
  }

  // --------------------------------------------------------------------------------- plumbing

  /** Stale reads may be served by any member; the other modes are best sent to the leader. */
  private static boolean toLeader(ReadConsistency c) {
    return c != ReadConsistency.STALE;
  }

  private static KVGrpc.KVBlockingStub kv(Calls.Attempt a) {
    return KVGrpc.newBlockingStub(a.channel()).withDeadlineAfter(a.remainingNanos(),
        TimeUnit.NANOSECONDS);
  }

  private static ClusterGrpc.ClusterBlockingStub admin(Calls.Attempt a) {
    return ClusterGrpc.newBlockingStub(a.channel()).withDeadlineAfter(a.remainingNanos(),
        TimeUnit.NANOSECONDS);
  }

  private static ClusterGrpc.ClusterBlockingStub admin(ManagedChannel ch, long remainingNanos) {
    return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(remainingNanos,
        TimeUnit.NANOSECONDS);
  }


  /** A duration as people write it: 5s, 250ms, 1.5s. */
  public static String human(Duration d) {
    return Calls.human(d);
  }

  private <T> T read(String what, boolean toLeader, Function<Calls.Attempt, T> rpc) {
    return calls.call(what, toLeader, Calls.Kind.READ, null, (a, ignored) -> rpc.apply(a));
  }

  private <T> T change(String what, Function<Calls.Attempt, T> rpc) {
    return calls.call(what, true, Calls.Kind.CHANGE, null, (a, ignored) -> rpc.apply(a));
  }

  private <Q, T> T write(String what, Function<ClientSession, Q> request,
      BiFunction<Calls.Attempt, Q, T> rpc) {
    return calls.call(what, true, Calls.Kind.WRITE, request, rpc);
  }

  private long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }
}
