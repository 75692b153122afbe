package io.lattice.cli.txn;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.OutputFormat;
import io.lattice.cli.output.ReadableBytes;
import io.lattice.cli.output.Table;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnOpResult;
import io.lattice.proto.v1.TxnRequest;
import io.lattice.proto.v1.TxnResponse;
import java.io.PrintWriter;
import java.util.List;

/**
 * Prints the outcome of a Txn: which branch ran and at which index, then one line (or row, or
 * JSON object) per operation performed, with its key and result.
 */
public final class TxnPrinter {
  private TxnPrinter() {}

  public static void print(PrintWriter out, OutputFormat format, TxnRequest req, TxnResponse r) {
    List<TxnOp> ops = r.getSucceeded() ? req.getSuccessList() : req.getFailureList();
    String branch = r.getSucceeded() ? "SUCCESS" : "FAILURE";
    switch (format) {
      case json -> {
        JsonObject o = new JsonObject();
        o.addProperty("succeeded", r.getSucceeded());
        o.addProperty("index", r.getIndex());
        JsonArray results = new JsonArray();
        for (int i = 0; i < r.getResultsCount(); i++) {
          results.add(json(ops.get(i), r.getResults(i)));
        }
        o.add("results", results);
        o.add("header", Json.header(r.getHeader()));
        out.println(Json.format(o));
      }
      case table -> {
        out.println(branch + " (index " + r.getIndex() + ")");
        Table t = new Table("OP", "KEY", "RESULT");
        for (int i = 0; i < r.getResultsCount(); i++) {
          t.row(verb(ops.get(i)), ReadableBytes.display(key(ops.get(i))),
              result(r.getResults(i)));
        }
        t.print(out);
      }
      default -> {
        out.println(branch + " (index " + r.getIndex() + ")");
        for (int i = 0; i < r.getResultsCount(); i++) {
          out.println(verb(ops.get(i)) + " " + ReadableBytes.display(key(ops.get(i))) + ": "
              + result(r.getResults(i)));
        }
      }
    }
    out.flush();
  }

  private static String verb(TxnOp op) {
    return switch (op.getOpCase()) {
      case PUT -> "put";
      case DELETE -> "del";
      default -> "get";
    };
  }

  private static byte[] key(TxnOp op) {
    return switch (op.getOpCase()) {
      case PUT -> op.getPut().getKey().toByteArray();
      case DELETE -> op.getDelete().getKey().toByteArray();
      default -> op.getGet().getKey().toByteArray();
    };
  }

  private static String result(TxnOpResult r) {
    return switch (r.getResultCase()) {
      case PUT -> "OK (version " + r.getPut().getVersion() + ")";
      case DELETE -> r.getDelete().getDeleted() ? "deleted" : "not found (nothing deleted)";
      case GET -> r.getGet().hasKv()
          ? ReadableBytes.display(r.getGet().getKv().getValue().toByteArray())
              + " (version " + r.getGet().getKv().getVersion() + ")"
          : "not found";
      default -> "?";
    };
  }

  private static JsonObject json(TxnOp op, TxnOpResult r) {
    JsonObject o = new JsonObject();
    o.addProperty("op", verb(op));
    Json.putBytes(o, "key", key(op));
    switch (r.getResultCase()) {
      case PUT -> o.addProperty("version", r.getPut().getVersion());
      case DELETE -> o.addProperty("deleted", r.getDelete().getDeleted());
      case GET -> {
        o.addProperty("found", r.getGet().hasKv());
        if (r.getGet().hasKv()) {
          o.add("kv", Json.kv(r.getGet().getKv(), true));
        }
      }
      default -> { }
    }
    return o;
  }
}
