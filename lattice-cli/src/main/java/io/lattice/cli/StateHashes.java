package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.OutputFormat;
import io.lattice.cli.output.Table;
import io.lattice.proto.v1.HashResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The state hash of every member (the Hash RPC), and the comparison of {@code cluster verify}:
 * hashes are comparable only at the same applied index, so the members are asked again to wait
 * for the highest index any of them reported, until all report the same one (a few rounds; under
 * a steady stream of writes they may not, and those at another index are not compared).
 */
final class StateHashes {
  /** How many times the members are asked to meet at one applied index. */
  static final int ROUNDS = 4;

  /** One member's hash, or why there is none ({@code hash} null). */
  record Probe(String id, String address, HashResponse hash, String error) {}

  /** What {@code cluster verify} concludes. */
  record Verdict(long index, List<String> agreeing, List<String> differing,
      Map<String, String> notCompared, String text) {
    boolean ok() {
      return differing.isEmpty() && notCompared.isEmpty();
    }
  }

  private StateHashes() {}

  /** Every member's hash at its applied index, after it has applied {@code waitFor} (0: now). */
  static List<Probe> collect(LatticeClient client, List<ClusterMembers.Member> members,
      long waitFor) {
    return ClusterMembers.each(members, m -> {
      if (m.address().isEmpty()) {
        return new Probe(m.id(), "-", null, "client address not known yet");
      }
      try {
        HashResponse h = client.hashOf(m.address(), waitFor);
        return new Probe(h.getHeader().getMemberId().isEmpty() ? m.id()
            : h.getHeader().getMemberId(), m.address(), h, null);
      } catch (ClientException e) {
        if (e.outcome() == ClientException.Outcome.CANCELLED) {
          throw e;
        }
        return new Probe(m.id(), m.address(), null, e.getMessage());
      }
    });
  }

  /** Hashes taken until every member that answers is at the same applied index (or rounds end). */
  static List<Probe> atOneIndex(LatticeClient client, List<ClusterMembers.Member> members) {
    List<Probe> probes = collect(client, members, 0);
    for (int round = 1; round < ROUNDS; round++) {
      long max = maxIndex(probes);
      if (probes.stream().allMatch(p -> p.hash == null || p.hash.getAppliedIndex() == max)) {
        break;
      }
      probes = collect(client, members, max);
    }
    return probes;
  }

  /** True if every member gave its hash. */
  static boolean allAnswered(List<Probe> probes) {
    return probes.stream().allMatch(p -> p.hash != null);
  }

  private static long maxIndex(List<Probe> probes) {
    long max = 0;
    for (Probe p : probes) {
      if (p.hash != null) {
        max = Math.max(max, p.hash.getAppliedIndex());
      }
    }
    return max;
  }

