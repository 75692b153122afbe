package io.lattice.cli.output;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.proto.v1.MemberInfo;
import java.io.PrintWriter;
import java.util.List;

/** Shows a cluster configuration (a list of {@link MemberInfo}). */
public final class Members {
  private Members() {}

  /** True if some member of {@code members} is the leader (as the answering member knows). */
  public static boolean anyLeader(List<MemberInfo> members) {
    for (MemberInfo m : members) {
      if (m.getIsLeader()) {
        return true;
      }
    }
    return false;
  }

  /** "voter", "learner" or "learner (auto-promote)". */
  public static String role(MemberInfo m) {
    if (!m.getIsLearner()) {
      return "voter";
    }
    return m.getAutoPromote() ? "learner (auto-promote)" : "learner";
  }

  /**
   * Prints a configuration after a change: JSON (members and header), or {@code message} (if not
   * null) and the table.
   */
  public static void print(PrintWriter out, OutputFormat format, String message,
      List<MemberInfo> members, io.lattice.proto.v1.ResponseHeader header) {
    if (format == OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.add("members", json(members));
      o.add("header", Json.header(header));
      out.println(Json.format(o));
      out.flush();
      return;
    }
    if (message != null) {
      out.println(message);
    }
    printTable(members, out);
  }

  /**
   * Columns ID, CLIENT ADDRESS, PEER ADDRESS, ROLE, LEADER (a client address not yet published by
   * the leader shows as "-").
   */
  public static void printTable(List<MemberInfo> members, PrintWriter out) {
    Table t = new Table("ID", "CLIENT ADDRESS", "PEER ADDRESS", "ROLE", "LEADER");
    for (MemberInfo m : members) {
      t.row(m.getId(), m.getAddress().isEmpty() ? "-" : m.getAddress(),
          m.getPeerAddress(), role(m), m.getIsLeader() ? "yes" : "");
    }
    t.print(out);
  }

  public static JsonObject json(MemberInfo m) {
    JsonObject o = new JsonObject();
    o.addProperty("id", m.getId());
    o.addProperty("client_address", m.getAddress());
    o.addProperty("peer_address", m.getPeerAddress());
    o.addProperty("voter", !m.getIsLearner());
    o.addProperty("auto_promote", m.getAutoPromote());
    o.addProperty("leader", m.getIsLeader());
    return o;
  }

  public static JsonArray json(List<MemberInfo> members) {
    JsonArray a = new JsonArray();
    for (MemberInfo m : members) {
      a.add(json(m));
    }
    return a;
  }
}
