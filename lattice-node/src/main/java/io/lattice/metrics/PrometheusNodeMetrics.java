package io.lattice.metrics;

import io.lattice.node.NodeMetrics;
import io.lattice.raft.Role;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * {@link NodeMetrics} as Prometheus metrics, all named {@code lattice_*}, registered in one
 * registry per node (so that several nodes in one JVM, as in tests, do not collide).
 */
public final class PrometheusNodeMetrics implements NodeMetrics {
  /** Latency buckets in seconds: 50 µs to 10 s, dense where fsyncs usually fall. */
  private static final double[] LATENCY_BUCKETS = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
      0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  private static final double NANOS_PER_SECOND = 1e9;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Gauge term = gauge("lattice_term", "The current Raft term.");
  private final Gauge role = Gauge.builder().name("lattice_role")
      .help("1 for the role this member has now (leader, follower, candidate, ...), else 0.")
      .labelNames("role").register(registry);
  private final Gauge commitIndex = gauge("lattice_commit_index",
      "The highest log index known to be committed.");
  private final Gauge appliedIndex = gauge("lattice_applied_index",
      "The highest log index applied to the state machine.");
  private final Gauge firstLogIndex = gauge("lattice_log_first_index",
      "The first index held in the log (older entries are in the snapshot).");
  private final Gauge lastLogIndex = gauge("lattice_log_last_index",
      "The last index held in the log.");
  private final Gauge logBytes = Gauge.builder().name("lattice_log_size").unit(Unit.BYTES)
      .help("Bytes of log segments on disk.").register(registry);
  private final Gauge snapshotIndex = gauge("lattice_snapshot_index",
      "The last index covered by the newest snapshot.");
  private final Counter proposals = Counter.builder().name("lattice_proposals")
      .help("Client writes proposed through this member, by outcome.")
      .labelNames("outcome").register(registry);
  private final Histogram appendLatency = latency("lattice_log_append",
      "Time to append a batch of entries to the log (before the fsync).");
  private final Counter appendedEntries = Counter.builder().name("lattice_log_appended_entries")
      .help("Entries appended to the log.").register(registry);
  private final Histogram fsyncLatency = latency("lattice_log_fsync",
      "Time of one log fsync (one per batch of entries: group commit).");
  private final Counter elections = Counter.builder().name("lattice_elections")
      .help("Elections this member started (as candidate).").register(registry);
  private final Counter leaderChanges = Counter.builder().name("lattice_leader_changes")
      .help("Times this member learned of a new leader.").register(registry);
  private final Counter snapshotsTaken = Counter.builder().name("lattice_snapshots_taken")
      .help("Snapshots this member took of its own state.").register(registry);
  private final Histogram snapshotWrite = latency("lattice_snapshot_write",
      "Time to write a snapshot out (in the background: writes go on meanwhile).");
  private final Histogram snapshotCapture = latency("lattice_snapshot_capture",
      "Time to capture the state for a snapshot, on the loop thread (writes wait meanwhile).");
  private final Counter snapshotsInstalled = Counter.builder().name("lattice_snapshots_installed")
      .help("Snapshots received from the leader and installed.").register(registry);
  private final Gauge diskFree = Gauge.builder().name("lattice_disk_free").unit(Unit.BYTES)
      .help("Free space on the data directory's disk at the last reading (-1: unknown).")
      .register(registry);
  private final Gauge alarm = Gauge.builder().name("lattice_alarm")
      .help("1 while the alarm is raised: NO_SPACE (free space below the reserve, writes refused),"
          + " SNAPSHOT_FAILED (the last snapshot could not be written for want of space).")
      .labelNames("type").register(registry);
  private final Counter snapshotFailures = Counter.builder().name("lattice_snapshot_failures")
      .help("Snapshots of this member's own state that could not be written for want of space.")
      .register(registry);

