package io.lattice.cli.output;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.ResponseHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.List;

/**
 * Prints key-values read by {@code get}: text (key line, value line; binary data as base64:...),
 * a table, JSON, only the keys, or only the values as their exact bytes.
 */
public final class KvPrinter {
  private final PrintWriter out;
  private final OutputStream raw;
  private final boolean keysOnly;
  private final boolean valuesOnly;

  /** {@code raw} is the byte stream under {@code out}, for {@code valuesOnly}. */
  public KvPrinter(PrintWriter out, OutputStream raw, boolean keysOnly, boolean valuesOnly) {
    this.out = out;
    this.raw = raw;
    this.keysOnly = keysOnly;
    this.valuesOnly = valuesOnly;
  }

  public void print(OutputFormat format, List<KeyValue> kvs, ResponseHeader header, boolean more,
      long count) throws IOException {
    switch (format) {
      case json -> {
        JsonObject o = new JsonObject();
        JsonArray arr = new JsonArray();
        for (KeyValue kv : kvs) {
          arr.add(Json.kv(kv, !keysOnly));
        }
        o.add("kvs", arr);
        o.addProperty("count", count);
        o.addProperty("more", more);
        o.add("header", Json.header(header));
        out.println(Json.format(o));
        out.flush();
      }
      case table -> {
        if (valuesOnly || keysOnly) {
          text(kvs);
          return;
        }
        Table t = new Table("KEY", "VALUE", "VERSION", "CREATE_INDEX", "MOD_INDEX");
        for (KeyValue kv : kvs) {
          t.row(ReadableBytes.display(kv.getKey().toByteArray()),
              ReadableBytes.display(kv.getValue().toByteArray()), kv.getVersion(),
              kv.getCreateIndex(), kv.getModIndex());
        }
        t.print(out);
      }
      default -> text(kvs);
    }
  }

  private void text(List<KeyValue> kvs) throws IOException {
    if (valuesOnly) {
      out.flush();
      for (KeyValue kv : kvs) {
        kv.getValue().writeTo(raw);
        raw.write('\n');
      }
      raw.flush();
      return;
    }
    for (KeyValue kv : kvs) {
      out.println(ReadableBytes.display(kv.getKey().toByteArray()));
      if (!keysOnly) {
        out.println(ReadableBytes.display(kv.getValue().toByteArray()));
      }
    }
    out.flush();
  }
}