  /**
   * Compares the members at the highest applied index reported: those whose hash is not the one
   * most of them have differ; the others (unreachable, at another index) are not compared.
   */
  static Verdict verdict(List<Probe> probes) {
    long index = maxIndex(probes);
    Map<String, String> notCompared = new LinkedHashMap<>();
    Map<Long, List<Probe>> byHash = new LinkedHashMap<>();
    for (Probe p : probes) {
      if (p.hash == null) {
        notCompared.put(p.id, p.error);
      } else if (p.hash.getAppliedIndex() != index) {
        notCompared.put(p.id, "at index " + p.hash.getAppliedIndex() + ", not " + index
            + " (still applying, or writes kept coming)");
      } else {
        byHash.computeIfAbsent(p.hash.getHash(), h -> new ArrayList<>()).add(p);
      }
    }
    List<Probe> most = List.of();
    boolean tie = false;
    for (List<Probe> group : byHash.values()) {
      if (group.size() > most.size()) {
        most = group;
        tie = false;
      } else if (group.size() == most.size()) {
        tie = true;
      }
    }
    List<String> agreeing = new ArrayList<>();
    List<String> differing = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    if (byHash.isEmpty()) {
      text.append("no member could be compared");
    } else if (byHash.size() == 1) {
      most.forEach(p -> agreeing.add(p.id));
      // OK only when no member was left out: one that was not compared may be the one that differs
      text.append(notCompared.isEmpty() ? "OK: " : "INCOMPLETE: ")
          .append(String.join(", ", agreeing)).append(agreeing.size() == 1
          ? " is the only member compared" : " have the same state").append(" at index ")
          .append(index).append(" (hash ").append(hex(most.get(0).hash.getHash())).append(", ")
          .append(keys(most.get(0).hash.getKeyCount())).append(")");
    } else if (tie) {
      List<String> parts = new ArrayList<>();
      for (List<Probe> group : byHash.values()) {
        group.forEach(p -> differing.add(p.id));
        parts.add(ids(group) + " " + (group.size() == 1 ? "has " : "have ")
            + hex(group.get(0).hash.getHash()) + " (" + keys(group.get(0).hash.getKeyCount())
            + ")");
      }
      text.append("MISMATCH at index ").append(index).append(", no majority: ")
          .append(String.join("; ", parts));
    } else {
      most.forEach(p -> agreeing.add(p.id));
      List<String> parts = new ArrayList<>();
      for (List<Probe> group : byHash.values()) {
        if (group != most) {
          group.forEach(p -> differing.add(p.id));
          parts.add(ids(group) + " " + (group.size() == 1 ? "differs" : "differ") + " (hash "
              + hex(group.get(0).hash.getHash()) + ", " + keys(group.get(0).hash.getKeyCount())
              + ")");
        }
      }
      text.append("MISMATCH at index ").append(index).append(": ").append(String.join("; ", parts))
          .append("; ").append(ids(most)).append(most.size() == 1 ? " has " : " have ")
          .append(hex(most.get(0).hash.getHash())).append(" (")
          .append(keys(most.get(0).hash.getKeyCount())).append(")");
    }
    return new Verdict(index, agreeing, differing, notCompared, text.toString());
  }

  private static String ids(List<Probe> group) {
    List<String> ids = new ArrayList<>();
    group.forEach(p -> ids.add(p.id));
    return String.join(", ", ids);
  }

  private static String keys(long n) {
    return n + (n == 1 ? " key" : " keys");
  }

  static String hex(long hash) {
    return String.format(Locale.ROOT, "%016x", hash);
  }

  /** The hash of each member: a table (or JSON). */
  static void print(PrintWriter out, OutputFormat format, List<Probe> probes) {
    if (format == OutputFormat.json) {
      out.println(Json.format(json(probes)));
    } else {
      Table t = new Table("ID", "ADDRESS", "HASH", "APPLIED INDEX", "KEYS", "ERROR");
      for (Probe p : probes) {
        t.row(p.id, p.address, p.hash == null ? null : hex(p.hash.getHash()),
            p.hash == null ? null : p.hash.getAppliedIndex(),
            p.hash == null ? null : p.hash.getKeyCount(), p.error);
      }
      t.print(out);
    }
    out.flush();
  }

  static JsonArray json(List<Probe> probes) {
    JsonArray a = new JsonArray();
    for (Probe p : probes) {
      JsonObject o = new JsonObject();
      o.addProperty("id", p.id);
      o.addProperty("address", p.address);
      if (p.hash != null) {
        o.addProperty("hash", hex(p.hash.getHash()));
        o.addProperty("applied_index", p.hash.getAppliedIndex());
        o.addProperty("key_count", p.hash.getKeyCount());
      } else {
        o.addProperty("error", p.error);
      }
      a.add(o);
    }
    return a;
  }

  /** The verdict of {@code cluster verify}: text lines, or JSON with the hashes. */
  static void print(PrintWriter out, OutputFormat format, Verdict v, List<Probe> probes) {
    if (format == OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.addProperty("ok", v.ok());
      o.addProperty("index", v.index);
      JsonArray differing = new JsonArray();
      v.differing.forEach(differing::add);
      o.add("differing", differing);
      JsonObject notCompared = new JsonObject();
      v.notCompared.forEach(notCompared::addProperty);
      o.add("not_compared", notCompared);
      o.add("members", json(probes));
      o.addProperty("verdict", v.text);
      out.println(Json.format(o));
    } else {
      if (format == OutputFormat.table) {
        print(out, format, probes);
      }
      out.println(v.text);
      v.notCompared.forEach((id, why) -> out.println(id + ": not compared: " + why));
    }
    out.flush();
  }
}