  private final Gauge pendingRequests = gauge("lattice_pending_requests",
      "Client requests queued or waiting for their outcome (bounded by --max-pending-requests).");
  private final Gauge pendingBytes = Gauge.builder().name("lattice_pending_request")
      .unit(Unit.BYTES).help("Bytes of the commands of pending client requests "
          + "(bounded by --max-pending-bytes).").register(registry);
  private final Gauge inboxBytes = Gauge.builder().name("lattice_inbox").unit(Unit.BYTES)
      .help("Bytes of peer messages queued for the loop (bounded by --max-inbox-bytes).")
      .register(registry);
  private final Gauge uncommittedBytes = Gauge.builder().name("lattice_uncommitted")
      .unit(Unit.BYTES).help("Bytes of commands this leader appended and has not committed "
          + "(bounded by --max-uncommitted-bytes; 0 unless leader).").register(registry);
  private final Counter refused = Counter.builder().name("lattice_requests_overloaded")
      .help("Client requests refused with OVERLOADED (RESOURCE_EXHAUSTED) by a node bound.")
      .register(registry);
  private final Counter dropped = Counter.builder().name("lattice_peer_messages_dropped")
      .help("Peer messages dropped because the inbox was full (the sender retries).")
      .register(registry);

  private volatile Role lastRole;

  public PrometheusNodeMetrics() {
    for (Role r : Role.values()) {
      role.labelValues(label(r)).set(0);
    }
    proposals.labelValues("succeeded");
    proposals.labelValues("failed");
    alarm.labelValues("NO_SPACE").set(0);
    alarm.labelValues("SNAPSHOT_FAILED").set(0);
    diskFree.set(-1);
  }

  /** The registry holding this node's metrics (what the HTTP endpoint serves). */
  public PrometheusRegistry registry() {
    return registry;
  }

  private Gauge gauge(String name, String help) {
    return Gauge.builder().name(name).help(help).register(registry);
  }

  private Histogram latency(String name, String help) {
    return Histogram.builder().name(name).unit(Unit.SECONDS).help(help).classicOnly()
        .classicUpperBounds(LATENCY_BUCKETS).register(registry);
  }

  private static String label(Role r) {
    return r.name().toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public void state(Role role, long term, long commitIndex, long appliedIndex,
      long firstLogIndex, long lastLogIndex, long logBytes, long snapshotIndex) {
    Role previous = lastRole;
    if (role != previous) {
      if (previous != null) {
        this.role.labelValues(label(previous)).set(0);
      }
      this.role.labelValues(label(role)).set(1);
      lastRole = role;
    }
    this.term.set(term);
    this.commitIndex.set(commitIndex);
    this.appliedIndex.set(appliedIndex);
    this.firstLogIndex.set(firstLogIndex);
    this.lastLogIndex.set(lastLogIndex);
    this.logBytes.set(logBytes);
    this.snapshotIndex.set(snapshotIndex);
  }

  @Override
  public void load(int pendingRequests, long pendingBytes, long inboxBytes,
      long uncommittedBytes) {
    this.pendingRequests.set(pendingRequests);
    this.pendingBytes.set(pendingBytes);
    this.inboxBytes.set(inboxBytes);
    this.uncommittedBytes.set(uncommittedBytes);
  }

  @Override
  public void requestRefused() {
    refused.inc();
  }

  @Override
  public void peerMessageDropped() {
    dropped.inc();
  }

  @Override
  public void proposalDone(boolean succeeded) {
    proposals.labelValues(succeeded ? "succeeded" : "failed").inc();
  }

  @Override
  public void logAppended(int entries, long nanos) {
    appendedEntries.inc(entries);
    appendLatency.observe(nanos / NANOS_PER_SECOND);
  }

  @Override
  public void logSynced(long nanos) {
    fsyncLatency.observe(nanos / NANOS_PER_SECOND);
  }

  @Override
  public void electionStarted() {
    elections.inc();
  }

  @Override
  public void leaderChanged() {
    leaderChanges.inc();
  }

  @Override
  public void snapshotTaken(long nanos) {
    snapshotsTaken.inc();
    snapshotWrite.observe(nanos / NANOS_PER_SECOND);
  }

  @Override
  public void snapshotCaptured(long nanos) {
    snapshotCapture.observe(nanos / NANOS_PER_SECOND);
  }

  @Override
  public void snapshotInstalled() {
    snapshotsInstalled.inc();
  }

  @Override
  public void diskSpace(long freeBytes, boolean noSpaceAlarm, boolean snapshotFailedAlarm) {
    diskFree.set(freeBytes == Long.MAX_VALUE ? -1 : freeBytes);
    alarm.labelValues("NO_SPACE").set(noSpaceAlarm ? 1 : 0);
    alarm.labelValues("SNAPSHOT_FAILED").set(snapshotFailedAlarm ? 1 : 0);
  }

  @Override
  public void snapshotFailed() {
    snapshotFailures.inc();
  }
}
