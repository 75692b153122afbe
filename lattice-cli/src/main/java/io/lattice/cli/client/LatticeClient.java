package io.lattice.cli.client;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.cli.client.ClientException.Outcome;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.ClusterGrpc;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
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
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.ResponseHeader;
import io.lattice.proto.v1.SnapshotRequest;
import io.lattice.proto.v1.SnapshotResponse;
import io.lattice.proto.v1.StatusRequest;
import io.lattice.proto.v1.StatusResponse;
import io.lattice.proto.v1.TransferLeaderRequest;
import io.lattice.proto.v1.TransferLeaderResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p><b>Exactly once.</b> Every KV write carries this client's session and a new sequence number;
 * a retry resends the same number, so a write that was applied before the retry is not applied
 * again (the node answers with the first result). When the outcome stays unknown at the deadline,
 * the call fails with {@link Outcome#INDETERMINATE}; when it certainly had no effect, with {@link
 * Outcome#UNAVAILABLE}. Membership changes and leadership transfers have no session: they are
 * retried only after errors that say they had no effect, and fail as INDETERMINATE at once when
 * their outcome is unknown.
 *
 * <p>Thread-safe for concurrent calls, but sequence numbers are only safe for one write at a time
 * (a node opens a session only once sequence 1 is applied).
 */
public final class LatticeClient implements AutoCloseable {
  private static final long FIRST_BACKOFF_MILLIS = 20;
  private static final long MAX_BACKOFF_MILLIS = 250;

  private final List<String> endpoints;
  private final Duration timeout;
  private final Channels channels = new Channels(1);
  private final Map<String, ManagedChannel> byAddress = new HashMap<>();
  private final WriteSession session = new WriteSession();
  private volatile String leaderHint;
  private int preferred;

  /** A client for {@code endpoints} ({@code host:port}, at least one) with a per-call timeout. */
  public LatticeClient(List<String> endpoints, Duration timeout) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint is required");
    }
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
  }

  public List<String> endpoints() {
    return endpoints;
  }

  public Duration timeout() {
    return timeout;
  }

  /** The channel to {@code address}, opened on first use and kept until {@link #close()}. */
  public synchronized ManagedChannel channel(String address) {
    return byAddress.computeIfAbsent(address, channels::open);
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

  /** Reads one key; stale reads go to any endpoint, the others to the leader. */
  public GetResponse get(GetRequest req) {
    return read("get", route(req.getConsistency()), ch -> kv(ch).get(req));
  }

  /** Reads a range; stale reads go to any endpoint, the others to the leader. */
  public RangeResponse range(RangeRequest req) {
    return read("range", route(req.getConsistency()), ch -> kv(ch).range(req));
  }

  // ---------------------------------------------------------------------------------- Cluster

  /**
   * The status of the member at {@code address}: one attempt, since no other member can answer for
   * it.
   */
  public StatusResponse statusOf(String address) {
    try {
      return remember(admin(channel(address), remainingOf(deadline())).status(
          StatusRequest.getDefaultInstance()), address, true);
    } catch (StatusRuntimeException e) {
      RpcError err = RpcError.of(e);
      throw new ClientException(outcomeOfFinal(err), err.describe(address), e);
    }
  }

  /** The configuration as seen by the first endpoint that answers. */
  public MemberListResponse memberList() {
    return read("member list", Route.ANY,
        ch -> admin(ch).memberList(MemberListRequest.getDefaultInstance()));
  }

  /** Adds a member (at the leader); it stays a learner only if {@code stayLearner}. */
  public MemberAddResponse memberAdd(String id, String address, boolean stayLearner) {
    MemberAddRequest req = MemberAddRequest.newBuilder().setId(id).setAddress(address)
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
      return remember(admin(channel(address), remainingOf(deadline()))
          .snapshot(SnapshotRequest.getDefaultInstance()), address, false);
    } catch (StatusRuntimeException e) {
      RpcError err = RpcError.of(e);
      throw new ClientException(outcomeOfFinal(err), err.describe(address), e);
    }
  }

  /**
   * The status of the leader, found by asking the endpoints (and the leader they name) until one
   * is known or the timeout passes.
   */
  public StatusResponse leaderStatus() {
    long deadline = deadline();
    String last = "no endpoint answered";
    long backoff = FIRST_BACKOFF_MILLIS;
    while (true) {
      List<String> order = new ArrayList<>();
      String hint = leaderHint;
      if (hint != null) {
        order.add(hint);
      }
      order.addAll(endpoints);
      for (String address : order) {
        if (System.nanoTime() - deadline > 0) {
          throw new ClientException(Outcome.UNAVAILABLE,
              "no leader found within " + human(timeout) + " (" + last + ")", null);
        }
        try {
          StatusResponse s = admin(channel(address), remainingOf(deadline))
              .status(StatusRequest.getDefaultInstance());
          if (s.getRole() == io.lattice.proto.v1.Role.LEADER) {
            return remember(s, address, true);
          }
          if (!s.getLeaderAddress().isEmpty() && !s.getLeaderAddress().equals(address)) {
            leaderHint = s.getLeaderAddress();
          }
          last = s.getMemberId() + " knows no leader";
        } catch (StatusRuntimeException e) {
          RpcError err = RpcError.of(e);
          checkCancelled(err, e);
          last = err.describe(address);
          if (address.equals(leaderHint)) {
            leaderHint = null;
          }
        }
      }
      backoff = sleep(backoff, deadline);
    }
  }

  /**
   * Waits (within the timeout) until member {@code id} reports itself leader; returns its status.
   *
   * @throws ClientException UNAVAILABLE naming who leads instead, if it does not happen in time
   */
  public StatusResponse awaitLeader(String id) {
    long deadline = deadline();
    long backoff = FIRST_BACKOFF_MILLIS;
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
      backoff = sleep(backoff, deadline);
    }
  }

  /** The address of member {@code id} in the configuration, or null if there is no such member. */
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
   * leader seen is asked first); null if none answers. Never retries: for prompts and hints.
   */
  public ResponseHeader peekLeader(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    List<String> order = new ArrayList<>();
    String hint = leaderHint;
    if (hint != null) {
      order.add(hint);
    }
    order.addAll(endpoints);
    for (String address : order) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        StatusResponse s = admin(channel(address), left).status(StatusRequest.getDefaultInstance());
        remember(s, address, true);
        return s.getHeader();
      } catch (StatusRuntimeException e) {
        forgetLeader(address);
      }
    }
    return null;
  }

  @Override
  public void close() {
    channels.close();
  }

  // --------------------------------------------------------------------------------- plumbing

  private enum Route { LEADER, ANY }

  private static Route route(ReadConsistency c) {
    return c == ReadConsistency.STALE ? Route.ANY : Route.LEADER;
  }

  private static KVGrpc.KVBlockingStub kv(Attempt a) {
    return KVGrpc.newBlockingStub(a.channel).withDeadlineAfter(a.remainingNanos,
        TimeUnit.NANOSECONDS);
  }

  private static ClusterGrpc.ClusterBlockingStub admin(Attempt a) {
    return ClusterGrpc.newBlockingStub(a.channel).withDeadlineAfter(a.remainingNanos,
        TimeUnit.NANOSECONDS);
  }

  private static ClusterGrpc.ClusterBlockingStub admin(ManagedChannel ch, long remainingNanos) {
    return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(remainingNanos,
        TimeUnit.NANOSECONDS);
  }

  /** One try of a call: where it goes and how long it may take. */
  private record Attempt(ManagedChannel channel, long remainingNanos) {}

  /** What a call does to the cluster, which decides what a retry may do. */
  private enum Kind {
    /** Changes nothing: always safe to retry. */
    READ,
    /** A KV write with a session: a retry with the same sequence number is applied at most once. */
    WRITE,
    /** A change without a session (membership, leadership): retried only if it had no effect. */
    CHANGE
  }

  private <T> T read(String what, Route route, Function<Attempt, T> rpc) {
    return call(what, route, Kind.READ, null, (a, ignored) -> rpc.apply(a));
  }

  private <T> T change(String what, Function<Attempt, T> rpc) {
    return call(what, Route.LEADER, Kind.CHANGE, null, (a, ignored) -> rpc.apply(a));
  }

  private <Q, T> T write(String what, Function<ClientSession, Q> request,
      BiFunction<Attempt, Q, T> rpc) {
    return call(what, Route.LEADER, Kind.WRITE, request, rpc);
  }

  /**
   * Runs {@code rpc} until it succeeds, fails for good, or the deadline passes. For a write,
   * {@code request} builds the request for a session; the same request (same sequence number) is
   * resent on every retry.
   */
  private <Q, T> T call(String what, Route route, Kind kind,
      Function<ClientSession, Q> request, BiFunction<Attempt, Q, T> rpc) {
    long deadline = deadline();
    Q req = request == null ? null : request.apply(session.next());
    boolean maybeApplied = false;
    boolean renewed = false;
    String lastError = null;
    long backoff = FIRST_BACKOFF_MILLIS;
    int failedInARow = 0;
    String target = null;
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        throw timedOut(what, maybeApplied, lastError);
      }
      if (target == null) {
        String hint = leaderHint;
        target = route == Route.LEADER && hint != null ? hint : nextEndpoint();
      }
      String address = target;
      try {
        return remember(rpc.apply(new Attempt(channel(address), remaining), req), address,
            route == Route.LEADER);
      } catch (StatusRuntimeException e) {
        RpcError err = RpcError.of(e);
        checkCancelled(err, e);
        lastError = err.describe(address);
        ErrorInfo.Reason reason = err.reason();
        target = null;
        switch (reason) {
          case NOT_LEADER -> {
            String leader = err.leaderAddress();
            if (!leader.isEmpty() && !leader.equals(address)) {
              leaderHint = leader;
              target = leader;
              if (++failedInARow % 4 != 0) {
                continue; // follow the hint at once; back off only if hints go round in circles
              }
            } else {
              leaderHint = null;
              skipEndpoint(address);
            }
          }
          case INDETERMINATE, INTERNAL -> {
            // errors.proto: INTERNAL on a write is to be treated like INDETERMINATE
            if (kind == Kind.READ) {
              throw new ClientException(Outcome.FAILED, lastError, e);
            }
            maybeApplied = true;
            if (kind == Kind.CHANGE || reason == ErrorInfo.Reason.INTERNAL) {
              throw new ClientException(Outcome.INDETERMINATE, lastError, e);
            }
            // resend with the same sequence number (applied at most once), to the leader if named
            if (!err.leaderAddress().isEmpty()) {
              leaderHint = err.leaderAddress();
            }
          }
          case UNAVAILABLE, TRANSFER_IN_PROGRESS, MEMBERSHIP_CHANGE_IN_PROGRESS,
              SNAPSHOT_IN_PROGRESS, OVERLOADED, TIMEOUT -> target = address; // had no effect
          case SHUTTING_DOWN -> {
            forgetLeader(address);
            skipEndpoint(address);
          }
          case SESSION_EXPIRED -> {
            if (kind != Kind.WRITE || maybeApplied || renewed) {
              throw new ClientException(maybeApplied ? Outcome.INDETERMINATE : Outcome.FAILED,
                  lastError + (maybeApplied ? " (the write's outcome cannot be checked)" : ""),
                  e);
            }
            // The session's first write never reached the log: no write of it was applied, so
            // this one may start a new session.
            renewed = true;
            req = request.apply(session.renew());
            target = address;
            continue;
          }
          case REASON_UNSPECIFIED -> {
            if (err.code() == Status.Code.UNAVAILABLE) {
              if (kind != Kind.READ && !err.neverSent()) {
                // the connection broke after the request may have left
                maybeApplied = true;
                if (kind == Kind.CHANGE) {
                  throw new ClientException(Outcome.INDETERMINATE, what + " may or may not have "
                      + "been applied: " + lastError, e);
                }
              }
              forgetLeader(address);
              skipEndpoint(address);
              if (++failedInARow % endpoints.size() != 0) {
                continue; // try the next endpoint at once; back off after a full round
              }
            } else if (err.code() == Status.Code.DEADLINE_EXCEEDED) {
              maybeApplied |= kind != Kind.READ; // it was sent and never answered
              throw timedOut(what, maybeApplied, lastError);
            } else {
              throw new ClientException(maybeApplied ? Outcome.INDETERMINATE : Outcome.FAILED,
                  lastError, e);
            }
          }
          default -> throw new ClientException(
              maybeApplied ? Outcome.INDETERMINATE : outcomeOfFinal(err), lastError, e);
        }
        backoff = sleep(backoff, deadline);
      }
    }
  }

  private static Outcome outcomeOfFinal(RpcError err) {
    if (err.reason() == ErrorInfo.Reason.NOT_FOUND) {
      return Outcome.NOT_FOUND;
    }
    if (err.code() == Status.Code.UNAVAILABLE || err.code() == Status.Code.DEADLINE_EXCEEDED) {
      return Outcome.UNAVAILABLE;
    }
    if (err.reason() == ErrorInfo.Reason.INDETERMINATE) {
      return Outcome.INDETERMINATE;
    }
    return Outcome.FAILED;
  }

  private static void checkCancelled(RpcError err, StatusRuntimeException e) {
    if (err.code() == Status.Code.CANCELLED || Thread.currentThread().isInterrupted()) {
      throw new ClientException(Outcome.CANCELLED, "cancelled", e);
    }
  }

  private ClientException timedOut(String what, boolean maybeApplied, String lastError) {
    String last = lastError == null ? "" : " (last error: " + lastError + ")";
    if (maybeApplied) {
      return new ClientException(Outcome.INDETERMINATE, what + " did not complete within "
          + human(timeout) + "; it may or may not have been applied" + last, null);
    }
    return new ClientException(Outcome.UNAVAILABLE, what + ": no leader reachable within "
        + human(timeout) + last, null);
  }

  private synchronized String nextEndpoint() {
    return endpoints.get(preferred % endpoints.size());
  }

  private synchronized void skipEndpoint(String address) {
    if (endpoints.get(preferred % endpoints.size()).equals(address)) {
      preferred = (preferred + 1) % endpoints.size();
    }
  }

  private void forgetLeader(String address) {
    if (address.equals(leaderHint)) {
      leaderHint = null;
    }
  }

  /** Notes the response header: its leader becomes the hint for the next leader-bound call. */
  private <T> T remember(T response, String address, boolean learnLeader) {
    if (response instanceof Message m) {
      Descriptors.FieldDescriptor f = m.getDescriptorForType().findFieldByName("header");
      if (f != null && m.hasField(f)) {
        ResponseHeader h = (ResponseHeader) m.getField(f);
        if (learnLeader && !h.getLeaderAddress().isEmpty()) {
          leaderHint = h.getLeaderAddress();
        }
      }
    }
    return response;
  }

  private long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  private static long remainingOf(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  /** Sleeps for {@code backoff} (capped by the deadline) and returns the next back-off. */
  private static long sleep(long backoff, long deadline) {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    try {
      Thread.sleep(Math.max(0, Math.min(backoff, left)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException(Outcome.CANCELLED, "cancelled", e);
    }
    return Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
  }

  /** A duration as people write it: 5s, 250ms, 1.5s. */
  public static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return ms < 1000 ? ms + "ms" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
