package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.Sizes;
import io.lattice.cli.output.Table;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.PeerProgress;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;

/**
 * {@code lattice status}: one row per member of the cluster, each from that member's own Status,
 * with the leader's view of replication (lag, last contact). Members that cannot be reached are
 * rows with the error, never left out. Exits with 0 when a leader is known, else 4.
 */
@Command(name = "status", description = "Show every member of the cluster: role, term, log "
    + "positions, lag behind the leader, snapshot, log size and errors.",
    footer = {"", "LAG is how many entries a member is behind the leader's log, LAST CONTACT when "
        + "the leader last heard from it (both as the leader sees them).",
        "Exits with 0 when a leader is known, 4 when none is."})
final class StatusCommand extends BaseCommand {
  StatusCommand(CliContext ctx) {
    super(ctx);
  }

  /** A member and what we learned about it. */
  private record Row(String id, String address, StatusResponse status, String error) {}

  @Override
  public Integer call() {
    List<Row> rows;
    try (CliContext.ClientLease lease = client()) {
      rows = collect(lease.client());
    }
    StatusResponse leader = null;
    for (Row r : rows) {
      if (r.status != null && r.status.getRole() == Role.LEADER
          && (leader == null || r.status.getTerm() > leader.getTerm())) {
        leader = r.status;
      }
    }
    Map<String, PeerProgress> progress = new LinkedHashMap<>();
    if (leader != null) {
      for (PeerProgress p : leader.getPeersList()) {
        progress.put(p.getId(), p);
      }
    }
    if (format() == io.lattice.cli.output.OutputFormat.json) {
      printJson(json(rows, leader, progress));
    } else {
      long reachable = rows.stream().filter(r -> r.status != null).count();
      String cluster = rows.stream().filter(r -> r.status != null).findFirst()
          .map(r -> r.status.getClusterId()).orElse("?");
      out().println("cluster " + cluster + ": " + (leader == null ? "no leader"
          : "leader " + leader.getMemberId() + ", term " + leader.getTerm()) + "; "
          + reachable + " of " + rows.size() + " members reachable");
      table(rows, leader, progress).print(out());
    }
    if (leader == null) {
      throw new CliException(ExitCodes.UNAVAILABLE, "no leader is known to any reachable member");
    }
    return ExitCodes.OK;
  }

  /** The members (from any endpoint's member list, else the endpoints) with their status. */
  private List<Row> collect(LatticeClient client) {
    Map<String, String> members = new LinkedHashMap<>();
    try {
      for (MemberInfo m : client.memberList().getMembersList()) {
        members.put(m.getId(), m.getAddress());
      }
    } catch (ClientException e) {
      if (e.outcome() == ClientException.Outcome.CANCELLED) {
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
        futures.add(CompletableFuture.supplyAsync(() -> {
          try {
            StatusResponse s = client.statusOf(m.getValue());
            return new Row(s.getMemberId(), m.getValue(), s, null);
          } catch (ClientException e) {
            return new Row(id, m.getValue(), null, e.getMessage());
          }
        }, pool));
      }
      List<Row> rows = new ArrayList<>();
      for (CompletableFuture<Row> f : futures) {
        rows.add(f.join());
      }
      return rows;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Table table(List<Row> rows, StatusResponse leader,
      Map<String, PeerProgress> progress) {
    Table t = new Table("ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG",
        "LAST CONTACT", "SNAPSHOT", "LOG SIZE", "ERRORS");
    for (Row r : rows) {
      PeerProgress p = progress.get(r.id);
      boolean isLeader = leader != null && leader.getMemberId().equals(r.id);
      String lag = isLeader ? "0" : p != null ? Long.toString(p.getLagEntries()) : null;
      String contact = isLeader ? "(leader)" : p == null ? null
          : p.getLastContactMillisAgo() < 0 ? "never" : Sizes.millis(p.getLastContactMillisAgo())
              + " ago";
      String error = r.error != null ? r.error
          : p != null && !p.getReachable() ? "the leader has not heard from it recently" : null;
      StatusResponse s = r.status;
      if (s == null) {
        t.row(r.id, r.address, "unreachable", null, null, null, lag, contact, null, null, error);
      } else {
        t.row(s.getMemberId(), r.address, s.getRole().name().toLowerCase(Locale.ROOT),
            s.getTerm(), s.getCommitIndex(), s.getAppliedIndex(), lag, contact,
            s.getSnapshotIndex(), Sizes.bytes(s.getLogBytes()), error);
      }
    }
    return t;
  }

  private static JsonObject json(List<Row> rows, StatusResponse leader,
      Map<String, PeerProgress> progress) {
    JsonObject o = new JsonObject();
    o.addProperty("leader_id", leader == null ? null : leader.getMemberId());
    o.addProperty("term", leader == null ? null : leader.getTerm());
    JsonArray arr = new JsonArray();
    for (Row r : rows) {
      JsonObject m = new JsonObject();
      m.addProperty("id", r.id);
      m.addProperty("address", r.address);
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
      }
      PeerProgress p = progress.get(r.id);
      boolean isLeader = leader != null && leader.getMemberId().equals(r.id);
      if (isLeader) {
        m.addProperty("lag", 0);
      } else if (p != null) {
        m.addProperty("lag", p.getLagEntries());
        m.addProperty("match_index", p.getMatchIndex());
        m.addProperty("last_contact_ms", p.getLastContactMillisAgo());
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
