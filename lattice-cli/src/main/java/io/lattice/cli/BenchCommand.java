package io.lattice.cli;

import io.grpc.ManagedChannel;
import io.lattice.cli.bench.BenchReport;
import io.lattice.cli.bench.BenchResult;
import io.lattice.cli.bench.BenchRunner;
import io.lattice.cli.bench.BenchSpec;
import io.lattice.cli.bench.Workload;
import io.lattice.cli.client.Channels;
import io.lattice.cli.client.ClientException;
import io.lattice.cli.client.LatticeClient;
import io.lattice.proto.v1.MemberInfo;
import io.lattice.proto.v1.StatusResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lattice bench put|get|mixed}: a closed-loop load generator. */
@Command(name = "bench", description = "Measure throughput and latency with a closed-loop load.",
    subcommands = {BenchCommand.Put.class, BenchCommand.Get.class, BenchCommand.Mixed.class},
    footer = {"", "Each of --inflight requests is resent as soon as it completes (closed loop). "
        + "Writes go to the leader; stale reads are spread over every member.",
        "A live progress line goes to stderr when it is a terminal (or with --progress).",
        "", "Example:", "  lattice bench put --inflight 64 --conns 4 --duration 30"})
final class BenchCommand extends BaseCommand {
  BenchCommand(CliContext ctx) {
    super(ctx);
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "a workload is required: put, get or mixed");
  }

  /** Options of every workload. */
  static final class Options {
    @Option(names = "--inflight", paramLabel = "N", defaultValue = "16",
        description = "Requests in flight at all times (default: ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = "--conns", paramLabel = "N", defaultValue = "1",
        description = "Connections to spread them over (default: ${DEFAULT-VALUE}).")
    int conns;

    @Option(names = "--keys", paramLabel = "N", defaultValue = "1000",
        description = "Number of distinct keys (default: ${DEFAULT-VALUE}).")
    int keys;

    @Option(names = "--key-size", paramLabel = "BYTES", defaultValue = "16",
        description = "Key size (default: ${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--value-size", paramLabel = "BYTES", defaultValue = "128",
        description = "Value size (default: ${DEFAULT-VALUE}).")
    int valueSize;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s",
        converter = DurationConverter.class,
        description = "Measured time, e.g. 30s (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "2s",
        converter = DurationConverter.OrZero.class,
        description = "Unmeasured time before, e.g. 0 or 5s (default: ${DEFAULT-VALUE}).")
    Duration warmup;

    @Option(names = "--consistency", paramLabel = "MODE", defaultValue = "linearizable",
        description = "Of the reads: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Consistency consistency;

    @Option(names = "--progress", negatable = true,
        description = "Show the live progress line (default: when stderr is a terminal).")
    Boolean progress;
  }

  abstract static class Run extends BaseCommand {
    @Mixin
    Options o;

    Run(CliContext ctx) {
      super(ctx);
    }

    abstract Workload workload();

    double readRatio() {
      return workload() == Workload.GET ? 1 : 0;
    }

    @Override
    public Integer call() throws InterruptedException {
      BenchSpec bench = spec();
      BenchResult result;
      String target;
      try (CliContext.ClientLease lease = client(); Channels channels = lease.client().newChannels(
          Math.max(1, Math.min(bench.conns(), Runtime.getRuntime().availableProcessors())))) {
        LatticeClient c = lease.client();
        StatusResponse leader = c.leaderStatus();
        List<String> targets = new ArrayList<>();
        if (bench.workload() == Workload.GET && bench.consistency()
            == io.lattice.proto.v1.ReadConsistency.STALE) {
          for (MemberInfo m : c.memberList().getMembersList()) {
            targets.add(m.getAddress());
          }
          target = "every member";
        } else {
          targets.add(leader.getAddress());
          target = "leader " + leader.getMemberId() + " (" + leader.getAddress() + ")";
        }
        List<ManagedChannel> open = new ArrayList<>();
        for (int i = 0; i < bench.conns(); i++) {
          open.add(channels.open(targets.get(i % targets.size())));
        }
        BenchRunner runner = new BenchRunner(bench, open);
        if (bench.workload() != Workload.PUT) {
          runner.prefill();
        }
        boolean live = o.progress != null ? o.progress : System.console() != null;
        result = runner.run(live ? spec.commandLine().getErr() : null);
      } catch (InterruptedException e) {
        throw new ClientException(ClientException.Outcome.CANCELLED, "cancelled", e);
      }
      if (format() == io.lattice.cli.output.OutputFormat.json) {
        printJson(BenchReport.json(bench, target, result));
      } else {
        BenchReport.text(bench, target, result, out());
      }
      if (result.ops() == 0) {
        throw CliException.failure("no operation succeeded (" + result.errorCount()
            + " errors: " + result.errors() + "; " + result.overloaded() + " overloaded)");
      }
      return ExitCodes.OK;
    }

    private BenchSpec spec() {
      CommandLine cl = spec.commandLine();
      if (o.inflight < 1 || o.conns < 1 || o.keys < 1 || o.valueSize < 0) {
        throw new CommandLine.ParameterException(cl,
            "--inflight, --conns and --keys must be >= 1, --value-size >= 0");
      }
      if (o.keySize < BenchSpec.minKeySize(o.keys)) {
        throw new CommandLine.ParameterException(cl, "--key-size " + o.keySize
            + " is too small for " + o.keys + " keys (at least " + BenchSpec.minKeySize(o.keys)
            + ")");
      }
      return new BenchSpec(workload(), o.inflight, o.conns, o.keys, o.keySize, o.valueSize,
          o.duration, o.warmup, LatticeClient.consistency(o.consistency.name()), readRatio(),
          globals().timeout());
    }
  }

  @Command(name = "put", description = "Puts of random keys.")
  static final class Put extends Run {
    Put(CliContext ctx) {
      super(ctx);
    }

    @Override
    Workload workload() {
      return Workload.PUT;
    }
  }

  @Command(name = "get", description = "Gets of random keys (written once before).")
  static final class Get extends Run {
    Get(CliContext ctx) {
      super(ctx);
    }

    @Override
    Workload workload() {
      return Workload.GET;
    }
  }

  @Command(name = "mixed", description = "Gets and puts of random keys.")
  static final class Mixed extends Run {
    @Option(names = "--read-ratio", paramLabel = "FRACTION", defaultValue = "0.5",
        description = "Fraction of gets, 0..1 (default: ${DEFAULT-VALUE}).")
    double ratio;

    Mixed(CliContext ctx) {
      super(ctx);
    }

    @Override
    Workload workload() {
      return Workload.MIXED;
    }

    @Override
    double readRatio() {
      if (ratio < 0 || ratio > 1) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--read-ratio must be between 0 and 1");
      }
      return ratio;
    }
  }
}
