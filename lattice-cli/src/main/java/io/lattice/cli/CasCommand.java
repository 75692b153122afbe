package io.lattice.cli;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.lattice.cli.output.Json;
import io.lattice.cli.output.ReadableBytes;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice cas KEY NEW --expect OLD}: atomically replaces (or deletes) a key if it is as
 * expected. When the expectation does not hold nothing changes, the key's current state is shown
 * and the exit code is 1.
 */
@Command(name = "cas", description = "Compare-and-swap: set KEY to NEW (or delete it) only if it "
    + "currently has the expected value, version or absence.",
    footer = {"", "Exits with 1 when the expectation does not hold (nothing is changed).", "",
        "Examples:", "  lattice cas lock me --expect-absent",
        "  lattice cas counter 2 --expect 1", "  lattice cas counter --delete --expect-version 7"})
final class CasCommand extends BaseCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The key.")
  String key;

  @Parameters(index = "1", paramLabel = "NEW", arity = "0..1",
      description = "The new value (not with --delete).")
  String newValue;

  @Option(names = "--delete", description = "Delete KEY instead of setting it.")
  boolean delete;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Expectation expect;

  /** Exactly one expectation. */
  static final class Expectation {
    @Option(names = "--expect", paramLabel = "VALUE", description = "KEY must have this value.")
    String value;

    @Option(names = "--expect-version", paramLabel = "N",
        description = "KEY must be at version N (0: must not exist).")
    Long version;

    @Option(names = "--expect-absent", description = "KEY must not exist.")
    boolean absent;
  }

  CasCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    if (delete == (newValue != null)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          delete ? "NEW and --delete exclude each other" : "NEW (or --delete) is required");
    }
    CompareAndSwapRequest.Builder b = CompareAndSwapRequest.newBuilder()
        .setKey(KeyArgs.bytes(key, spec));
    if (expect.value != null) {
      b.setExpectedValue(ByteString.copyFrom(expect.value, StandardCharsets.UTF_8));
    } else if (expect.version != null) {
      if (expect.version < 0) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--expect-version must be >= 0");
      }
      b.setExpectedVersion(expect.version);
    } else {
      b.setExpectedAbsent(true);
    }
    if (delete) {
      b.setDeleteKey(true);
    } else {
      b.setNewValue(ByteString.copyFrom(newValue, StandardCharsets.UTF_8));
    }
    CompareAndSwapResponse r;
    try (CliContext.ClientLease lease = client()) {
      r = lease.client().compareAndSwap(b.build());
    }
    if (format() == io.lattice.cli.output.OutputFormat.json) {
      JsonObject o = new JsonObject();
      o.addProperty("succeeded", r.getSucceeded());
      o.addProperty("index", r.getIndex());
      if (r.hasPrevKv()) {
        o.add("prev_kv", Json.kv(r.getPrevKv(), true));
      }
      o.add("header", Json.header(r.getHeader()));
      printJson(o);
      return r.getSucceeded() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
    if (format() == io.lattice.cli.output.OutputFormat.table) {
      String k = ReadableBytes.display(KeyArgs.bytes(key, spec).toByteArray());
      if (r.getSucceeded()) {
        new io.lattice.cli.output.Table("KEY", "SUCCEEDED", "INDEX").row(k, "yes", r.getIndex())
            .print(out());
        return ExitCodes.OK;
      }
      new io.lattice.cli.output.Table("KEY", "SUCCEEDED", "INDEX", "VERSION", "VALUE")
          .row(k, "no", r.getIndex(), r.hasPrevKv() ? r.getPrevKv().getVersion() : 0,
              r.hasPrevKv() ? ReadableBytes.display(r.getPrevKv().getValue().toByteArray())
                  : "(absent)")
          .print(out());
    } else if (r.getSucceeded()) {
      out().println("OK (" + (delete ? "deleted" : "swapped") + " at index " + r.getIndex() + ")");
      return ExitCodes.OK;
    }
    String now = r.hasPrevKv()
        ? "it is at version " + r.getPrevKv().getVersion() + " with value "
            + ReadableBytes.display(r.getPrevKv().getValue().toByteArray())
        : "it does not exist";
    throw CliException.failure("not swapped: " + key + " is not as expected (" + now + ")");
  }
}
