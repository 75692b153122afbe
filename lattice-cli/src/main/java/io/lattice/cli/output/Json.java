package io.lattice.cli.output;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.ResponseHeader;
import java.util.Base64;

/** JSON output: pretty-printed documents with readable keys and values. */
public final class Json {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
      .serializeNulls().create();

  private Json() {}

  /** The document as text (no trailing newline). */
  public static String format(JsonElement e) {
    return GSON.toJson(e);
  }

  private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().serializeNulls()
      .create();

  /** The document on one line (no trailing newline): for records meant to be appended and grepped. */
  public static String formatLine(JsonElement e) {
    return COMPACT.toJson(e);
  }

  /**
   * Adds {@code bytes} as {@code name} (a string) when they are printable UTF-8, else as {@code
   * name_base64} (a base64 string).
   */
  public static void putBytes(JsonObject o, String name, byte[] bytes) {
    String t = ReadableBytes.text(bytes);
    if (t != null) {
      o.addProperty(name, t);
    } else {
      o.addProperty(name + "_base64", Base64.getEncoder().encodeToString(bytes));
    }
  }

  /** A key-value with its metadata; without the value when {@code withValue} is false. */
  public static JsonObject kv(KeyValue kv, boolean withValue) {
    JsonObject o = new JsonObject();
    putBytes(o, "key", kv.getKey().toByteArray());
    if (withValue) {
      putBytes(o, "value", kv.getValue().toByteArray());
    }
    o.addProperty("version", kv.getVersion());
    o.addProperty("create_index", kv.getCreateIndex());
    o.addProperty("mod_index", kv.getModIndex());
    return o;
  }

  /** The response header: who answered, its term and applied index, the leader it knows. */
  public static JsonObject header(ResponseHeader h) {
    JsonObject o = new JsonObject();
    o.addProperty("member_id", h.getMemberId());
    o.addProperty("term", h.getTerm());
    o.addProperty("applied_index", h.getAppliedIndex());
    o.addProperty("leader_id", h.getLeaderId());
    o.addProperty("cluster_id", h.getClusterId());
    return o;
  }
}
