package io.lattice.cli.inspect;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.format.KvCommand;
import java.time.Instant;
import java.util.List;

/**
 * A {@link KvCommand} as a JSON object with every field, for scripts: {@code op} ({@code PUT},
 * {@code DELETE}, {@code CAS}, {@code TXN}, {@code OPEN_SESSION}, {@code CLOSE_SESSION}), keys and
 * values via {@link JsonBytes} ({@code key} or {@code key_base64}, {@code value_size}), the session
 * and the proposal time.
 */
final class CommandJson {
  private CommandJson() {}

  static JsonObject of(KvCommand c) {
    JsonObject o = new JsonObject();
    if (c instanceof KvCommand.Put put) {
      o.addProperty("op", "PUT");
      JsonBytes.put(o, "key", put.key());
      JsonBytes.putSized(o, "value", put.value());
      o.addProperty("prev_kv", put.prevKv());
    } else if (c instanceof KvCommand.Delete del) {
      o.addProperty("op", "DELETE");
      JsonBytes.put(o, "key", del.key());
      o.addProperty("prefix", del.prefix());
      o.addProperty("prev_kv", del.prevKv());
    } else if (c instanceof KvCommand.CompareAndSwap cas) {
      o.addProperty("op", "CAS");
      JsonBytes.put(o, "key", cas.key());
      JsonObject expect = new JsonObject();
      expect.addProperty("kind", cas.expect().kind().name());
      switch (cas.expect().kind()) {
        case VALUE -> JsonBytes.putSized(expect, "value", cas.expect().value());
        case VERSION -> expect.addProperty("version", cas.expect().version());
        case ABSENT -> { }
      }
      o.add("expect", expect);
      o.addProperty("then", cas.newValue() == null ? "DELETE" : "PUT");
      JsonBytes.putSized(o, "value", cas.newValue());
      o.addProperty("prev_kv", cas.prevKv());
    } else if (c instanceof KvCommand.Txn txn) {
      o.addProperty("op", "TXN");
      JsonArray compares = new JsonArray();
      for (KvCommand.Compare cmp : txn.compares()) {
        JsonObject j = new JsonObject();
        JsonBytes.put(j, "key", cmp.key());
        j.addProperty("target", cmp.target().name());
        j.addProperty("op", cmp.op().name());
        if (cmp.value() != null) {
          JsonBytes.putSized(j, "value", cmp.value());
        } else {
          j.addProperty("number", cmp.number());
        }
        compares.add(j);
      }
      o.add("compares", compares);
      o.add("success", ops(txn.success()));
      o.add("failure", ops(txn.failure()));
    } else if (c instanceof KvCommand.RegisterSession) {
      o.addProperty("op", "OPEN_SESSION"); // its session id is the entry's index
    } else if (c instanceof KvCommand.CloseSession close) {
      o.addProperty("op", "CLOSE_SESSION");
      o.addProperty("session_id", close.sessionId());
    }
    if (c.session().present()) {
      JsonObject s = new JsonObject();
      s.addProperty("session_id", c.session().id());
      s.addProperty("sequence", c.session().sequence());
      s.addProperty("acknowledged", c.session().acknowledged());
      o.add("session", s);
    }
    o.addProperty("proposed_at_ms", c.proposedAtMillis());
    o.addProperty("proposed_at", Instant.ofEpochMilli(c.proposedAtMillis()).toString());
    return o;
  }

  private static JsonArray ops(List<KvCommand.Op> ops) {
    JsonArray out = new JsonArray();
    for (KvCommand.Op op : ops) {
      JsonObject j = new JsonObject();
      j.addProperty("op", op.kind().name());
      JsonBytes.put(j, "key", op.key());
      JsonBytes.putSized(j, "value", op.value());
      j.addProperty("prev_kv", op.prevKv());
      out.add(j);
    }
    return out;
  }
}
