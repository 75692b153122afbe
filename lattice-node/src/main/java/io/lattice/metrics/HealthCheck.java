package io.lattice.metrics;

import io.lattice.node.DiskSpaceMonitor;
import io.lattice.node.NodeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The three health checks of the metrics listener, each a superset of the one before:
 *
 * <ul>
 *   <li>{@link Kind#LIVEZ}: the node runs and its loop answers within the status timeout (a
 *       wedged loop, or a node stopped by a fatal error, fails it: restart the process);
 *   <li>{@link Kind#READYZ}: also, a leader is known and a linearizable read round through it
 *       completes within the quorum timeout, so this member can serve linearizable reads and
 *       forward writes (route clients here);
 *   <li>{@link Kind#HEALTH}: also, no NO_SPACE alarm (etcd's {@code /health} fails on its NOSPACE
 *       alarm the same way): this member takes writes.
 * </ul>
 *
 * <p>A check blocks its caller (a metrics worker thread) for at most the sum of the two timeouts;
 * the loop does the status and the read as ordinary requests, bounded like any other.
 */
public final class HealthCheck {
  /** Which check. */
  public enum Kind {
    LIVEZ, READYZ, HEALTH;

    String path() {
      return "/" + name().toLowerCase(Locale.ROOT);
    }
  }

  /** Default time the loop has to answer the status request. */
  public static final Duration DEFAULT_STATUS_TIMEOUT = Duration.ofSeconds(1);
  /** Default time a linearizable read round has to complete. */
  public static final Duration DEFAULT_QUORUM_TIMEOUT = Duration.ofSeconds(2);

  private final NodeProbe probe;
  private final Duration statusTimeout;
  private final Duration quorumTimeout;

  public HealthCheck(NodeProbe probe, Duration statusTimeout, Duration quorumTimeout) {
    this.probe = probe;
    this.statusTimeout = statusTimeout;
    this.quorumTimeout = quorumTimeout;
  }

  public HealthCheck(NodeProbe probe) {
    this(probe, DEFAULT_STATUS_TIMEOUT, DEFAULT_QUORUM_TIMEOUT);
  }

  /** Runs {@code kind} now (blocking for at most the two timeouts). */
  public HealthReport run(Kind kind) {
    String check = kind.path().substring(1);
    List<String> reasons = new ArrayList<>();
    NodeStatus s;
    try {
      s = probe.status().get(statusTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      reasons.add("the node did not answer within " + seconds(statusTimeout)
          + " (its loop is stalled or stopping)");
      return new HealthReport(check, false, null, null, -1, probe.knownLeader(), null, -1, -1,
          List.of(), reasons);
    } catch (ExecutionException | CompletionException e) {
      reasons.add("the node has stopped: " + message(e.getCause() == null ? e : e.getCause()));
      return new HealthReport(check, false, null, null, -1, null, null, -1, -1, List.of(),
          reasons);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reasons.add("interrupted");
      return new HealthReport(check, false, null, null, -1, null, null, -1, -1, List.of(),
          reasons);
    }
    List<String> alarms = new ArrayList<>();
    for (DiskSpaceMonitor.Alarm a : s.alarms()) {
      alarms.add(a.type().name());
    }
    Boolean quorum = null;
    if (kind != Kind.LIVEZ) {
      if (s.leaderId() == null) {
        reasons.add("no leader known (an election is under way, or no quorum of voters is "
            + "reachable)");
      } else {
        quorum = quorumRead(reasons);
      }
    }
    if (kind == Kind.HEALTH) {
      for (DiskSpaceMonitor.Alarm a : s.alarms()) {
        if (a.type() == DiskSpaceMonitor.AlarmType.NO_SPACE) {
          reasons.add("NO_SPACE alarm: " + a.detail());
        }
      }
    }
    return new HealthReport(check, reasons.isEmpty(), s.id(),
        s.role().name().toLowerCase(Locale.ROOT), s.term(), s.leaderId(), quorum, s.commitIndex(),
        s.appliedIndex(), alarms, reasons);
  }

  private boolean quorumRead(List<String> reasons) {
    try {
      probe.quorumRead().get(quorumTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      reasons.add("no quorum: a linearizable read round through the leader did not complete "
          + "within " + seconds(quorumTimeout));
    } catch (ExecutionException | CompletionException e) {
      reasons.add("no quorum: a linearizable read round through the leader failed: "
          + message(e.getCause() == null ? e : e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reasons.add("interrupted");
    }
    return false;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  private static String message(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
