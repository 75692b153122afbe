package io.lattice.cli.inspect;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.format.MemberRecord;
import java.io.PrintWriter;

/**
 * NDJSON: one object per printed entry ({@code "type":"entry"}), then exactly one
 * {@code "type":"summary"} object with the header fields, the verdict and, when not OK, the
 * problem. Every line is a complete JSON object; a reader can tell the two kinds by {@code type}.
 * The verdict is always present: every record's checksum is checked on every run.
 */
final class JsonRenderer implements Renderer {
  private final PrintWriter out;
  private final Gson gson = new GsonBuilder().disableHtmlEscaping().create();

  JsonRenderer(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void begin(LogReport report, LogInspector.Options options) {
    // The summary comes last, when the printed count is known.
  }

  @Override
  public void entry(EntryLine line) {
    DecodedEntry e = line.entry();
    JsonObject o = new JsonObject();
    o.addProperty("type", "entry");
    o.addProperty("index", e.record().index());
    o.addProperty("term", e.record().term());
    o.addProperty("kind", e.kindName());
    o.addProperty("file", line.segment().path().toString());
    o.addProperty("offset", line.offset());
    o.addProperty("size", line.framedSize());
    o.addProperty("payload_size", e.record().payload().length);
    if (!e.decoded()) {
      o.addProperty("decode_error", e.error());
    } else if (e.command() != null) {
      o.add("command", CommandJson.of(e.command()));
    } else if (e.members() != null) {
      JsonArray members = new JsonArray();
      for (MemberRecord m : e.members()) {
        JsonObject j = new JsonObject();
        j.addProperty("id", m.id());
        j.addProperty("peer_address", m.peerAddress());
        j.addProperty("client_address", m.clientAddress());
        j.addProperty("voter", m.voter());
        j.addProperty("auto_promote", m.autoPromote());
        members.add(j);
      }
      o.add("members", members);
    }
    out.println(gson.toJson(o));
  }

  @Override
  public void end(LogReport report, WalkResult walk, LogInspector.Options options) {
    JsonObject o = new JsonObject();
    o.addProperty("type", "summary");
    o.addProperty("path", report.files().input().toString());
    o.addProperty("data_dir", report.files().directory());
    JsonArray segments = new JsonArray();
    for (SegmentReport s : report.segments()) {
      JsonObject j = new JsonObject();
      j.addProperty("file", s.segment().path().toString());
      j.addProperty("sealed", s.segment().sealed());
      j.addProperty("read", s.read());
      if (s.read()) {
        j.addProperty("format_version", s.formatVersion());
        j.addProperty("bytes", s.fileSize());
        j.addProperty("entries", s.entries());
        j.addProperty("first_index", s.firstIndex());
        j.addProperty("last_index", s.lastIndex());
      }
      segments.add(j);
    }
    o.add("segments", segments);
    JsonArray versions = new JsonArray();
    report.formatVersions().forEach(versions::add);
    o.add("format_versions", versions);
    o.addProperty("entries", report.entries());
    o.addProperty("first_index", report.firstIndex());
    o.addProperty("last_index", report.lastIndex());
    JsonArray terms = new JsonArray();
    for (TermHistory.Start s : report.terms().starts()) {
      JsonObject j = new JsonObject();
      j.addProperty("term", s.term());
      j.addProperty("first_index", s.firstIndex());
      terms.add(j);
    }
    o.add("terms", terms);
    o.addProperty("bytes", report.bytes());
    o.addProperty("printed", walk.printed());
    o.addProperty("undecodable", walk.undecodable());
    o.addProperty("verified", options.verify());
    if (options.verify() && report.files().directory()) {
      JsonArray state = new JsonArray();
      for (StateFile f : report.stateFiles()) {
        JsonObject j = new JsonObject();
        j.addProperty("kind", f.subject() == Verdict.Subject.SNAPSHOT ? "snapshot" : "hard_state");
        j.addProperty("file", f.file().toString());
        j.addProperty("intact", f.intact());
        if (f.intact()) {
          j.addProperty("summary", f.summary());
        } else {
          if (f.offset() >= 0) {
            j.addProperty("offset", f.offset());
          }
          j.addProperty("detail", f.problem());
        }
        state.add(j);
      }
      o.add("state_files", state);
    }
    Verdict v = report.verdict();
    o.addProperty("verdict", v.code());
    if (v.kind() != Verdict.Kind.OK) {
      JsonObject p = new JsonObject();
      p.addProperty("file", v.file().toString());
      p.addProperty("subject", v.subject().name().toLowerCase(java.util.Locale.ROOT));
      if (v.offset() >= 0) {
        p.addProperty("offset", v.offset());
      }
      if (v.index() > 0) {
        p.addProperty("index", v.index());
      }
      p.addProperty("detail", v.detail());
      o.add("problem", p);
      o.addProperty("message", v.describe());
    }
    if (v.repairCommand() != null) {
      o.addProperty("repair_command", v.repairCommand());
    }
    out.println(gson.toJson(o));
  }
}
