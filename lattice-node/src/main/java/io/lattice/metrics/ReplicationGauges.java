package io.lattice.metrics;

import io.lattice.node.NodeStatus;
import io.lattice.raft.Role;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The gauges read from the node when they are scraped rather than pushed by the loop: whether a
 * leader is known, and at the leader each other member's replication progress (match index,
 * entries behind, time since the leader last heard from it). They are refreshed by {@link
 * #refresh} just before each scrape; a member that is not leader exports no per-peer series, and
 * a peer removed from the cluster loses its series.
 */
final class ReplicationGauges {
  private final NodeProbe probe;
  private final long statusTimeoutMillis;
  private final Gauge hasLeader;
  private final Gauge matchIndex;
  private final Gauge lag;
  private final Gauge lastContact;
  private final Set<String> exported = new HashSet<>();

  ReplicationGauges(PrometheusRegistry registry, NodeProbe probe, long statusTimeoutMillis) {
    this.probe = probe;
    this.statusTimeoutMillis = statusTimeoutMillis;
    hasLeader = Gauge.builder().name("lattice_has_leader")
        .help("1 when this member knows a leader (itself or another), else 0.")
        .register(registry);
    matchIndex = Gauge.builder().name("lattice_peer_match_index")
        .help("At the leader: the highest log index known to be replicated on the peer.")
        .labelNames("peer").register(registry);
    lag = Gauge.builder().name("lattice_peer_lag_entries")
        .help("At the leader: entries the peer is behind the leader's last index.")
        .labelNames("peer").register(registry);
    lastContact = Gauge.builder().name("lattice_peer_last_contact").unit(Unit.SECONDS)
        .help("At the leader: seconds since the leader last heard from the peer; -1: not since"
            + " it became leader.")
        .labelNames("peer").register(registry);
  }

  /** Reads the node and sets the gauges (a metrics worker thread; one scrape at a time). */
  synchronized void refresh() {
    hasLeader.set(probe.knownLeader() == null ? 0 : 1);
    NodeStatus s;
    try {
      s = probe.status().get(statusTimeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      clearPeers(); // stale progress would mislead more than none
      return;
    }
    hasLeader.set(s.leaderId() == null ? 0 : 1);
    if (s.role() != Role.LEADER) {
      clearPeers();
      return;
    }
    Set<String> now = new HashSet<>();
    for (NodeStatus.PeerLag p : s.peers()) {
      if (p.id().equals(s.id())) {
        continue;
      }
      now.add(p.id());
      matchIndex.labelValues(p.id()).set(p.matchIndex());
      lag.labelValues(p.id()).set(p.lag());
      lastContact.labelValues(p.id()).set(
          p.lastContactMillis() < 0 ? -1 : p.lastContactMillis() / 1000.0);
    }
    for (String gone : exported) {
      if (!now.contains(gone)) {
        remove(gone);
      }
    }
    exported.clear();
    exported.addAll(now);
  }

  private void clearPeers() {
    for (String id : exported) {
      remove(id);
    }
    exported.clear();
  }

  private void remove(String id) {
    matchIndex.remove(id);
    lag.remove(id);
    lastContact.remove(id);
  }
}
