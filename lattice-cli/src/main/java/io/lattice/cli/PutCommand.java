package io.lattice.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.ReadableBytes;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice put KEY VALUE}: sets a key, exactly once even when the request is retried. */
@Command(name = "put", description = "Set KEY to VALUE (creating KEY if needed).",
    footer = {"", "Examples:", "  lattice put greeting hello", "  lattice put config - < app.json"})
final class PutCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The key (UTF-8).")
  String key;

  @Parameters(index = "1", paramLabel = "VALUE",
      description = "The value (UTF-8); - reads it, as bytes, from standard input.")
  String value;

  @Option(names = "--prev-kv", description = "Also print the value the key had before.")
  boolean prevKv;

  PutCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() throws IOException {
    byte[] v = "-".equals(value) ? ctx.in().readAllBytes() : value.getBytes(StandardCharsets.UTF_8);
    PutResponse r;
    try (CliContext.ClientLease lease = client()) {
      r = lease.client().put(PutRequest.newBuilder().setKey(KeyArgs.bytes(key, spec))
          .setValue(ByteString.copyFrom(v)).setPrevKv(prevKv).build());
    }
    switch (format()) {
      case json -> {
        JsonObject o = new JsonObject();
        Json.putBytes(o, "key", KeyArgs.bytes(key, spec).toByteArray());
        o.addProperty("version", r.getVersion());
        o.addProperty("mod_index", r.getModIndex());
        if (r.hasPrevKv()) {
          o.add("prev_kv", Json.kv(r.getPrevKv(), true));
        }
        o.add("header", Json.header(r.getHeader()));
        printJson(o);
      }
      case table -> {
        io.lattice.cli.output.Table t = prevKv
            ? new io.lattice.cli.output.Table("KEY", "VERSION", "MOD_INDEX", "PREVIOUS")
            : new io.lattice.cli.output.Table("KEY", "VERSION", "MOD_INDEX");
        String k = ReadableBytes.display(KeyArgs.bytes(key, spec).toByteArray());
        if (prevKv) {
          t.row(k, r.getVersion(), r.getModIndex(), r.hasPrevKv()
              ? ReadableBytes.display(r.getPrevKv().getValue().toByteArray()) : "(none)");
        } else {
          t.row(k, r.getVersion(), r.getModIndex());
        }
        t.print(out());
      }
      default -> {
        out().println("OK (version " + r.getVersion() + ", index " + r.getModIndex() + ")");
        if (prevKv) {
          out().println(r.hasPrevKv()
              ? "previous: " + ReadableBytes.display(r.getPrevKv().getValue().toByteArray())
              : "previous: (none)");
        }
      }
    }
    return ExitCodes.OK;
  }
}
