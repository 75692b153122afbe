package io.lattice.cli.output;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.proto.v1.MemberInfo;
import java.io.PrintWriter;
import java.util.List;

/** Shows a cluster configuration (a list of {@link MemberInfo}). */
public final class Members {
  private Members() {}

  /** "voter", "learner" or "learner (auto-promote)". */
  public static String role(MemberInfo m) {
    if (!m.getIsLearner()) {
      return "voter";
    }
    return m.getAutoPromote() ? "learner (auto-promote)" : "learner";
  }

  /** Columns ID, ADDRESS, ROLE, LEADER. */
  public static void printTable(List<MemberInfo> members, PrintWriter out) {
    Table t = new Table("ID", "ADDRESS", "ROLE", "LEADER");
    for (MemberInfo m : members) {
      t.row(m.getId(), m.getAddress(), role(m), m.getIsLeader() ? "yes" : "");
    }
    t.print(out);
  }

  public static JsonObject json(MemberInfo m) {
    JsonObject o = new JsonObject();
    o.addProperty("id", m.getId());
    o.addProperty("address", m.getAddress());
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
