package io.lattice.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.cli.client.ClientException.Outcome;
import io.lattice.errors.GrpcReasons;
import io.lattice.errors.Reason;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.CloseSessionResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.OpenSessionResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The retry policy of {@link LatticeClient}: runs one logical call, with all its retries, within
 * the timeout, deciding from each error's reason (errors.proto) whether the call had no effect
 * (retry, elsewhere if needed), may have been applied (retry only with the same session sequence
 * number), or failed for good. It also keeps the client's write session: opened by the first write
 * that needs it, renewed when the cluster no longer knows it and no attempt of the write can have
 * been applied, closed by {@link #closeSession}.
 */
final class Calls {
  static final long FIRST_BACKOFF_MILLIS = 20;
  static final long MAX_BACKOFF_MILLIS = 250;
  /**
   * An overloaded member (OVERLOADED: RESOURCE_EXHAUSTED) needs its clients to ease off more than
   * a leader election needs them to wait: the back-off keeps growing to this cap.
   */
  static final long MAX_OVERLOAD_BACKOFF_MILLIS = 1000;
  /**
   * After an overload refusal the next attempt gets at least this much time: the pause is cut
   * short for it, and when not even this is left the call ends at once as still overloaded. A
   * sliver of an attempt would only run into its deadline, turning a write that certainly had no
   * effect into one whose outcome is unknown.
   */
  static final long MIN_OVERLOADED_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /**
   * No attempt starts with less time left than this: it could only run into its deadline, often
   * before the request is even sent, and a DEADLINE_EXCEEDED has to be taken as "may have been
   * applied", which would turn a write that certainly had no effect into an indeterminate one.
   */
  static final long MIN_ATTEMPT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** The session RPCs, made by {@link LatticeClient} with its stubs. */
  interface SessionRpcs {
    /** Opens a session; the response carries its id. */
    OpenSessionResponse open(Attempt a);

    /** Closes session {@code id}. */
    CloseSessionResponse close(Attempt a, long id);
  }

  private final Router router;
  private final Duration timeout;
  private final WriteSession session;
  private final SessionRpcs sessionRpcs;
  /** Held while a session is opened, so that concurrent first writes open one, not several. */
  private final Object opening = new Object();

  Calls(Router router, Duration timeout, WriteSession session, SessionRpcs sessionRpcs) {
    this.router = router;
    this.timeout = timeout;
    this.session = session;
    this.sessionRpcs = sessionRpcs;
  }

  /** One try of a call: where it goes and how long it may take. */
  record Attempt(ManagedChannel channel, long remainingNanos) {}

  /** What a call does to the cluster, which decides what a retry may do. */
  enum Kind {
    /** Changes nothing: always safe to retry. */
    READ,
    /** A KV write with a session: a retry with the same sequence number is applied at most once. */
    WRITE,
    /** A change without a session (membership, leadership): retried only if it had no effect. */
    CHANGE,
    /**
     * Opens a session: retried whatever happened, since a registration whose answer was lost only
     * leaves an unused session behind (the cluster drops it when idle, or evicts it).
     */
    OPEN,
    /** Closes a session: retried whatever happened, since closing twice changes nothing. */
    CLOSE;

    /** What the call needs of the client's certificate. */
    AccessErrors.Need need() {
      return switch (this) {
        case READ -> AccessErrors.Need.READ;
        case WRITE, OPEN, CLOSE -> AccessErrors.Need.WRITE;
        case CHANGE -> AccessErrors.Need.ADMIN;
      };
    }

    /** Whether an attempt of unknown outcome leaves the call's own outcome unknown. */
    boolean outcomeMatters() {
      return this == WRITE || this == CHANGE;
    }
  }

  /**
   * Runs {@code rpc} until it succeeds, fails for good, or the deadline passes. For a write,
   * {@code request} builds the request for a session (opened first if need be, within the same
   * deadline); the same request (same sequence number) is resent on every retry.
   */
  <Q, T> T call(String what, boolean toLeader, Kind kind,
      Function<ClientSession, Q> request, BiFunction<Attempt, Q, T> rpc) {
    return call(what, toLeader, kind, request, rpc, deadline());
  }

  private <Q, T> T call(String what, boolean toLeader, Kind kind,
      Function<ClientSession, Q> request, BiFunction<Attempt, Q, T> rpc, long deadline) {
    ClientSession current = kind == Kind.WRITE ? sessionFor(what, deadline) : null;
    Q req = request == null ? null : request.apply(current);
    boolean maybeApplied = false;
    boolean renewed = false;
    boolean overloaded = false;
    String lastError = null;
    StatusRuntimeException lastCause = null;
    long backoff = FIRST_BACKOFF_MILLIS;
    int failedInARow = 0;
    String target = null;
    while (true) {
      long remaining = deadline - System.nanoTime();
      if (remaining < MIN_ATTEMPT_NANOS) {
        throw timedOut(what, kind, maybeApplied, overloaded, lastError, lastCause);
      }
      if (target == null) {
        target = router.target(toLeader);
      }
      String address = target;
      try {
        return router.learn(rpc.apply(new Attempt(router.channel(address), remaining), req));
      } catch (StatusRuntimeException e) {
        RpcError err = RpcError.of(e);
        checkCancelled(err, e);
        router.checkDenied(e, address, kind.need());
        lastError = err.describe(address);
        lastCause = e;
        ErrorInfo.Reason reason = err.reason();
        boolean wasOverloaded = overloaded;
        overloaded = reason == ErrorInfo.Reason.OVERLOADED;
        target = null;
        switch (reason) {
          case NOT_LEADER -> {
            String leader = err.leaderAddress();
            if (!leader.isEmpty() && !leader.equals(address)) {
              router.leaderAt(leader);
              target = leader;
              if (++failedInARow % 4 != 0) {
                continue; // follow the hint at once; back off only if hints go round in circles
              }
            } else {
              router.forgetLeader();
              router.skip(address);
            }
          }
          case INDETERMINATE, INTERNAL -> {
            // errors.proto: INTERNAL on a write is to be treated like INDETERMINATE
            if (kind == Kind.READ) {
              throw new ClientException(Outcome.FAILED, lastError, e);
            }
            if (kind.outcomeMatters()) {
              maybeApplied = true;
              if (kind == Kind.CHANGE || reason == ErrorInfo.Reason.INTERNAL) {
                throw new ClientException(Outcome.INDETERMINATE, lastError, e);
              }
            }
            // resend (the same sequence number for a write: applied at most once), to the
            // leader if named
            if (!err.leaderAddress().isEmpty()) {
              router.leaderAt(err.leaderAddress());
            }
          }
          case UNAVAILABLE, TRANSFER_IN_PROGRESS, MEMBERSHIP_CHANGE_IN_PROGRESS,
              SNAPSHOT_IN_PROGRESS, OVERLOADED, TIMEOUT -> target = address; // had no effect
          case SHUTTING_DOWN -> {
            // A member answers SHUTTING_DOWN only for a request that never reached its log (one
            // that did is answered INDETERMINATE): this attempt had no effect, though an earlier
            // one still may have. Go to the leader it names, or the next endpoint, at once.
            router.forgetLeader(address);
            router.skip(address);
            String leader = err.leaderAddress();
            if (!leader.isEmpty() && !leader.equals(address)) {
              router.leaderAt(leader);
              target = leader;
            }
            if (++failedInARow % Math.max(2, router.endpoints().size()) != 0) {
              continue; // back off only after a round of members
            }
          }
          case NO_SPACE -> // the member's disk is full: no retry can succeed until space is freed
              throw new ClientException(maybeApplied ? Outcome.INDETERMINATE : Outcome.FAILED,
                  lastError + " (the NO_SPACE alarm: free space on that member's disk; writes "
                      + "resume by themselves, `lattice status` shows the alarm)", e);
          case SESSION_EXPIRED -> {
            if (kind != Kind.WRITE || maybeApplied || renewed) {
              throw new ClientException(maybeApplied ? Outcome.INDETERMINATE : Outcome.FAILED,
                  lastError + (maybeApplied ? " (an earlier attempt may have been applied; its "
                      + "outcome can no longer be learned from the cluster)" : ""), e);
            }
            // The cluster no longer knows the session (idle too long, or evicted), and no attempt
            // of this write can have been applied: it may go again in a new session.
            renewed = true;
            session.forget(current.getSessionId());
            current = sessionFor(what, deadline);
            req = request.apply(current);
            target = address;
            continue;
          }
          case REASON_UNSPECIFIED -> {
            if (err.code() == Status.Code.UNAVAILABLE) {
              if (kind.outcomeMatters() && !err.neverSent()) {
                // the connection broke after the request may have left
                maybeApplied = true;
                if (kind == Kind.CHANGE) {
                  throw new ClientException(Outcome.INDETERMINATE, what + " may or may not have "
                      + "been applied: " + lastError, e);
                }
              }
              router.forgetLeader(address);
              router.skip(address);
              if (++failedInARow % router.endpoints().size() != 0) {
                continue; // try the next endpoint at once; back off after a full round
              }
            } else if (err.code() == Status.Code.DEADLINE_EXCEEDED) {
              maybeApplied |= kind.outcomeMatters(); // it was sent and never answered
              throw timedOut(what, kind, maybeApplied, wasOverloaded, lastError, e);
            } else {
              throw new ClientException(maybeApplied ? Outcome.INDETERMINATE : Outcome.FAILED,
                  lastError, e);
            }
          }
          default -> throw new ClientException(
              maybeApplied ? Outcome.INDETERMINATE : outcomeOfFinal(err), lastError, e);
        }
        // OVERLOADED: the member refused at once, so the attempt had no effect; it is asked again,
        // after a growing, jittered pause so that a crowd of clients does not come back at once.
        if (overloaded) {
          if (deadline - System.nanoTime() < 2 * MIN_OVERLOADED_ATTEMPT_NANOS) {
            throw timedOut(what, kind, maybeApplied, true, lastError, e);
          }
          backoff = sleep(backoff, deadline - MIN_OVERLOADED_ATTEMPT_NANOS,
              MAX_OVERLOAD_BACKOFF_MILLIS);
        } else {
          backoff = sleep(backoff, deadline, MAX_BACKOFF_MILLIS);
        }
      }
    }
  }

  /**
   * The session for a new write of {@code what}: the open one, else one opened now (OpenSession,
   * retried within {@code deadline}: a lost answer only leaves an unused session behind).
   */
  private ClientSession sessionFor(String what, long deadline) {
    synchronized (opening) {
      if (!session.isOpen()) {
        OpenSessionResponse r = call(what + " (opening a session)", true, Kind.OPEN, null,
            (a, ignored) -> sessionRpcs.open(a), deadline);
        session.opened(r.getSessionId());
      }
      return session.next();
    }
  }

  /**
   * Closes the open session, if any, within {@code budget}: best effort (a failure is ignored; the
   * cluster drops the session once it has been idle for the session TTL, or evicts it).
   */
  void closeSession(Duration budget) {
    long id = session.id();
    if (id == 0 || !session.forget(id)) {
      return;
    }
    try {
      call("close session", true, Kind.CLOSE, null, (a, ignored) -> sessionRpcs.close(a, id),
          System.nanoTime() + budget.toNanos());
    } catch (ClientException ignored) {
      // best effort: the session expires on its own
    }
  }

  static Outcome outcomeOfFinal(RpcError err) {
    if (err.reason() == ErrorInfo.Reason.NOT_FOUND) {
      return Outcome.NOT_FOUND;
    }
    if (err.code() == Status.Code.UNAVAILABLE || err.code() == Status.Code.DEADLINE_EXCEEDED) {
      return Outcome.UNAVAILABLE;
    }
    // The one table of reasons says which leave open that the request was applied (INDETERMINATE,
    // RESULT_NOT_RETAINED, ...): those are never reported as a failure.
    Reason reason = GrpcReasons.fromWire(err.reason());
    if (reason != null && reason.effect() == Reason.Effect.MAYBE) {
      return Outcome.INDETERMINATE;
    }
    return Outcome.FAILED;
  }

  static void checkCancelled(RpcError err, StatusRuntimeException e) {
    if (err.code() == Status.Code.CANCELLED || Thread.currentThread().isInterrupted()) {
      throw new ClientException(Outcome.CANCELLED, "cancelled", e);
    }
  }

  /**
   * The failure of a call whose time ran out: INDETERMINATE if an attempt may have been applied,
   * else UNAVAILABLE, saying why in the cluster's terms when no leader was reachable (see {@link
   * NoLeaderDiagnosis}, which takes up to a second more). {@code cause}, the last gRPC error, keeps
   * the raw detail for {@code -v}.
   */
  private ClientException timedOut(String what, Kind kind, boolean maybeApplied,
      boolean overloaded, String lastError, StatusRuntimeException cause) {
    String last = lastError == null ? "" : " (last error: " + lastError + ")";
    if (maybeApplied) {
      return new ClientException(Outcome.INDETERMINATE, what + " did not complete within "
          + human(timeout) + "; it may or may not have been applied" + last, cause);
    }
    if (overloaded) {
      return new ClientException(Outcome.UNAVAILABLE, what + ": the cluster was still "
          + "overloaded after " + human(timeout) + " of retries"
          + (kind.outcomeMatters() ? "; it was not applied" : "") + last, cause);
    }
    String why = kind == Kind.CLOSE ? lastError : NoLeaderDiagnosis.explain(router,
        timeout.compareTo(NoLeaderDiagnosis.BUDGET) < 0 ? timeout : NoLeaderDiagnosis.BUDGET);
    return new ClientException(Outcome.UNAVAILABLE, what + ": no leader reachable within "
        + human(timeout) + (why == null ? "" : ": " + why), cause);
  }

  long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  static long remainingOf(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  /** {@link #sleep(long, long, long)} with the usual cap. */
  static long sleep(long backoff, long deadline) {
    return sleep(backoff, deadline, MAX_BACKOFF_MILLIS);
  }

  /**
   * Sleeps for a random time in [{@code backoff}/2, {@code backoff}] (capped by the deadline) and
   * returns the next back-off: twice as long, at most {@code max}. The jitter spreads the retries
   * of clients that were refused together.
   */
  static long sleep(long backoff, long deadline, long max) {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    long pause = jittered(backoff, ThreadLocalRandom.current().nextDouble());
    try {
      Thread.sleep(Math.max(0, Math.min(pause, left)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClientException(Outcome.CANCELLED, "cancelled", e);
    }
    return Math.min(max, backoff * 2);
  }

  /** The pause for {@code backoff} and a uniform {@code u} in [0, 1): in [backoff/2, backoff]. */
  static long jittered(long backoff, double u) {
    long half = backoff / 2;
    return half + (long) (u * (backoff - half + 1));
  }

  /** A duration as people write it: 5s, 250ms, 1.5s. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return ms < 1000 ? ms + "ms" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
