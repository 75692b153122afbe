package io.lattice.node;

import io.lattice.raft.Member;
import io.lattice.raft.Membership;
import io.lattice.raft.RaftConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Configuration of one {@link RaftNode}.
 *
 * <p>Timing defaults are tuned for a LAN (round trips well under a millisecond, fsync in a few
 * milliseconds):
 *
 * <ul>
 *   <li>a tick is {@value #DEFAULT_TICK_MILLIS} ms: fine enough for sub-second failover, coarse
 *       enough that an idle node wakes only 20 times a second;
 *   <li>the election timeout is {@value #DEFAULT_ELECTION_TICKS} ticks, randomized by the core in
 *       [10, 20) ticks = 500–1000 ms: a lost leader is replaced in about 0.5–1.1 s (timeout plus a
 *       pre-vote and a vote round trip), while a loaded leader has to miss five heartbeats in a row
 *       before any follower even starts a pre-vote (which, with check-quorum and leader stickiness,
 *       cannot disturb a live leader anyway);
 *   <li>a heartbeat every {@value #DEFAULT_HEARTBEAT_TICKS} ticks = 100 ms, so five heartbeats fit in
 *       the shortest election timeout (a GC pause or a slow fsync of up to ~400 ms does not cause an
 *       election);
 *   <li>the lease drift margin is {@value #DEFAULT_LEASE_DRIFT_TICKS} ticks (100 ms = 20% of the
 *       minimum election timeout): a leader serves lease reads only until 400 ms after the last
 *       majority heartbeat acknowledgement, which tolerates clocks running 20% apart.
 * </ul>
 *
 * @param id this member's id (unique in the cluster)
 * @param dataDir the data directory (log, hard state, snapshots; DESIGN §4)
 * @param peerAddress host:port of this node's peer listener (the Raft service only): where peers
 *     dial it, and its peer address in the membership
 * @param clientAddress host:port of this node's client listener (KV, Cluster, health, reflection):
 *     the client address it advertises to the leader, which records it in the membership; empty:
 *     the peer address's host on a port chosen when the server binds (for tests)
 * @param clusterId the cluster's name; the transport refuses messages from other clusters
 * @param initialCluster id → peer address of the voters of a brand-new cluster (bootstrap
 *     membership, whose client addresses the leader publishes once the members advertise them);
 *     ignored once a snapshot exists; must contain {@code id} unless {@code join}
 * @param join whether this node joins a running cluster (starts with an empty membership, learns it
 *     from the leader after an {@code addMember}); then {@code initialCluster} is ignored
 * @param tickMillis length of one core tick in milliseconds
 * @param electionTicks base election timeout in ticks (randomized to [n, 2n))
 * @param heartbeatTicks leader heartbeat period in ticks
 * @param snapshotThreshold take a snapshot every this many applied entries at least (0: only on
 *     demand); with the byte rules below, see {@link SnapshotPolicy}
 * @param trailingEntries entries kept behind a snapshot for slow followers
 * @param leaseDriftTicks clock-drift margin subtracted from the leader lease, in ticks
 * @param maxRequestBytes largest command accepted by {@link RaftNode#propose}
 * @param requestTimeoutMillis a proposal or read not answered within this time fails (a proposal as
 *     INDETERMINATE, a read as UNAVAILABLE)
 * @param transferTimeoutMillis how long a leadership transfer (also the one on close) may take
 * @param limits the back-pressure bounds on pending requests, queued peer messages and the
 *     leader's uncommitted commands
 * @param diskReserveBytes free space the data directory's file system must keep: below it the
 *     node raises the NO_SPACE alarm and takes no new entries (see {@link DiskSpaceMonitor}); 0
 *     only turns the alarm off until the disk is completely full
 * @param snapshotLogRatio an automatic snapshot waits until the log bytes since the last one reach
 *     this multiple of its size (0: no such wait); see {@link SnapshotPolicy#logRatio()}
 * @param snapshotLogBytes log bytes since the last snapshot past which one is due even below the
 *     threshold (0: none); see {@link SnapshotPolicy#logBytes()}
 * @param trailingBytes the bytes of the entries kept behind a snapshot, at most ({@link
 *     RaftConfig#trailingBytes()}); with {@code trailingEntries}, whichever keeps fewer
 */
public record NodeConfig(
    String id,
    Path dataDir,
    String peerAddress,
    String clientAddress,
    String clusterId,
    Map<String, String> initialCluster,
    boolean join,
    long tickMillis,
    int electionTicks,
    int heartbeatTicks,
    long snapshotThreshold,
    long trailingEntries,
    int leaseDriftTicks,
    int maxRequestBytes,
    long requestTimeoutMillis,
    long transferTimeoutMillis,
    LoadLimits limits,
    long diskReserveBytes,
    double snapshotLogRatio,
    long snapshotLogBytes,
    long trailingBytes) {

  public static final long DEFAULT_TICK_MILLIS = 50;
  public static final int DEFAULT_ELECTION_TICKS = 10;
  public static final int DEFAULT_HEARTBEAT_TICKS = 2;
  public static final int DEFAULT_LEASE_DRIFT_TICKS = 2;
  public static final long DEFAULT_SNAPSHOT_THRESHOLD = 1000;
  public static final long DEFAULT_TRAILING_ENTRIES = 1000;
  public static final long DEFAULT_TRAILING_BYTES = RaftConfig.DEFAULT_TRAILING_BYTES;
  /** 1.5 MiB, like etcd: a command must fit in one append. */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 3 << 19;
  public static final long DEFAULT_REQUEST_TIMEOUT_MILLIS = 5_000;
  public static final long DEFAULT_TRANSFER_TIMEOUT_MILLIS = 3_000;
  public static final String DEFAULT_CLUSTER_ID = "lattice";
  /**
   * 64 MiB: room for dozens of the largest entries ({@link #DEFAULT_MAX_REQUEST_BYTES}) after the
   * alarm is raised (batches in flight, the term's no-op, hard-state files, a rolled segment's
   * header), and small next to any real disk.
   */
  public static final long DEFAULT_DISK_RESERVE_BYTES = 64L << 20;

  /** A configuration with the default back-pressure limits, disk reserve and snapshot bytes. */
  public NodeConfig(String id, Path dataDir, String peerAddress, String clientAddress,
      String clusterId,
      Map<String, String> initialCluster, boolean join, long tickMillis, int electionTicks,
      int heartbeatTicks, long snapshotThreshold, long trailingEntries, int leaseDriftTicks,
      int maxRequestBytes, long requestTimeoutMillis, long transferTimeoutMillis) {
    this(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join, tickMillis,
        electionTicks,
        heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks, maxRequestBytes,
        requestTimeoutMillis, transferTimeoutMillis, LoadLimits.DEFAULTS,
        DEFAULT_DISK_RESERVE_BYTES, SnapshotPolicy.DEFAULT_LOG_RATIO,
        SnapshotPolicy.DEFAULT_LOG_BYTES, DEFAULT_TRAILING_BYTES);
  }

  public NodeConfig {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(dataDir, "dataDir");
    peerAddress = peerAddress == null ? "" : peerAddress;
    clientAddress = clientAddress == null ? "" : clientAddress;
    if (!clientAddress.isEmpty() && clientAddress.equals(peerAddress)) {
      throw new IllegalArgumentException("the client address and the peer address must differ ("
          + clientAddress + "): clients and peers are served on separate listeners");
    }
    clusterId = clusterId == null ? DEFAULT_CLUSTER_ID : clusterId;
    initialCluster = Map.copyOf(initialCluster == null ? Map.of() : initialCluster);
    if (id.isEmpty()) {
      throw new IllegalArgumentException("id must not be empty");
    }
    if (!join && !initialCluster.containsKey(id)) {
      throw new IllegalArgumentException("the initial cluster " + initialCluster.keySet()
          + " must contain this node " + id + " (or join an existing cluster)");
    }
    if (tickMillis < 1) {
      throw new IllegalArgumentException("tickMillis must be >= 1");
    }
    if (snapshotThreshold < 0 || trailingEntries < 0 || maxRequestBytes < 1
        || requestTimeoutMillis < 1 || transferTimeoutMillis < 1 || diskReserveBytes < 0
        || trailingBytes < 0) {
      throw new IllegalArgumentException("sizes and timeouts must be positive");
    }
    raftConfigOf(id, electionTicks, heartbeatTicks, leaseDriftTicks, trailingEntries); // validates
    new SnapshotPolicy(snapshotThreshold, snapshotLogRatio, snapshotLogBytes); // validates
  }

  /** A node of a new cluster with every other setting at its default. */
  public static NodeConfig of(String id, Path dataDir, Map<String, String> initialCluster) {
    String address = initialCluster.getOrDefault(id, "");
    return new NodeConfig(id, dataDir, address, "", DEFAULT_CLUSTER_ID, initialCluster, false,
        DEFAULT_TICK_MILLIS, DEFAULT_ELECTION_TICKS, DEFAULT_HEARTBEAT_TICKS,
        DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_TRAILING_ENTRIES, DEFAULT_LEASE_DRIFT_TICKS,
        DEFAULT_MAX_REQUEST_BYTES, DEFAULT_REQUEST_TIMEOUT_MILLIS, DEFAULT_TRANSFER_TIMEOUT_MILLIS,
        LoadLimits.DEFAULTS, DEFAULT_DISK_RESERVE_BYTES, SnapshotPolicy.DEFAULT_LOG_RATIO,
        SnapshotPolicy.DEFAULT_LOG_BYTES, DEFAULT_TRAILING_BYTES);
  }

  /** A node that joins a running cluster, reachable by peers at {@code peerAddress}. */
  public static NodeConfig joining(String id, Path dataDir, String peerAddress) {
    return new NodeConfig(id, dataDir, peerAddress, "", DEFAULT_CLUSTER_ID, Map.of(), true,
        DEFAULT_TICK_MILLIS, DEFAULT_ELECTION_TICKS, DEFAULT_HEARTBEAT_TICKS,
        DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_TRAILING_ENTRIES, DEFAULT_LEASE_DRIFT_TICKS,
        DEFAULT_MAX_REQUEST_BYTES, DEFAULT_REQUEST_TIMEOUT_MILLIS, DEFAULT_TRANSFER_TIMEOUT_MILLIS,
        LoadLimits.DEFAULTS, DEFAULT_DISK_RESERVE_BYTES, SnapshotPolicy.DEFAULT_LOG_RATIO,
        SnapshotPolicy.DEFAULT_LOG_BYTES, DEFAULT_TRAILING_BYTES);
  }

  public NodeConfig withTiming(long tickMillis, int electionTicks, int heartbeatTicks,
      int leaseDriftTicks) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis,
        electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks,
        maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits,
        diskReserveBytes, snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  public NodeConfig withSnapshots(long snapshotThreshold, long trailingEntries) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis,
        electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks,
        maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits,
        diskReserveBytes, snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  /** This configuration with the snapshot policy's byte rules (see {@link SnapshotPolicy}). */
  public NodeConfig withSnapshotBytes(double snapshotLogRatio, long snapshotLogBytes) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis, electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries,
        leaseDriftTicks, maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits,
        diskReserveBytes, snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  /** This configuration with the trailing window bounded to {@code trailingBytes} bytes. */
  public NodeConfig withTrailingBytes(long trailingBytes) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis, electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries,
        leaseDriftTicks, maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits,
        diskReserveBytes, snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  /** When automatic snapshots are taken. */
  public SnapshotPolicy snapshotPolicy() {
    return new SnapshotPolicy(snapshotThreshold, snapshotLogRatio, snapshotLogBytes);
  }

  public NodeConfig withTimeouts(long requestTimeoutMillis, long transferTimeoutMillis) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis,
        electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks,
        maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits,
        diskReserveBytes, snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  public NodeConfig withMaxRequestBytes(int maxRequestBytes) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis,
        electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks,
        maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits, diskReserveBytes,
        snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  public NodeConfig withLimits(LoadLimits limits) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis,
        electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks,
        maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits, diskReserveBytes,
        snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  public NodeConfig withDiskReserve(long diskReserveBytes) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis,
        electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries, leaseDriftTicks,
        maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits, diskReserveBytes,
        snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  /** This configuration with the client listener at {@code clientAddress}. */
  public NodeConfig withClientAddress(String clientAddress) {
    return new NodeConfig(id, dataDir, peerAddress, clientAddress, clusterId, initialCluster, join,
        tickMillis, electionTicks, heartbeatTicks, snapshotThreshold, trailingEntries,
        leaseDriftTicks, maxRequestBytes, requestTimeoutMillis, transferTimeoutMillis, limits,
        diskReserveBytes, snapshotLogRatio, snapshotLogBytes, trailingBytes);
  }

  /** The core's tuning derived from this configuration. */
  public RaftConfig raftConfig() {
    return raftConfigOf(id, electionTicks, heartbeatTicks, leaseDriftTicks, trailingEntries)
        .withMaxUncommittedBytes(limits.maxUncommittedBytes()).withTrailingBytes(trailingBytes);
  }

  private static RaftConfig raftConfigOf(String id, int electionTicks, int heartbeatTicks,
      int leaseDriftTicks, long trailingEntries) {
    RaftConfig d = RaftConfig.defaults(id);
    return d.withElection(electionTicks, heartbeatTicks)
        .withLeaseDrift(leaseDriftTicks)
        .withSnapshots(trailingEntries, d.snapshotTimeoutTicks());
  }

  /** The membership a brand-new cluster starts from: empty when joining. */
  public Membership bootstrapMembership() {
    if (join) {
      return Membership.EMPTY;
    }
    List<Member> voters = new ArrayList<>();
    new TreeMap<>(initialCluster).forEach((m, addr) -> voters.add(Member.voter(m, addr)));
    return Membership.ofVoters(voters);
  }
}
