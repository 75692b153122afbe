package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.Sizes;
import io.lattice.cli.output.Table;
import io.lattice.proto.v1.Alarm;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.PeerProgress;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The status of every member of a cluster, each from that member's own Status, joined with the
 * leader's view of replication (lag, last contact). Members that cannot be reached are kept, with
 * the error.
 */
final class StatusReport {
  /** A member the leader has not heard from for this long is flagged in ERRORS. */
  private static final long STALE_CONTACT_MILLIS = 1000;

  /** A member and what we learned about it. */
  /** One member: its client address (where it is asked) and peer address, as listed. */
  private record Row(String id, String address, String peerAddress, StatusResponse status,
      String error) {}

  private final List<Row> rows;
  private final StatusResponse leader;
  private final Map<String, PeerProgress> progress = new LinkedHashMap<>();

  private StatusReport(List<Row> rows) {
    this.rows = rows;
    StatusResponse found = null;
    for (Row r : rows) {
      if (r.status != null && r.status.getRole() == Role.LEADER
          && (found == null || r.status.getTerm() > found.getTerm())) {
        found = r.status;
      }
    }
    leader = found;
    if (leader != null) {
      for (PeerProgress p : leader.getPeersList()) {
        progress.put(p.getId(), p);
      }
    }
  }

  /** True if some reachable member is the leader. */
  boolean hasLeader() {
    return leader != null;
  }

  /** A summary line, then the table. */
  void printText(PrintWriter out) {
    long reachable = rows.stream().filter(r -> r.status != null).count();
    String cluster = rows.stream().filter(r -> r.status != null).findFirst()
        .map(r -> r.status.getClusterId()).orElse("?");
    String security = securityOf(leader);
    for (Row r : rows) {
      security = security != null ? security : securityOf(r.status);
    }
    out.println("cluster " + cluster + ": " + (leader == null ? "no leader"
        : "leader " + leader.getMemberId() + ", term " + leader.getTerm()) + "; "
        + reachable + " of " + rows.size() + " members reachable"
        + (security == null ? "" : "; " + security));
    table().print(out);
  }

  /**
   * Asks every member for its status: the members come from the first endpoint that lists them
   * (else the endpoints themselves stand for them), and are asked in parallel. A member list
   * refused for a reason of security (DENIED) ends the report: every member would refuse alike.
   */
  static StatusReport collect(LatticeClient client) {
    Map<String, String> members = new LinkedHashMap<>();
    Map<String, String> peerAddresses = new LinkedHashMap<>();
    try {
      for (MemberInfo m : client.memberList().getMembersList()) {
        members.put(m.getId(), m.getAddress());
        peerAddresses.put(m.getId(), m.getPeerAddress());
      }
    } catch (ClientException e) {
      // refused credentials or a failed TLS connection would fail every member alike: say so once
      if (e.outcome() == ClientException.Outcome.CANCELLED
          || e.outcome() == ClientException.Outcome.DENIED) {
        throw e;
      }
      for (String address : client.endpoints()) {
        members.put("?" + address, address);
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, members.size()), r -> {
      Thread t = new Thread(r, "lattice-status");
      t.setDaemon(true);
      return t;
    });
    try {
      List<CompletableFuture<Row>> futures = new ArrayList<>();
      for (Map.Entry<String, String> m : members.entrySet()) {
        String id = m.getKey().startsWith("?") ? "?" : m.getKey();
        String peer = peerAddresses.getOrDefault(m.getKey(), "");
        futures.add(CompletableFuture.supplyAsync(() -> {
          if (m.getValue().isEmpty()) {
            return new Row(id, "-", peer, null,
                "client address not known yet (the leader records it once the member runs)");
          }
          try {
            StatusResponse s = client.statusOf(m.getValue());
            return new Row(s.getMemberId(), m.getValue(),
                peer.isEmpty() ? s.getPeerAddress() : peer, s, null);
          } catch (ClientException e) {
            return new Row(id, m.getValue(), peer, null, e.getMessage());
          }
        }, pool));
      }
      List<Row> rows = new ArrayList<>();
      for (CompletableFuture<Row> f : futures) {
        rows.add(f.join());
      }
      return new StatusReport(rows);
    } finally {
      pool.shutdownNow();
    }
  }

  private Table table() {
    Table t = new Table("ID", "CLIENT ADDRESS", "PEER ADDRESS", "ROLE", "TERM", "COMMIT",
        "APPLIED", "LAG", "LAST CONTACT", "SNAPSHOT", "LOG SIZE", "ERRORS");
    for (Row r : rows) {
      PeerProgress p = progress.get(r.id);
      boolean isLeader = leader != null && leader.getMemberId().equals(r.id);
      String lag = isLeader ? "0" : p != null ? Long.toString(p.getLagEntries()) : null;
      String contact = isLeader ? "(leader)" : p == null ? null
          : neverHeardFrom(p) ? "never" : Sizes.millis(p.getLastContactMillisAgo()) + " ago";
      String error = r.error != null ? r.error : join(alarms(r.status), replicationProblem(p));
      StatusResponse s = r.status;
      if (s == null) {
        t.row(r.id, r.address, r.peerAddress, "unreachable", null, null, null, lag, contact, null,
            null, error);
      } else {
        t.row(s.getMemberId(), r.address, r.peerAddress,
            s.getRole().name().toLowerCase(Locale.ROOT),
            s.getTerm(), s.getCommitIndex(), s.getAppliedIndex(), lag, contact,
            s.getSnapshotIndex(), Sizes.bytes(s.getLogBytes()), error);
      }
    }
    return t;
  }

