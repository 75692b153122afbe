package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.OutputFormat;
import io.lattice.cli.output.Table;
import io.lattice.proto.v1.Alarm;
import io.lattice.proto.v1.Role;
import io.lattice.proto.v1.StatusResponse;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * The health of members, one at a time, as {@code etcdctl endpoint health} reports it: a member
 * is healthy when it answers its Status, knows a leader (it is the leader, or hears from one) and
 * has no alarm raised.
 */
final class EndpointHealth {
  /** One member's health: how long its Status took, and what is wrong ("" if nothing). */
  record Result(String address, String id, boolean healthy, long tookNanos, String role,
      String error) {}

  private EndpointHealth() {}

  static List<Result> check(LatticeClient client, List<ClusterMembers.Member> members) {
    return ClusterMembers.each(members, m -> check(client, m));
  }

  private static Result check(LatticeClient client, ClusterMembers.Member m) {
    if (m.address().isEmpty()) {
      return new Result("-", m.id(), false, 0, "", "client address not known yet (the leader "
          + "records it once the member runs)");
    }
    long start = System.nanoTime();
    try {
      StatusResponse s = client.statusOf(m.address());
      long took = System.nanoTime() - start;
      String role = s.getRole() == Role.LEADER ? "leader"
          : s.getLeaderId().isEmpty() ? s.getRole().name().toLowerCase(Locale.ROOT)
          : "follower of " + s.getLeaderId();
      String error = "";
      if (s.getRole() != Role.LEADER && s.getLeaderId().isEmpty()) {
        error = s.getMemberId() + " has no leader";
      }
      for (Alarm a : s.getAlarmsList()) {
        error += (error.isEmpty() ? "" : "; ") + "alarm " + a.getType().name() + ": "
            + a.getDetail();
      }
      return new Result(m.address(), s.getMemberId(), error.isEmpty(), took, role, error);
    } catch (ClientException e) {
      if (e.outcome() == ClientException.Outcome.CANCELLED) {
        throw e;
      }
      String error = e.getMessage();
      if (error.startsWith(m.address() + ": ")) {
        error = error.substring(m.address().length() + 2); // the line starts with the address
      }
      return new Result(m.address(), m.id(), false, System.nanoTime() - start, "", error);
    }
  }

  static void print(PrintWriter out, OutputFormat format, List<Result> results) {
    switch (format) {
      case json -> {
        JsonArray a = new JsonArray();
        for (Result r : results) {
          JsonObject o = new JsonObject();
          o.addProperty("endpoint", r.address());
          o.addProperty("member_id", r.id());
          o.addProperty("health", r.healthy());
          o.addProperty("took_ms", Math.round(r.tookNanos() / 1e5) / 10.0);
          if (!r.error().isEmpty()) {
            o.addProperty("error", r.error());
          }
          a.add(o);
        }
        out.println(Json.format(a));
      }
      case table -> {
        Table t = new Table("ENDPOINT", "ID", "HEALTH", "TOOK", "ERROR");
        for (Result r : results) {
          t.row(r.address(), r.id(), r.healthy() ? "healthy" : "unhealthy", took(r.tookNanos()),
              r.error().isEmpty() ? null : r.error());
        }
        t.print(out);
      }
      default -> {
        for (Result r : results) {
          out.println(r.address() + " is " + (r.healthy() ? "healthy" : "unhealthy") + ": took "
              + took(r.tookNanos()) + (r.healthy() ? " (" + r.id() + ", " + r.role() + ")"
                  : ": " + r.error()));
        }
      }
    }
    out.flush();
  }

  /** 0.8ms, 12.3ms, 1.25s. */
  static String took(long nanos) {
    double ms = nanos / 1e6;
    return ms < 1000 ? String.format(Locale.ROOT, "%.1fms", ms)
        : String.format(Locale.ROOT, "%.2fs", ms / 1000);
  }
}
