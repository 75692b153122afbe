package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.ReadableBytes;
import io.lattice.cli.output.Table;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.ResponseHeader;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice get KEY}: reads one key, or every key with a prefix. A missing key (without
 * {@code --prefix}) exits with 3.
 */
@Command(name = "get", description = "Read KEY, or the keys starting with KEY (--prefix).",
    footer = {"", "Text output is the key, then the value, on separate lines (binary data as "
        + "base64:...).", "A missing KEY exits with 3; an empty --prefix result exits with 0.",
        "", "Examples:", "  lattice get greeting", "  lattice get app/ --prefix --keys-only",
        "  lattice get greeting --print-value-only --consistency stale"})
final class GetCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The key, or the prefix.")
  String key;

  @Option(names = "--prefix", description = "Read every key that starts with KEY.")
  boolean prefix;

  @Option(names = "--limit", paramLabel = "N", description = "At most N keys (with --prefix).")
  long limit;

  @Option(names = "--keys-only", description = "Print keys, not values.")
  boolean keysOnly;

  @Option(names = "--print-value-only",
      description = "Print only the values, as the exact bytes stored, each followed by a newline.")
  boolean valueOnly;

  @Option(names = "--consistency", paramLabel = "MODE", defaultValue = "linearizable",
      description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Consistency consistency;

  GetCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    if (keysOnly && valueOnly) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--keys-only and --print-value-only exclude each other");
    }
    if (limit < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 0");
    }
    List<KeyValue> kvs;
    ResponseHeader header;
    boolean more = false;
    long count;
    try (CliContext.ClientLease lease = client()) {
      if (prefix) {
        RangeResponse r = lease.client().range(RangeRequest.newBuilder()
            .setPrefix(ByteString.copyFromUtf8(key)).setLimit(limit).setKeysOnly(keysOnly)
            .setConsistency(consistency.proto()).build());
        kvs = r.getKvsList();
        header = r.getHeader();
        more = r.getMore();
        count = r.getCount();
      } else {
        GetResponse r = lease.client().get(GetRequest.newBuilder()
            .setKey(KeyArgs.bytes(key, spec)).setConsistency(consistency.proto()).build());
        if (!r.hasKv()) {
          throw CliException.notFound("key not found: " + key);
        }
        kvs = List.of(r.getKv());
        header = r.getHeader();
        count = 1;
      }
    }
    print(kvs, header, more, count);
    if (more && format() != io.lattice.cli.output.OutputFormat.json) {
      spec.commandLine().getErr().println("(" + (count - kvs.size()) + " more of " + count
          + " keys; raise --limit to see them)");
    }
    return ExitCodes.OK;
  }

  private void print(List<KeyValue> kvs, ResponseHeader header, boolean more, long count)
      throws IOException {
    switch (format()) {
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
        printJson(o);
      }
      case table -> {
        if (valueOnly || keysOnly) {
          printText(kvs);
          return;
        }
        Table t = new Table("KEY", "VALUE", "VERSION", "CREATE_INDEX", "MOD_INDEX");
        for (KeyValue kv : kvs) {
          t.row(ReadableBytes.display(kv.getKey().toByteArray()),
              ReadableBytes.display(kv.getValue().toByteArray()), kv.getVersion(),
              kv.getCreateIndex(), kv.getModIndex());
        }
        t.print(out());
      }
      default -> printText(kvs);
    }
  }

  private void printText(List<KeyValue> kvs) throws IOException {
    if (valueOnly) {
      out().flush();
      OutputStream raw = ctx.rawOut();
      for (KeyValue kv : kvs) {
        kv.getValue().writeTo(raw);
        raw.write('\n');
      }
      raw.flush();
      return;
    }
    for (KeyValue kv : kvs) {
      out().println(ReadableBytes.display(kv.getKey().toByteArray()));
      if (!keysOnly) {
        out().println(ReadableBytes.display(kv.getValue().toByteArray()));
      }
    }
    out().flush();
  }
}