  /**
   * True if the leader has never heard from the member: it says so (-1), or nothing it sent was
   * ever acknowledged (no match index) and it has not heard from the member lately. A member
   * that answered even once has a match index: the leader's first entry of its term (a no-op) is
   * matched by every member it reaches. The node reports -1 itself now; the second clause is for
   * servers of earlier versions, which counted a member they never reached as last contacted when
   * the leadership began.
   */
  static boolean neverHeardFrom(PeerProgress p) {
    return p.getLastContactMillisAgo() < 0 || (p.getMatchIndex() == 0 && !p.getReachable());
  }

  /** The member's raised alarms as "TYPE: detail; ...", or null when none (or unreachable). */
  private static String alarms(StatusResponse s) {
    if (s == null || s.getAlarmsCount() == 0) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (Alarm a : s.getAlarmsList()) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append("alarm ").append(a.getType().name()).append(": ").append(a.getDetail());
    }
    return b.toString();
  }

  private static String join(String a, String b) {
    return a == null ? b : b == null ? a : a + "; " + b;
  }

  /** True if some reachable member has an alarm raised. */
  boolean hasAlarms() {
    return rows.stream().anyMatch(r -> r.status != null && r.status.getAlarmsCount() > 0);
  }

  /**
   * What the leader's view says is wrong with a member, or null. The leader's "recently active"
   * flag alone is not used: check-quorum clears it every election timeout, so it is briefly false
   * for healthy members; a missing or old last contact is what matters.
   */
  private static String replicationProblem(PeerProgress p) {
    if (p == null || p.getReachable()) {
      return null;
    }
    long ago = p.getLastContactMillisAgo();
    if (neverHeardFrom(p)) {
      return "the leader has not heard from it since it became leader";
    }
    return ago >= STALE_CONTACT_MILLIS ? "no contact with the leader for " + Sizes.millis(ago)
        : null;
  }

  /**
   * How a member says it is secured: "mTLS" (TLS, client certificates required), "TLS" or
   * "insecure"; null if it does not say (or the member did not answer).
   */
  static String securityOf(StatusResponse s) {
    if (s == null || !s.hasSecurity()) {
      return null;
    }
    if (!s.getSecurity().getClientTls()) {
      return "insecure";
    }
    return s.getSecurity().getClientCertAuth() ? "mTLS" : "TLS";
  }

  /** Cluster id, leader, term and one object per member. */
  JsonObject json() {
    JsonObject o = new JsonObject();
    o.addProperty("leader_id", leader == null ? null : leader.getMemberId());
    o.addProperty("term", leader == null ? null : leader.getTerm());
    JsonArray arr = new JsonArray();
    for (Row r : rows) {
      JsonObject m = new JsonObject();
      m.addProperty("id", r.id);
      m.addProperty("client_address", r.address);
      m.addProperty("peer_address", r.peerAddress);
      m.addProperty("reachable", r.status != null);
      StatusResponse s = r.status;
      if (s != null) {
        o.addProperty("cluster_id", s.getClusterId());
        m.addProperty("role", s.getRole().name().toLowerCase(Locale.ROOT));
        m.addProperty("term", s.getTerm());
        m.addProperty("leader_id", s.getLeaderId());
        m.addProperty("commit_index", s.getCommitIndex());
        m.addProperty("applied_index", s.getAppliedIndex());
        m.addProperty("log_first_index", s.getLogFirstIndex());
        m.addProperty("log_last_index", s.getLogLastIndex());
        m.addProperty("log_bytes", s.getLogBytes());
        m.addProperty("snapshot_index", s.getSnapshotIndex());
        m.addProperty("snapshot_term", s.getSnapshotTerm());
        m.addProperty("version", s.getVersion());
        m.addProperty("disk_free_bytes", s.getDiskFreeBytes());
        String security = securityOf(s);
        if (security != null) {
          m.addProperty("security", security.toLowerCase(Locale.ROOT));
        }
        JsonArray alarms = new JsonArray();
        for (Alarm a : s.getAlarmsList()) {
          JsonObject j = new JsonObject();
          j.addProperty("type", a.getType().name());
          j.addProperty("detail", a.getDetail());
          alarms.add(j);
        }
        m.add("alarms", alarms);
      }
      PeerProgress p = progress.get(r.id);
      boolean isLeader = leader != null && leader.getMemberId().equals(r.id);
      if (isLeader) {
        m.addProperty("lag", 0);
      } else if (p != null) {
        m.addProperty("lag", p.getLagEntries());
        m.addProperty("match_index", p.getMatchIndex());
        m.addProperty("last_contact_ms", neverHeardFrom(p) ? -1 : p.getLastContactMillisAgo());
        m.addProperty("replication", p.getState().name().toLowerCase(Locale.ROOT));
        m.addProperty("recently_active", p.getReachable());
      }
      m.addProperty("error", r.error);
      arr.add(m);
    }
    o.add("members", arr);
    return o;
  }
}
