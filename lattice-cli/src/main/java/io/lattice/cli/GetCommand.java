package io.lattice.cli;

import com.google.protobuf.ByteString;
import io.lattice.cli.client.LatticeClient;
import io.lattice.cli.output.KvPrinter;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KeyInterval;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.ResponseHeader;
import java.io.IOException;
import java.util.ArrayList;
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
        ByteString p = ByteString.copyFromUtf8(key);
        RangeRequest.Builder req = RangeRequest.newBuilder().setPrefix(p).setLimit(limit)
            .setKeysOnly(keysOnly)
            .setConsistency(LatticeClient.consistency(consistency.name()));
        RangeResponse r = lease.client().range(req.build());
        header = r.getHeader();
        count = r.getCount();
        kvs = new ArrayList<>(r.getKvsList());
        // A member answers at most a few MiB at a time and says `more`: fetch the rest, page by
        // page, after the last key received (each page is its own read of the current state).
        while (r.getMore() && r.getKvsCount() > 0 && (limit == 0 || kvs.size() < limit)) {
          ByteString after = r.getKvs(r.getKvsCount() - 1).getKey()
              .concat(ByteString.copyFrom(new byte[] {0}));
          req.setInterval(KeyInterval.newBuilder().setStart(after).setEnd(KeyArgs.prefixEnd(p)))
              .setLimit(limit == 0 ? 0 : limit - kvs.size());
          r = lease.client().range(req.build());
          kvs.addAll(r.getKvsList());
          header = r.getHeader();
        }
        more = kvs.size() < count;
      } else {
        GetResponse r = lease.client().get(GetRequest.newBuilder()
            .setKey(KeyArgs.bytes(key, spec))
            .setConsistency(LatticeClient.consistency(consistency.name())).build());
        if (!r.hasKv()) {
          throw CliException.notFound("key not found: " + key);
        }
        kvs = List.of(r.getKv());
        header = r.getHeader();
        count = 1;
      }
    }
    new KvPrinter(out(), ctx.rawOut(), keysOnly, valueOnly).print(format(), kvs, header, more,
        count);
    if (more && format() != io.lattice.cli.output.OutputFormat.json) {
      spec.commandLine().getErr().println("(" + (count - kvs.size()) + " more of " + count
          + " keys; raise --limit to see them)");
    }
    return ExitCodes.OK;
  }
}
