package io.lattice.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.cli.client.ClientException.Outcome;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.ErrorInfo;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The retry policy of {@link LatticeClient}: runs one logical call, with all its retries, within
 * the timeout, deciding from each error's reason (errors.proto) whether the call had no effect
 * (retry, elsewhere if needed), may have been applied (retry only with the same session sequence
 * number), or failed for good.
 */
final class Calls {
  static final long FIRST_BACKOFF_MILLIS = 20;
  static final long MAX_BACKOFF_MILLIS = 250;

  private final Router router;
  private final Duration timeout;
  private final WriteSession session;

  Calls(Router router, Duration timeout, WriteSession session) {
    this.router = router;
    this.timeout = timeout;
    this.session = session;
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
    CHANGE
  }

  /**
   * Runs {@code rpc} until it succeeds, fails for good, or the deadline passes. For a write,
   * {@code request} builds the request for a session; the same request (same sequence number) is
   * resent on every retry.
   */
  <Q, T> T call(String what, boolean toLeader, Kind kind,
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
        target = router.target(toLeader);
      }
      String address = target;
      try {
        return router.learn(rpc.apply(new Attempt(router.channel(address), remaining), req));
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
            maybeApplied = true;
            if (kind == Kind.CHANGE || reason == ErrorInfo.Reason.INTERNAL) {
              throw new ClientException(Outcome.INDETERMINATE, lastError, e);
            }
            // resend with the same sequence number (applied at most once), to the leader if named
            if (!err.leaderAddress().isEmpty()) {
              router.leaderAt(err.leaderAddress());
            }
          }
          case UNAVAILABLE, TRANSFER_IN_PROGRESS, MEMBERSHIP_CHANGE_IN_PROGRESS,
              SNAPSHOT_IN_PROGRESS, OVERLOADED, TIMEOUT -> target = address; // had no effect
          case SHUTTING_DOWN -> {
            router.forgetLeader(address);
            router.skip(address);
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
              router.forgetLeader(address);
              router.skip(address);
              if (++failedInARow % router.endpoints().size() != 0) {
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

  static Outcome outcomeOfFinal(RpcError err) {
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

  static void checkCancelled(RpcError err, StatusRuntimeException e) {
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

  long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  static long remainingOf(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  /** Sleeps for {@code backoff} (capped by the deadline) and returns the next back-off. */
  static long sleep(long backoff, long deadline) {
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
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return ms < 1000 ? ms + "ms" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
