package io.lattice.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.lattice.cli.output.Json;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.KeyValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice del KEY}: deletes a key (or a prefix), exactly once. Deleting a missing key is not
 * an error: it prints that 0 keys were deleted and exits with 0, like {@code etcdctl del}.
 */
@Command(name = "del", description = "Delete KEY, or every key starting with KEY (--prefix).",
    footer = {"", "Prints how many keys were deleted; deleting a missing key exits with 0."})
final class DelCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The key, or the prefix.")
  String key;

  @Option(names = "--prefix", description = "Delete every key that starts with KEY.")
  boolean prefix;

  @Option(names = "--prev-kv", description = "Also print the deleted key-values (with -o json).")
  boolean prevKv;

  DelCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    DeleteResponse r;
    try (CliContext.ClientLease lease = client()) {
      ByteString k = prefix ? ByteString.copyFromUtf8(key) : KeyArgs.bytes(key, spec);
      r = lease.client().delete(DeleteRequest.newBuilder().setKey(k).setPrefix(prefix)
          .setPrevKv(prevKv).build());
    }
    long n = prefix ? r.getDeletedCount() : (r.getDeleted() ? 1 : 0);
    switch (format()) {
      case json -> {
        JsonObject o = new JsonObject();
        o.addProperty("deleted", n);
        o.addProperty("index", r.getIndex());
        if (prevKv) {
          JsonArray arr = new JsonArray();
          if (prefix) {
            for (KeyValue kv : r.getPrevKvsList()) {
              arr.add(Json.kv(kv, true));
            }
          } else if (r.hasPrevKv()) {
            arr.add(Json.kv(r.getPrevKv(), true));
          }
          o.add("prev_kvs", arr);
        }
        o.add("header", Json.header(r.getHeader()));
        printJson(o);
      }
      case table -> new io.lattice.cli.output.Table("DELETED", "INDEX").row(n, r.getIndex())
          .print(out());
      default -> out().println("deleted " + n + (n == 1 ? " key" : " keys"));
    }
    return ExitCodes.OK;
  }
}
